// A scenario's `flow:`: read from YAML into steps, each mistake refused with the step it is in.
#include <catch2/catch.hpp>

#include "coordinator/scenario/scenario_file.hpp"
#include "coordinator/spec/flow_spec.hpp"
#include "coordinator/spec/run_request.hpp"

using namespace stampede::coordinator;

namespace {

constexpr const char* kJourney = R"(
target: http://127.0.0.1:9
stock_url: http://127.0.0.1:9/api/v1/products/1
requests: 10
flow:
  - name: reserve
    path: /api/v1/reservations/${endpoint}
    headers: {Authorization: "Bearer ${user_id}"}
    body: '{"user_id": "${user_id}"}'
    capture: {hold: reservation_id}
    accept: [201]
    think: 50ms
    takes_stock: true
  - name: confirm
    path: /api/v1/reservations/${endpoint}/${hold}/confirm
)";

std::string flow_problem(const std::string& json) {
  auto steps = parse_flow(json);
  REQUIRE_FALSE(steps);
  return steps.error();
}

}  // namespace

TEST_CASE("a scenario's flow becomes each phase's steps, the last the purchase",
          "[coordinator][flow]") {
  auto input = parse_scenario(kJourney, "j.yaml");
  REQUIRE(input);
  auto settings = resolve(*input);
  REQUIRE(settings);
  auto r = build_run_request(*settings);
  REQUIRE(r);
  REQUIRE(r->phases_size() == 3);  // the lab's three endpoints, each with the journey
  const auto& flow = r->phases(0).flow();
  REQUIRE(flow.size() == 2);
  CHECK(flow[0].name() == "reserve");
  CHECK(flow[0].method() == "POST");
  CHECK(flow[0].accept_statuses_size() == 1);
  CHECK(flow[0].think_ms() == 50);
  CHECK(flow[0].takes_stock());
  CHECK_FALSE(flow[0].purchase());
  REQUIRE(flow[0].captures_size() == 1);
  CHECK(flow[0].captures(0).name() == "hold");
  CHECK(flow[0].captures(0).field() == "reservation_id");
  CHECK(flow[1].purchase());
  // The bundled lab: every step sends a key, the Authorization header stays the step's own.
  CHECK(flow[1].headers_size() == 1);
  CHECK(flow[1].headers(0).value() == "${key}");
  CHECK(flow[0].headers_size() == 2);
  // A journey's confirm answer is no counter of sales: the remaining field is not read.
  CHECK(r->request().remaining_field().empty());
}

TEST_CASE("a malformed flow is refused naming the step", "[coordinator][flow]") {
  CHECK(flow_problem("{}") == "flow must be a list of steps");
  CHECK(flow_problem("[]") == "flow must have 1 to 16 steps");
  CHECK(flow_problem(R"([{"path":"/x"}])") == "flow[0] needs a name");
  CHECK(flow_problem(R"([{"name":"a"}])") == "flow[0] (a) needs a path");
  CHECK(flow_problem(R"([{"name":"a","path":"/x","verb":"GET"}])")
            .starts_with("flow[0]: unknown key 'verb'"));
  CHECK(flow_problem(R"([{"name":"a b","path":"/x"}])")
            .starts_with("flow[0].name: want 1 to 64 of letters"));
  CHECK(flow_problem(R"([{"name":"a","path":"x"}])").starts_with("flow[0].path: want a path"));
  CHECK(flow_problem(R"([{"name":"a","path":"/x","method":"get"}])")
            .starts_with("flow[0].method: want an upper-case HTTP method"));
  CHECK(flow_problem(R"([{"name":"a","path":"/x","accept":["200","9"]}])") ==
        "flow[0].accept: want statuses from 100 to 599, not '9'");
  CHECK(flow_problem(R"([{"name":"a","path":"/x","purchase":"yes"}])") ==
        "flow[0].purchase must be true or false");
  CHECK(flow_problem(R"([{"name":"a","path":"/x"},{"name":"a","path":"/y"}])") ==
        "flow[1] (a): a step of that name is there");
  CHECK(flow_problem(
            R"([{"name":"a","path":"/x","capture":{"key":"id"}},{"name":"b","path":"/y"}])") ==
        "flow[0] (a): capture 'key' is already a placeholder");
  CHECK(flow_problem(R"([{"name":"a","path":"/x","purchase":"true"},{"name":"b","path":"/y"}])") ==
        "flow: the purchase step must be the last, not a");
  CHECK(
      flow_problem(
          R"([{"name":"a","path":"/x","purchase":"true"},{"name":"b","path":"/y","purchase":"true"}])") ==
      "flow: only one step may be the purchase");
}

TEST_CASE("a step may only use what the steps before it captured", "[coordinator][flow]") {
  std::string text = kJourney;
  text.replace(text.find("${hold}"), 7, "${held}");
  auto input = parse_scenario(text, "j.yaml");
  REQUIRE(input);
  auto settings = resolve(*input);
  REQUIRE(settings);
  auto r = build_run_request(*settings);
  REQUIRE_FALSE(r);
  CHECK(r.error() ==
        "phase buggy, step confirm path: nothing fills ${held} (known here: user_id, key, "
        "endpoint, hold; --data adds its columns)");
}
