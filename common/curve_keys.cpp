// Z85 keys and the files that hold them. Parsing is pure (text in, keys or a one-line error
// out) so the formats are pinned by unit tests without touching the file system.
#include "common/curve_keys.hpp"

#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <fstream>
#include <sstream>

#include "common/atomic_file.hpp"
#include "common/url.hpp"

namespace stampede {
namespace {

constexpr std::string_view kZ85Alphabet =
    "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Calls fn(line_number, line) for each line that is neither blank nor a comment.
template <class Fn>
void for_each_content_line(std::string_view text, Fn&& fn) {
  size_t number = 0;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = trim(text.substr(0, end));
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    ++number;
    if (line.empty() || line.front() == '#') continue;
    fn(number, line);
  }
}

Expected<std::string> read_small_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return unexpected("cannot read " + path);
  std::ostringstream buf;
  buf << in.rdbuf();
  std::string text = buf.str();
  // A key file is a few lines; anything large is the wrong file.
  if (text.size() > (1u << 20)) return unexpected(path + " is too large for a key file");
  return text;
}

}  // namespace

bool curve_available() {
  return zmq_has("curve") == 1;
}

bool valid_z85_key(std::string_view text) {
  if (text.size() != kZ85KeyChars) return false;
  for (char c : text) {
    if (kZ85Alphabet.find(c) == std::string_view::npos) return false;
  }
  // Z85 groups of 5 characters encode 4 bytes; some 5-character groups overflow 32 bits.
  uint8_t bytes[32];
  const std::string z(text);
  return zmq_z85_decode(bytes, z.c_str()) != nullptr;
}

Expected<std::string> parse_public_key(std::string_view text) {
  const auto key = trim(text);
  if (!valid_z85_key(key)) {
    return unexpected(std::string("'").append(key.substr(0, 48)) +
                      "' is not a CURVE key (40 characters of Z85, as `stampede keygen` writes)");
  }
  return std::string(key);
}

std::string z85_from_binary_key(std::string_view bytes) {
  if (bytes.size() != 32) return {};
  char out[kZ85KeyChars + 1] = {};
  zmq_z85_encode(out, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  return out;
}

Expected<CurveKeyPair> generate_curve_key_pair() {
  if (!curve_available()) return unexpected("this libzmq has no CURVE support (libsodium)");
  char pub[kZ85KeyChars + 1] = {};
  char sec[kZ85KeyChars + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0) return unexpected("zmq_curve_keypair failed");
  return CurveKeyPair{pub, sec};
}

Expected<CurveKeyPair> parse_secret_key_text(std::string_view text) {
  std::string secret;
  std::string problem;
  size_t keys = 0;
  for_each_content_line(text, [&](size_t number, std::string_view line) {
    ++keys;
    if (!valid_z85_key(line) && problem.empty()) {
      problem = "line " + std::to_string(number) + " is not a Z85 secret key";
    }
    secret = std::string(line);
  });
  if (!problem.empty()) return unexpected(problem);
  if (keys != 1) {
    return unexpected(keys == 0 ? "no secret key in it" : "more than one key line in it");
  }
  char pub[kZ85KeyChars + 1] = {};
  if (zmq_curve_public(pub, secret.c_str()) != 0) {
    return unexpected("cannot derive the public key (libzmq without CURVE?)");
  }
  return CurveKeyPair{pub, secret};
}

Expected<AuthorizedKeys> parse_authorized_keys(std::string_view text) {
  AuthorizedKeys keys;
  std::string problem;
  for_each_content_line(text, [&](size_t number, std::string_view line) {
    if (!problem.empty()) return;
    const size_t space = line.find_first_of(" \t");
    const auto key = line.substr(0, space);
    if (!valid_z85_key(key)) {
      problem = "line " + std::to_string(number) + ": '" + std::string(key.substr(0, 48)) +
                "' is not a Z85 public key";
      return;
    }
    const auto label =
        space == std::string_view::npos ? std::string_view{} : trim(line.substr(space));
    keys.emplace(std::string(key), std::string(label));
  });
  if (!problem.empty()) return unexpected(problem);
  return keys;
}

Expected<CurveKeyPair> load_secret_key_file(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return unexpected(text.error());
  auto pair = parse_secret_key_text(*text);
  if (!pair) return unexpected(path + ": " + pair.error());
  return pair;
}

Expected<AuthorizedKeys> load_authorized_keys(const std::string& path) {
  auto text = read_small_file(path);
  if (!text) return unexpected(text.error());
  auto keys = parse_authorized_keys(*text);
  if (!keys) return unexpected(path + ": " + keys.error());
  if (keys->empty()) return unexpected(path + " lists no keys: nobody could connect");
  return keys;
}

Expected<bool> write_key_pair(const std::string& prefix, const CurveKeyPair& pair) {
  std::string error;
  const std::string header = "# stampede CURVE ";
  if (!write_file_atomically(prefix + ".key",
                             header + "secret key: keep it on this host, readable by its owner\n" +
                                 pair.secret_z85 + "\n",
                             0600, error, /*exclusive=*/true)) {
    return unexpected(error);
  }
  if (!write_file_atomically(
          prefix + ".pub",
          header + "public key: give it to the other side\n" + pair.public_z85 + "\n", 0644,
          error)) {
    return unexpected(error);
  }
  return true;
}

bool endpoint_is_local(std::string_view endpoint) {
  if (endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0) return true;
  const auto tcp = TcpEndpoint::parse(endpoint);
  if (!tcp) return false;
  if (tcp->host == "localhost") return true;
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(tcp->host, ec);
  return !ec && address.is_loopback();
}

void make_curve_server(zmq::socket_t& socket, const CurveKeyPair& own,
                       const std::string& zap_domain) {
  socket.set(zmq::sockopt::curve_server, 1);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_z85);
  socket.set(zmq::sockopt::zap_domain, zap_domain);
}

void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& own,
                       const std::string& server_public_z85) {
  socket.set(zmq::sockopt::curve_serverkey, server_public_z85);
  socket.set(zmq::sockopt::curve_publickey, own.public_z85);
  socket.set(zmq::sockopt::curve_secretkey, own.secret_z85);
}

}  // namespace stampede
