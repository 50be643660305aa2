// The CLI's CURVE keys: loaded once in main, applied to each control-socket DEALER.
#include "coordinator/cli/client_security.hpp"

#include "common/curve_keys.hpp"

namespace stampede::coordinator {
namespace {

struct ClientCurve {
  CurveKeyPair own;
  std::string coordinator_public;
};

// Written once by install_client_security() before any thread exists; read-only afterwards.
std::optional<ClientCurve>& installed() {
  static std::optional<ClientCurve> curve;
  return curve;
}

}  // namespace

void add_client_security_flags(CLI::App& sub, ClientSecurityFlags& f) {
  sub.add_option("--curve-secret-file", f.curve_secret_file,
                 "This client's CURVE secret key (from `stampede keygen`)");
  sub.add_option("--coordinator-public-key", f.coordinator_public_key,
                 "The coordinator's CURVE public key (Z85), pinned");
}

std::optional<std::string> install_client_security(const ClientSecurityFlags& f) {
  if (f.curve_secret_file.empty() && f.coordinator_public_key.empty()) return std::nullopt;
  if (f.curve_secret_file.empty() || f.coordinator_public_key.empty()) {
    return "--curve-secret-file and --coordinator-public-key go together";
  }
  if (!curve_available()) return "this libzmq has no CURVE support";
  auto own = load_secret_key_file(f.curve_secret_file);
  if (!own) return "--curve-secret-file " + own.error();
  auto server = parse_public_key(f.coordinator_public_key);
  if (!server) return "--coordinator-public-key: " + server.error();
  installed() = ClientCurve{std::move(*own), std::move(*server)};
  return std::nullopt;
}

void apply_client_security(zmq::socket_t& socket, const std::string& endpoint) {
  const auto& curve = installed();
  if (!curve || endpoint.rfind("inproc://", 0) == 0) return;
  make_curve_client(socket, curve->own, curve->coordinator_public);
}

}  // namespace stampede::coordinator
