// `stampede keygen --out PREFIX`: writes a CURVE key pair for the control plane, PREFIX.key
// (the secret, mode 0600, for --curve-secret-file) and PREFIX.pub (the public key: for the
// coordinator's --authorized-keys, or, for the coordinator's own pair, the agents' and CLI's
// --coordinator-public-key).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "common/expected.hpp"

namespace stampede::coordinator {

struct KeygenFlags {
  std::string out;
};

void add_keygen_flags(CLI::App& sub, KeygenFlags& flags);
CommandResult keygen_command(const KeygenFlags& flags);

}  // namespace stampede::coordinator
