// CURVE for the CLI's side of the control socket (`stampede run`, `stampede agents`): the
// client's own key (--curve-secret-file) and the coordinator's public key it pins
// (--coordinator-public-key). Both or neither.
//
//   ClientSecurityFlags f; add_client_security_flags(*run, f);   // before parsing
//   if (auto problem = install_client_security(f)) exit 2;       // after parsing, in main
//   apply_client_security(dealer, endpoint);                     // before connect
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <zmq.hpp>

namespace stampede::coordinator {

struct ClientSecurityFlags {
  std::string curve_secret_file;
  std::string coordinator_public_key;
};

void add_client_security_flags(CLI::App& sub, ClientSecurityFlags& flags);

// Loads and checks the keys and keeps them for apply_client_security(). Start-up only: call
// from main before any thread starts; the keys are read-only after. Returns the problem, if any.
std::optional<std::string> install_client_security(const ClientSecurityFlags& flags);

// Makes socket a CURVE client pinned to the coordinator's key when keys were installed, for any
// endpoint but inproc:// (an embedded coordinator has no keys).
void apply_client_security(zmq::socket_t& socket, const std::string& endpoint);

}  // namespace stampede::coordinator
