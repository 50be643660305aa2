// CURVE keys for the control plane: Z85 text (40 characters for 32 bytes), key files, the
// coordinator's authorized-keys list, and the socket options that make a ZeroMQ socket a CURVE
// server or a client pinned to one server key.
//
//   auto pair = stampede::generate_curve_key_pair();                  // `stampede keygen`
//   auto own = stampede::load_secret_key_file("agent.key");          // --curve-secret-file
//   auto keys = stampede::load_authorized_keys("authorized_keys");   // --authorized-keys
//   stampede::make_curve_client(dealer, *own, coordinator_public_z85);
//
// Key file formats (text, `#` starts a comment line, blank lines ignored):
//   PREFIX.key: one line, the Z85 secret key; the public key is derived from it.
//   PREFIX.pub: one line, the Z85 public key.
//   authorized keys: one Z85 public key a line, optionally followed by a label
//   ("<key> agent-7"); the label names the key in the coordinator's log.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <zmq.hpp>

#include "common/expected.hpp"

namespace stampede {

inline constexpr size_t kZ85KeyChars = 40;

struct CurveKeyPair {
  std::string public_z85;
  std::string secret_z85;
};

// Z85 public key -> label ("" when the line had none).
using AuthorizedKeys = std::map<std::string, std::string>;

// Whether this libzmq was built with CURVE (libsodium); false means no key flag can work.
bool curve_available();

// 40 characters of the Z85 alphabet that decode to 32 bytes.
bool valid_z85_key(std::string_view text);

// A Z85 key given on a command line or in a file, surrounding whitespace removed.
Expected<std::string> parse_public_key(std::string_view text);

// Z85 of 32 raw bytes (what a ZAP request carries as CURVE credentials).
std::string z85_from_binary_key(std::string_view bytes);

Expected<CurveKeyPair> generate_curve_key_pair();

// Parses the text of a PREFIX.key file and derives the public half.
Expected<CurveKeyPair> parse_secret_key_text(std::string_view text);
Expected<AuthorizedKeys> parse_authorized_keys(std::string_view text);

Expected<CurveKeyPair> load_secret_key_file(const std::string& path);
Expected<AuthorizedKeys> load_authorized_keys(const std::string& path);

// Writes PREFIX.key (mode 0600) and PREFIX.pub (0644), each to a temporary name first and
// renamed, so a crash never leaves half a key. Refuses to overwrite an existing PREFIX.key.
Expected<bool> write_key_pair(const std::string& prefix, const CurveKeyPair& pair);

// Whether a ZeroMQ endpoint can only be reached from this host: tcp:// on a loopback address
// or "localhost", ipc://, inproc://. tcp://*, 0.0.0.0, an interface name or any other address
// is reachable from the network, which without CURVE needs the coordinator's --insecure-bind.
bool endpoint_is_local(std::string_view endpoint);

// Socket options; call before bind/connect. zap_domain names the socket in the ZAP handler.
void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& own,
                       const std::string& zap_domain);
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& own,
                       const std::string& server_public_z85);

}  // namespace stampede
