// Admin routes: the bearer gate, reset and fault settings.
#include <catch2/catch.hpp>

#include "target/admin/bearer_auth.hpp"
#include "target_test_support.hpp"

using namespace stampede::target;
using namespace stampede::target::testing;

namespace {

Request admin_post(std::string target, std::string body, std::string authorization) {
  if (authorization.empty())
    return make_request(http::verb::post, std::move(target), std::move(body), {});
  return make_request(http::verb::post, std::move(target), std::move(body),
                      {{"Authorization", authorization}});
}

}  // namespace

TEST_CASE("admin routes answer 401 without a bearer token, 403 with a wrong one, 200 with ours",
          "[target]") {
  RouterHarness h(10);
  const std::string body = R"({"product_id":1,"stock":7})";
  Reply none = h.admin_call(admin_post("/admin/reset", body, ""));
  CHECK(none.message.result() == http::status::unauthorized);
  CHECK(none.message.body().find("\"error\":\"unauthorized\"") != std::string::npos);
  CHECK(h.admin_call(admin_post("/admin/reset", body, "Basic c2VjcmV0")).message.result() ==
        http::status::unauthorized);
  Reply wrong = h.admin_call(admin_post("/admin/reset", body, "Bearer secreT"));
  CHECK(wrong.message.result() == http::status::forbidden);
  CHECK(wrong.message.body().find("\"error\":\"forbidden\"") != std::string::npos);
  CHECK(h.admin_call(admin_post("/admin/reset", body, "Bearer secret-and-more")).message.result() ==
        http::status::forbidden);
  Reply ok = h.admin_call(admin_post("/admin/reset", body, "bearer secret"));
  CHECK(ok.message.result() == http::status::ok);
  CHECK(ok.message.body() == R"({"product_id":1,"initial_stock":7,"stock":7,"orders":0})");
}

TEST_CASE("without a configured token every admin route is 403 admin_disabled", "[target]") {
  RouterHarness h(10, std::chrono::milliseconds(0), "");
  for (const char* target : {"/admin/reset", "/admin/faults", "/admin/nope"}) {
    Reply r = h.admin_call(admin_post(target, "{}", "Bearer "));
    CHECK(r.message.result() == http::status::forbidden);
    CHECK(r.message.body().find("\"error\":\"admin_disabled\"") != std::string::npos);
  }
}

TEST_CASE("constant_time_equal matches only the exact token", "[target]") {
  CHECK(constant_time_equal("secret", "secret"));
  CHECK_FALSE(constant_time_equal("secret", "secre"));
  CHECK_FALSE(constant_time_equal("secret", "secretsecret"));
  CHECK_FALSE(constant_time_equal("secret", ""));
  CHECK_FALSE(constant_time_equal("", ""));
}

TEST_CASE("admin reset creates a product and rejects bad values with 422", "[target]") {
  RouterHarness h(10);
  const std::string auth = "Bearer secret";
  CHECK(h.admin_call(admin_post("/admin/reset", R"({"product_id":5,"stock":3})", auth))
            .message.result() == http::status::ok);
  CHECK(h.call(make_request(http::verb::get, "/api/v1/products/5")).message.body() ==
        R"({"product_id":5,"initial_stock":3,"stock":3,"orders":0,"held":0,)"
        R"("holds":{"placed":0,"confirmed":0,"expired":0,"open":0}})");
  for (const char* body : {R"({"product_id":0,"stock":3})", R"({"product_id":1,"stock":-1})",
                           R"({"product_id":1})", R"({"product_id":1,"stock":"3"})", "[]"}) {
    INFO(body);
    CHECK(h.admin_call(admin_post("/admin/reset", body, auth)).message.result() ==
          http::status::unprocessable_entity);
  }
  CHECK(h.admin_call(admin_post("/admin/reset", "{", auth)).message.result() ==
        http::status::bad_request);
  CHECK(h.admin_call(make_request(http::verb::get, "/admin/reset", "", {{"Authorization", auth}}))
            .message.result() == http::status::method_not_allowed);
}

TEST_CASE("admin faults updates the given settings and answers them; invalid is 422", "[target]") {
  RouterHarness h;
  const std::string auth = "Bearer secret";
  Reply r = h.admin_call(admin_post(
      "/admin/faults", R"({"rate":1,"kinds":["reset_after_commit","delay"],"delay_ms":5})", auth));
  CHECK(r.message.result() == http::status::ok);
  CHECK(r.message.body() == R"({"rate":1,"kinds":["reset_after_commit","delay"],"delay_ms":5})");
  const FaultSettings s = h.faults.settings();
  CHECK(s.rate == 1.0);
  CHECK(s.kinds == std::vector<FaultKind>{FaultKind::reset_after_commit, FaultKind::delay});
  CHECK(s.delay == std::chrono::milliseconds(5));

  for (const char* body :
       {R"({"rate":1.5})", R"({"rate":"0.5"})", R"({"kinds":[]})", R"({"kinds":["meteor"]})",
        R"({"kinds":"delay"})", R"({"delay_ms":-1})", R"({"delay_ms":60001})"}) {
    INFO(body);
    CHECK(h.admin_call(admin_post("/admin/faults", body, auth)).message.result() ==
          http::status::unprocessable_entity);
  }
  CHECK(h.faults.settings().kinds.size() == 2);  // refused updates changed nothing
}
