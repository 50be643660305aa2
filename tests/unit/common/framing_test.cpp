// Pins control-plane framing over real ZeroMQ sockets (inproc): round trip, and garbage dropped.
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/framing.hpp"
#include "common/order_batch.hpp"

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

TEST_CASE("an order batch whose packed orders disagree is refused as the frame arrives",
          "[common][framing]") {
  v1::Envelope good;
  good.set_protocol_version(v1::PROTOCOL_VERSION_CURRENT);
  auto* b = good.mutable_orders();
  b->set_job_id("j0");
  b->set_batch_seq(1);
  append_acknowledged(*b, 3, "o-3");
  append_acknowledged(*b, 4, "");
  append_acknowledged(*b, 5, "o-55");
  std::string bytes;
  good.SerializeToString(&bytes);
  v1::Envelope parsed;
  REQUIRE_FALSE(parse_envelope(bytes.data(), bytes.size(), parsed));
  std::vector<std::pair<uint64_t, std::string>> seen;
  for_each_acknowledged(parsed.orders(), [&](uint64_t seq, std::string_view id) {
    seen.emplace_back(seq, std::string(id));
  });
  CHECK(seen == std::vector<std::pair<uint64_t, std::string>>{{3, "o-3"}, {4, ""}, {5, "o-55"}});

  // Lengths that run past the ids, and a length missing: either would read out of the batch.
  v1::Envelope long_lengths = good;
  long_lengths.mutable_orders()->set_acked_id_lengths(2, 40);
  v1::Envelope missing_length = good;
  missing_length.mutable_orders()->mutable_acked_id_lengths()->RemoveLast();
  for (const auto* bad : {&long_lengths, &missing_length}) {
    bad->SerializeToString(&bytes);
    const auto problem = parse_envelope(bytes.data(), bytes.size(), parsed);
    REQUIRE(problem);
    CHECK(problem->find("order batch") != std::string::npos);
  }
}
