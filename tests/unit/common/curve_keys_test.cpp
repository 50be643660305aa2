// Pins the control plane's key formats, the ZAP decision, atomic key files and the bind policy.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/atomic_file.hpp"
#include "common/curve_keys.hpp"
#include "common/framing.hpp"
#include "common/zap_authenticator.hpp"

using namespace stampede;
using namespace std::chrono_literals;

namespace {

std::string temp_dir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("stampede-keys-" + std::to_string(getpid()) + "-" +
              std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()));
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string binary_key(const std::string& z85) {
  std::string out(32, '\0');
  zmq_z85_decode(reinterpret_cast<uint8_t*>(out.data()), z85.c_str());
  return out;
}

}  // namespace

TEST_CASE("libzmq here supports CURVE", "[common][curve]") {
  REQUIRE(curve_available());
}

TEST_CASE("a generated key pair is Z85 and its public half derives from the secret",
          "[common][curve]") {
  auto pair = generate_curve_key_pair();
  REQUIRE(pair);
  CHECK(valid_z85_key(pair->public_z85));
  CHECK(valid_z85_key(pair->secret_z85));
  auto parsed = parse_secret_key_text("# comment\n\n" + pair->secret_z85 + "\n");
  REQUIRE(parsed);
  CHECK(parsed->public_z85 == pair->public_z85);
}

TEST_CASE("keys that are not 40 characters of Z85 are refused with a reason", "[common][curve]") {
  CHECK_FALSE(valid_z85_key(""));
  CHECK_FALSE(valid_z85_key(std::string(39, 'a')));
  CHECK_FALSE(valid_z85_key(std::string(40, ' ')));
  CHECK_FALSE(valid_z85_key(std::string(40, '"')));  // not in the alphabet
  CHECK_FALSE(parse_public_key("not-a-key"));
  CHECK_FALSE(parse_secret_key_text(""));
  auto a = generate_curve_key_pair();
  auto b = generate_curve_key_pair();
  CHECK_FALSE(parse_secret_key_text(a->secret_z85 + "\n" + b->secret_z85 + "\n"));
  auto trimmed = parse_public_key("  " + a->public_z85 + "\n");
  REQUIRE(trimmed);
  CHECK(*trimmed == a->public_z85);
}

TEST_CASE("an authorized-keys file is one key a line, with comments and labels",
          "[common][curve]") {
  auto a = generate_curve_key_pair();
  auto b = generate_curve_key_pair();
  auto keys = parse_authorized_keys("# agents\n" + a->public_z85 + "\n\n  " + b->public_z85 +
                                    "   cli-alice\n");
  REQUIRE(keys);
  REQUIRE(keys->size() == 2);
  CHECK(keys->at(a->public_z85).empty());
  CHECK(keys->at(b->public_z85) == "cli-alice");
  auto bad = parse_authorized_keys(a->public_z85 + "\nsomething else\n");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().find("line 2") != std::string::npos);
}

TEST_CASE("keygen files: the secret is 0600, both load back, an existing key is not overwritten",
          "[common][curve]") {
  const auto dir = temp_dir();
  const auto prefix = dir + "/agent";
  auto pair = generate_curve_key_pair();
  REQUIRE(write_key_pair(prefix, *pair));
  struct stat st {};
  REQUIRE(::stat((prefix + ".key").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  auto loaded = load_secret_key_file(prefix + ".key");
  REQUIRE(loaded);
  CHECK(loaded->public_z85 == pair->public_z85);
  std::ifstream pub(prefix + ".pub");
  std::string text((std::istreambuf_iterator<char>(pub)), {});
  CHECK(text.find(pair->public_z85) != std::string::npos);
  auto other = generate_curve_key_pair();
  CHECK_FALSE(write_key_pair(prefix, *other));
  CHECK(load_secret_key_file(prefix + ".key")->secret_z85 == pair->secret_z85);
  // No temporary file is left behind either way.
  size_t files = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(dir)) ++files;
  CHECK(files == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("an atomic write replaces a file whole", "[common][atomic_file]") {
  const auto dir = temp_dir();
  const auto path = dir + "/report.json";
  std::string error;
  REQUIRE(write_file_atomically(path, "old\n", 0644, error));
  REQUIRE(write_file_atomically(path, "new\n", 0644, error));
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  CHECK(line == "new");
  CHECK_FALSE(write_file_atomically(dir + "/missing/x", "x", 0644, error));
  CHECK_FALSE(error.empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("ZAP admits listed CURVE keys and refuses others, malformed requests included",
          "[common][zap]") {
  auto listed = generate_curve_key_pair();
  auto stranger = generate_curve_key_pair();
  AuthorizedKeys keys{{listed->public_z85, "agent-1"}};
  auto request = [](const std::string& mechanism, const std::string& credentials) {
    return std::vector<std::string>{"1.0", "7", "agents", "10.0.0.9", "", mechanism, credentials};
  };
  auto ok = zap_verdict(request("CURVE", binary_key(listed->public_z85)), keys);
  CHECK(ok.admitted);
  CHECK(ok.status_code == "200");
  CHECK(ok.label == "agent-1");
  CHECK(ok.request_id == "7");
  auto no = zap_verdict(request("CURVE", binary_key(stranger->public_z85)), keys);
  CHECK_FALSE(no.admitted);
  CHECK(no.status_code == "400");
  CHECK(no.key_z85 == stranger->public_z85);
  CHECK(no.address == "10.0.0.9");
  CHECK_FALSE(zap_verdict(request("NULL", ""), keys).admitted);
  CHECK_FALSE(zap_verdict(request("CURVE", "short"), keys).admitted);
  CHECK(zap_verdict({"2.0"}, keys).status_code == "500");
  CHECK(zap_verdict({}, keys).status_code == "500");
}

TEST_CASE("over real sockets, ZAP lets the listed client through and keeps the stranger out",
          "[common][zap]") {
  zmq::context_t ctx;
  auto server_keys = generate_curve_key_pair();
  auto listed = generate_curve_key_pair();
  auto stranger = generate_curve_key_pair();
  uint64_t refusals = 0;
  ZapAuthenticator zap(ctx, {{listed->public_z85, ""}},
                       [&](const ZapVerdict& v) { refusals += v.admitted ? 0 : 1; });
  zmq::socket_t router(ctx, zmq::socket_type::router);
  apply_control_socket_options(router);
  make_curve_server(router, *server_keys, "agents");
  router.bind("tcp://127.0.0.1:*");
  const std::string endpoint = router.get(zmq::sockopt::last_endpoint);

  auto client = [&](const CurveKeyPair& own) {
    zmq::socket_t s(ctx, zmq::socket_type::dealer);
    apply_control_socket_options(s);
    make_curve_client(s, own, server_keys->public_z85);
    s.connect(endpoint);
    return s;
  };
  zmq::socket_t good = client(*listed);
  zmq::socket_t bad = client(*stranger);
  v1::Envelope hello;
  hello.mutable_register_()->set_name("listed");
  send_envelope(good, hello);
  v1::Envelope intruder;
  intruder.mutable_register_()->set_name("stranger");
  send_envelope(bad, intruder);

  std::vector<std::string> names;
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (std::chrono::steady_clock::now() < deadline && (names.empty() || refusals == 0)) {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {zap.socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, 50ms);
    zap.serve_pending();
    for (auto in = receive_envelope(router, true); in.status != RecvStatus::none;
         in = receive_envelope(router, true)) {
      if (in.status == RecvStatus::ok) names.push_back(in.envelope.register_().name());
    }
  }
  // A little longer, so a stranger's frame that were to get through would be seen.
  const auto settle = std::chrono::steady_clock::now() + 300ms;
  while (std::chrono::steady_clock::now() < settle) {
    zmq::pollitem_t items[] = {{router.handle(), 0, ZMQ_POLLIN, 0},
                               {zap.socket().handle(), 0, ZMQ_POLLIN, 0}};
    zmq::poll(items, 2, 20ms);
    zap.serve_pending();
    for (auto in = receive_envelope(router, true); in.status != RecvStatus::none;
         in = receive_envelope(router, true)) {
      if (in.status == RecvStatus::ok) names.push_back(in.envelope.register_().name());
    }
  }
  CHECK(names == std::vector<std::string>{"listed"});
  CHECK(refusals >= 1);
  CHECK(zap.admitted() >= 1);
}

TEST_CASE("only loopback, ipc and inproc endpoints count as local", "[common][curve]") {
  CHECK(endpoint_is_local("tcp://127.0.0.1:5555"));
  CHECK(endpoint_is_local("tcp://127.1.2.3:*"));
  CHECK(endpoint_is_local("tcp://localhost:5555"));
  CHECK(endpoint_is_local("tcp://[::1]:5555"));
  CHECK(endpoint_is_local("ipc:///tmp/stampede"));
  CHECK(endpoint_is_local("inproc://agents"));
  CHECK_FALSE(endpoint_is_local("tcp://0.0.0.0:5555"));
  CHECK_FALSE(endpoint_is_local("tcp://*:5555"));
  CHECK_FALSE(endpoint_is_local("tcp://[::]:5555"));
  CHECK_FALSE(endpoint_is_local("tcp://eth0:5555"));
  CHECK_FALSE(endpoint_is_local("tcp://10.0.0.1:5555"));
  CHECK_FALSE(endpoint_is_local("tcp://coordinator:5555"));
}

TEST_CASE("parse_envelope drops garbage and oversize payloads with a reason", "[common][framing]") {
  v1::Envelope out;
  const std::string garbage = "\xff\xff\xff\xff";
  CHECK(parse_envelope(garbage.data(), garbage.size(), out).has_value());
  v1::Envelope env;
  env.set_protocol_version(v1::PROTOCOL_VERSION_CURRENT);
  env.mutable_heartbeat()->set_sent_unix_ns(5);
  const std::string bytes = env.SerializeAsString();
  CHECK_FALSE(parse_envelope(bytes.data(), bytes.size(), out).has_value());
  CHECK(out.heartbeat().sent_unix_ns() == 5);
  CHECK(parse_envelope(bytes.data(), static_cast<size_t>(kMaxFrameBytes) + 1, out).has_value());
}
