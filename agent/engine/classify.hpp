// How one checkout attempt's ending becomes ok / fail / info (design.md's integrity oracle).
// A pure function of what came back, so every rule is pinned by a unit test.
//
//   ClassifyRules rules{.sold_out_statuses = {409}, .order_id_field = "order_id"};
//   auto c = classify_response(201, R"({"order_id":"o-1"})", rules);  // ok, order id "o-1"
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/remaining.hpp"

namespace stampede::agent {

enum class Outcome { ok, fail, info };

struct ClassifyRules {
  std::vector<unsigned> sold_out_statuses{409};
  // Non-empty: a sold-out status counts as sold out only when the body contains one of these
  // (services that answer sold out with the 400 or 422 they use for other refusals too).
  std::vector<std::string> sold_out_match;
  std::vector<unsigned> success_statuses;   // empty: any 2xx is a success
  std::string order_id_field = "order_id";  // top-level field of a success body; empty: no ids
  std::string remaining_field;              // top-level field: the stock left; empty: none
};

struct Classified {
  Outcome outcome = Outcome::info;
  bool sold_out = false;             // fail because the target said sold out
  std::string order_id;              // set when ok and the rules read ids
  int64_t remaining = kNoRemaining;  // set when ok and the body said what was left
};

// ok: a success (2xx, or one of success_statuses) whose body carries a non-empty order id
// (string or number) under order_id_field, or any success when order_id_field is empty; a
// success without the id it should carry is info (something may have been bought, we cannot say
// what).
// fail: a sold-out status (whose body matches sold_out_match, when given), or any other 4xx.
// info: 5xx and anything else; the attempt may or may not have bought.
Classified classify_response(unsigned status, std::string_view body, const ClassifyRules& rules);
// The same into `out`, whose order_id keeps its capacity: a virtual user that reuses one
// Classified allocates nothing per response.
void classify_response(unsigned status, std::string_view body, const ClassifyRules& rules,
                       Classified& out);

// The transport ended the attempt. Refused before a byte was sent: fail. After: info.
enum class TransportFailure { connect_failed, timed_out_after_send, reset_after_send };
Classified classify_transport_failure(TransportFailure failure);

}  // namespace stampede::agent
