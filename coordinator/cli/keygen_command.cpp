// Key generation: libzmq's CURVE key pair (libsodium), written atomically.
#include "coordinator/cli/keygen_command.hpp"

#include <cstdio>

#include "common/curve_keys.hpp"

namespace stampede::coordinator {

void add_keygen_flags(CLI::App& sub, KeygenFlags& f) {
  sub.add_option("--out", f.out, "Write PREFIX.key (secret, 0600) and PREFIX.pub")->required();
}

CommandResult keygen_command(const KeygenFlags& f) {
  auto pair = generate_curve_key_pair();
  if (!pair) return unreachable(pair.error());  // libsodium's randomness failed us
  if (auto written = write_key_pair(f.out, *pair); !written) return written.failure();
  std::printf("wrote %s.key (secret, mode 0600) and %s.pub; public key %s\n", f.out.c_str(),
              f.out.c_str(), pair->public_z85.c_str());
  return ExitCode::ok;
}

}  // namespace stampede::coordinator
