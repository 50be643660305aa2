// Pins control-plane framing over real ZeroMQ sockets (inproc): round trip, and garbage dropped.
#include <catch2/catch.hpp>
#include <chrono>

#include "common/framing.hpp"

using namespace stampede;

namespace {
Incoming receive_within(zmq::socket_t& s, bool router) {
  zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
  zmq::poll(&item, 1, std::chrono::milliseconds(2000));
  return receive_envelope(s, router);
}
}  // namespace

TEST_CASE("an envelope crosses DEALER to ROUTER and back intact", "[common][framing]") {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  router.bind("inproc://framing-roundtrip");
  dealer.connect("inproc://framing-roundtrip");
  v1::Envelope env;
  env.mutable_register_()->set_name("a1");
  REQUIRE(send_envelope(dealer, env));
  auto in = receive_within(router, true);
  REQUIRE(in.status == RecvStatus::ok);
  CHECK(in.envelope.register_().name() == "a1");
  v1::Envelope reply;
  reply.mutable_registered()->set_agent_id("a1");
  REQUIRE(send_envelope(router, reply, &in.routing_id));
  auto back = receive_within(dealer, false);
  REQUIRE(back.status == RecvStatus::ok);
  CHECK(back.envelope.registered().agent_id() == "a1");
}

TEST_CASE("garbage frames and extra parts are reported malformed, not thrown",
          "[common][framing]") {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  router.bind("inproc://framing-garbage");
  dealer.connect("inproc://framing-garbage");
  dealer.send(zmq::str_buffer("\xff\xff\xff not protobuf"), zmq::send_flags::none);
  auto bad = receive_within(router, true);
  CHECK(bad.status == RecvStatus::malformed);
  dealer.send(zmq::str_buffer("a"), zmq::send_flags::sndmore);
  dealer.send(zmq::str_buffer("b"), zmq::send_flags::sndmore);
  dealer.send(zmq::str_buffer("c"), zmq::send_flags::none);
  auto extra = receive_within(router, true);
  CHECK(extra.status == RecvStatus::malformed);
  // The socket still works after garbage.
  v1::Envelope env;
  env.mutable_heartbeat()->set_sent_unix_ns(5);
  REQUIRE(send_envelope(dealer, env));
  auto ok = receive_within(router, true);
  REQUIRE(ok.status == RecvStatus::ok);
  CHECK(ok.envelope.heartbeat().sent_unix_ns() == 5);
}

TEST_CASE("a frame from another protocol version is refused", "[common][framing]") {
  zmq::context_t ctx;
  zmq::socket_t router(ctx, zmq::socket_type::router);
  zmq::socket_t dealer(ctx, zmq::socket_type::dealer);
  router.bind("inproc://framing-version");
  dealer.connect("inproc://framing-version");
  v1::Envelope env;
  env.set_protocol_version(99);
  env.mutable_heartbeat();
  std::string bytes;
  env.SerializeToString(&bytes);
  dealer.send(zmq::buffer(bytes), zmq::send_flags::none);
  auto in = receive_within(router, true);
  CHECK(in.status == RecvStatus::malformed);
  CHECK(in.problem.find("version") != std::string::npos);
}
