// ZAP over a REP socket: read one request (at most kMaxZapFrames parts), always answer it, since
// a REP socket that does not reply can take no further request.
#include "common/zap_authenticator.hpp"

namespace stampede {
namespace {

constexpr size_t kMaxZapFrames = 16;  // a CURVE request has 7; anything past 16 is not ZAP
constexpr int kMaxRequestsPerCall = 100;

}  // namespace

ZapVerdict zap_verdict(const std::vector<std::string>& frames, const AuthorizedKeys& keys) {
  ZapVerdict v;
  v.status_code = "500";
  if (frames.size() >= 2) v.request_id = frames[1];
  if (frames.size() < 6 || frames[0] != "1.0") {
    v.reason = "malformed ZAP request";
    return v;
  }
  v.domain = frames[2];
  v.address = frames[3];
  v.status_code = "400";
  if (frames[5] != "CURVE") {
    v.reason = "mechanism " + frames[5].substr(0, 16) + " is not CURVE";
    return v;
  }
  if (frames.size() != 7 || frames[6].size() != 32) {
    v.reason = "CURVE request without a 32-byte public key";
    return v;
  }
  v.key_z85 = z85_from_binary_key(frames[6]);
  const auto it = keys.find(v.key_z85);
  if (it == keys.end()) {
    v.reason = "key not in --authorized-keys";
    return v;
  }
  v.admitted = true;
  v.status_code = "200";
  v.reason = "OK";
  v.label = it->second;
  return v;
}

ZapAuthenticator::ZapAuthenticator(zmq::context_t& ctx, AuthorizedKeys keys, Observer observer)
    : socket_(ctx, zmq::socket_type::rep), keys_(std::move(keys)), observer_(std::move(observer)) {
  socket_.set(zmq::sockopt::linger, 0);
  socket_.bind("inproc://zeromq.zap.01");
}

void ZapAuthenticator::serve_pending() {
  for (int n = 0; n < kMaxRequestsPerCall; ++n) {
    std::vector<std::string> frames;
    bool more = true;
    while (more) {
      zmq::message_t part;
      const auto flags = frames.empty() ? zmq::recv_flags::dontwait : zmq::recv_flags::none;
      if (!socket_.recv(part, flags)) return;  // nothing waiting
      more = part.more();
      if (frames.size() < kMaxZapFrames) frames.push_back(part.to_string());
    }
    const ZapVerdict v = zap_verdict(frames, keys_);
    ++(v.admitted ? admitted_ : refused_);
    // Reply: version, request id, status code, status text, user id, metadata.
    const std::string user_id = v.admitted ? (v.label.empty() ? v.key_z85 : v.label) : "";
    socket_.send(zmq::str_buffer("1.0"), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(v.request_id), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(v.status_code), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(v.reason), zmq::send_flags::sndmore);
    socket_.send(zmq::buffer(user_id), zmq::send_flags::sndmore);
    socket_.send(zmq::str_buffer(""), zmq::send_flags::none);
    if (observer_) observer_(v);
  }
}

}  // namespace stampede
