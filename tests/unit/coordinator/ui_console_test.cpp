// The web console's request handling without sockets: routes, JSON errors, the token and origin
// rules, the launch form, and what a finished run leaves behind (reports, verdict event).
#include <boost/json.hpp>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "coordinator/ui/console_api.hpp"
#include "coordinator/ui/launch_form.hpp"
#include "coordinator/ui/stock_watcher.hpp"
#include "coordinator/ui/web_console.hpp"

using namespace stampede;
using namespace stampede::coordinator::ui;
namespace json = boost::json;

namespace {

// Records what the api asked of the coordinator instead of sending it.
struct FakeCommands final : ConsoleCommands {
  std::vector<v1::RunRequest> launched;
  std::vector<std::string> aborted;
  void launch(const v1::RunRequest& r) override { launched.push_back(r); }
  void abort(const std::string& reason) override { aborted.push_back(reason); }
};

Request make_request(http::verb verb, std::string target, std::string body = "",
                     std::string host = "127.0.0.1:8090") {
  Request r{verb, target, 11};
  r.set(http::field::host, host);
  if (!body.empty()) {
    r.set(http::field::content_type, "application/json");
    r.body() = std::move(body);
    r.prepare_payload();
  }
  return r;
}

json::object body_json(const Response& res) {
  return json::parse(res.body()).as_object();
}

std::string error_of(const Response& res) {
  return std::string(body_json(res).at("error").as_string());
}

// A report with every key the renderers read, as the coordinator sends it.
std::string report_json(const std::string& run_id, int64_t oversold) {
  json::object e{
      {"endpoint", "buggy"},
      {"initial_stock", 100},
      {"final_stock", 3},
      {"attempts", 400},
      {"acknowledged", 100 + oversold},
      {"sold_out", 300 - oversold},
      {"errors", 0},
      {"indeterminate", 0},
      {"ledger_orders", 100 + oversold},
      {"oversold", oversold},
      {"lost_updates", oversold + 3},
      {"lost_acks", 0},
      {"phantoms", 0},
      {"duplicates", 0},
      {"recovered", 0},
      {"negative_stock", false},
      {"integrity", oversold > 0 ? "violated" : "ok"},
      {"checks_skipped", json::array{}},
      {"duration_s", 0.5},
      {"throughput_rps", 800.0},
      {"latency_ms",
       json::object{{"p50", 1.0}, {"p90", 2.0}, {"p99", 3.0}, {"p999", 4.0}, {"max", 5.0}}},
      {"status_codes", json::object{{"201", 100}}},
      {"timeline", json::array{}},
      {"problems", json::array{}}};
  json::object r{{"run_id", run_id},  {"scenario", "buggy"},     {"started_at", "now"},
                 {"duration_s", 0.5}, {"agents", json::array{}}, {"endpoints", json::array{e}}};
  return json::serialize(r);
}

struct Fixture {
  ConsoleState state;
  FakeCommands commands;
  ConsoleApi api;
  explicit Fixture(std::string token = "", LaunchDefaults defaults = {"http://127.0.0.1:1", "", ""})
      : api(std::move(token), std::move(defaults), state, commands) {}
  Response get(const std::string& target) {
    return api.handle(make_request(http::verb::get, target)).response;
  }
  Response post(const std::string& target, const std::string& body) {
    return api.handle(make_request(http::verb::post, target, body)).response;
  }
};

}  // namespace

TEST_CASE("the console serves its page and bundled assets, nothing fetched elsewhere",
          "[coordinator][ui]") {
  Fixture f;
  const Response page = f.get("/");
  CHECK(page.result() == http::status::ok);
  CHECK(page[http::field::content_type].starts_with("text/html"));
  CHECK(page.body().find("/assets/uPlot.iife.min.js") != std::string::npos);
  CHECK(page["Content-Security-Policy"].find("default-src 'self'") != std::string::npos);
  for (const char* asset : {"/assets/app.js", "/assets/app.css", "/assets/uPlot.iife.min.js",
                            "/assets/uPlot.min.css"}) {
    INFO(asset);
    const Response res = f.get(asset);
    CHECK(res.result() == http::status::ok);
    CHECK(res.body().size() > 100);
  }
  CHECK(f.get("/assets/uPlot.iife.min.js").body().find("uPlot") != std::string::npos);
  const Response missing = f.get("/assets/nope.js");
  CHECK(missing.result() == http::status::not_found);
  CHECK(error_of(missing) == "not_found");
}

TEST_CASE("unknown routes are 404 and wrong methods 405, each with a JSON error",
          "[coordinator][ui]") {
  Fixture f;
  const Response unknown = f.get("/api/nothing");
  CHECK(unknown.result() == http::status::not_found);
  CHECK(unknown[http::field::content_type] == "application/json");
  CHECK(error_of(unknown) == "not_found");

  const Response wrong = f.api.handle(make_request(http::verb::delete_, "/api/runs")).response;
  CHECK(wrong.result() == http::status::method_not_allowed);
  CHECK(wrong[http::field::allow] == "GET, POST");
  CHECK(error_of(wrong) == "method_not_allowed");
  CHECK(f.get("/api/abort").result() == http::status::method_not_allowed);
  CHECK(f.post("/api/events", "{}").result() == http::status::method_not_allowed);
  CHECK(f.get("/api/runs/nope/report.json").result() == http::status::not_found);
}

TEST_CASE("a launch form that does not parse or does not add up is a 400 saying why",
          "[coordinator][ui]") {
  Fixture f;
  auto refused = [&](const std::string& body, const std::string& code, const std::string& words) {
    INFO(body);
    const Response res = f.post("/api/runs", body);
    CHECK(res.result() == http::status::bad_request);
    CHECK(error_of(res) == code);
    CHECK(std::string(body_json(res).at("detail").as_string()).find(words) != std::string::npos);
  };
  refused("{", "malformed_json", "not valid JSON");
  refused("[1]", "malformed_json", "JSON object");
  refused(R"({"endpoint":"buggy"})", "invalid_form", "requests or a duration");
  refused(R"({"endpoint":"buggy","requests":10,"duration":"5s"})", "invalid_form", "not both");
  refused(R"({"endpoint":"buggy","requests":10,"colour":"red"})", "invalid_form", "colour");
  refused(R"({"endpoint":"buggy","requests":-1})", "invalid_form", "whole number");
  refused(R"({"endpoint":"buggy","requests":10,"users":"many"})", "invalid_form", "users");
  refused(R"({"endpoint":"Bad Label","requests":10})", "invalid_form", "endpoint");
  // No admin listener was configured, so no stock reset.
  refused(R"({"endpoint":"buggy","requests":10,"stock":100})", "invalid_form", "--ui-admin-url");
  refused(R"({"endpoint":"buggy","requests":10,"duration":"","target":"ftp://x"})", "invalid_form",
          "target");
  CHECK(f.commands.launched.empty());
}

TEST_CASE("a launch goes to the coordinator once, and a second while it runs is a 409",
          "[coordinator][ui]") {
  const auto dir = std::filesystem::temp_directory_path() / "stampede-ui-test-launch";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "admin-token") << "secret-admin\n";
  Fixture f("", {"http://127.0.0.1:8080", "http://127.0.0.1:8081", (dir / "admin-token").string()});
  const Response ok =
      f.post("/api/runs", R"({"endpoint":"buggy","strategy":"memory-mutex","stock":100,)"
                          R"("users":50,"requests":400,"expect_agents":2})");
  REQUIRE(ok.result() == http::status::accepted);
  const std::string run_id(body_json(ok).at("run_id").as_string());
  REQUIRE(f.commands.launched.size() == 1);
  const auto& r = f.commands.launched[0];
  CHECK(r.run_id() == run_id);
  CHECK(r.endpoints_size() == 1);
  CHECK(r.endpoints(0) == "buggy");
  CHECK(r.phases(0).stock() == 100);
  CHECK(r.phases(0).attempts() == 400);
  CHECK(r.admin_token() == "secret-admin");
  CHECK(r.expect_agents() == 2);
  CHECK(r.scenario() == "buggy (memory-mutex)");

  const Response busy = f.post("/api/runs", R"({"endpoint":"safe","requests":10})");
  CHECK(busy.result() == http::status::conflict);
  CHECK(error_of(busy) == "busy");
  CHECK(f.commands.launched.size() == 1);

  const auto runs = body_json(f.get("/api/runs")).at("runs").as_array();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].at("verdict").as_string() == "running");

  // Another target than the bundled one gets no reset: its admin token stays home.
  Fixture other("",
                {"http://127.0.0.1:8080", "http://127.0.0.1:8081", (dir / "admin-token").string()});
  const Response elsewhere = other.post(
      "/api/runs", R"({"endpoint":"buggy","requests":4,"stock":5,"target":"http://10.0.0.9:80"})");
  CHECK(elsewhere.result() == http::status::bad_request);
  std::filesystem::remove_all(dir);
}

TEST_CASE("with a token, every route wants it: bearer, cookie or ?token= on the page",
          "[coordinator][ui]") {
  const std::string token = "0123456789abcdef-token";
  Fixture f(token);
  const Response none = f.get("/api/state");
  CHECK(none.result() == http::status::unauthorized);
  CHECK(error_of(none) == "unauthorized");
  CHECK(none[http::field::www_authenticate] == "Bearer");
  CHECK(f.get("/").result() == http::status::unauthorized);
  CHECK(f.get("/assets/app.js").result() == http::status::unauthorized);

  const Response wrong = f.get("/api/state?token=0123456789abcdef-tokeX");
  CHECK(wrong.result() == http::status::forbidden);
  CHECK(error_of(wrong) == "forbidden");

  Request bearer = make_request(http::verb::get, "/api/state");
  bearer.set(http::field::authorization, "Bearer " + token);
  CHECK(f.api.handle(bearer).response.result() == http::status::ok);

  const Response page = f.get("/?token=" + token);
  CHECK(page.result() == http::status::ok);
  const std::string cookie(page[http::field::set_cookie]);
  CHECK(cookie.find("stampede_console=" + token) == 0);
  CHECK(cookie.find("HttpOnly") != std::string::npos);
  CHECK(cookie.find("SameSite=Strict") != std::string::npos);

  Request with_cookie = make_request(http::verb::get, "/api/runs");
  with_cookie.set(http::field::cookie, "other=1; stampede_console=" + token);
  CHECK(f.api.handle(with_cookie).response.result() == http::status::ok);

  // With a token, any Host is fine: the token is the credential.
  CHECK(f.api
            .handle([&] {
              Request r = make_request(http::verb::get, "/api/state", "", "console.lab:8090");
              r.set(http::field::authorization, "Bearer " + token);
              return r;
            }())
            .response.result() == http::status::ok);
}

TEST_CASE("tokens compare equal only in full", "[coordinator][ui]") {
  CHECK(token_equal("abcdef", "abcdef"));
  CHECK_FALSE(token_equal("abcdef", "abcdeX"));
  CHECK_FALSE(token_equal("abcdef", "abcde"));
  CHECK_FALSE(token_equal("abcdef", "abcdefg"));
  CHECK_FALSE(token_equal("abcdef", ""));
  CHECK_FALSE(token_equal("", ""));
}

TEST_CASE("without a token only a loopback Host is answered, and POSTs come from the page as JSON",
          "[coordinator][ui]") {
  Fixture f;
  const Response rebound =
      f.api.handle(make_request(http::verb::get, "/api/state", "", "evil.example:8090")).response;
  CHECK(rebound.result() == http::status::forbidden);
  CHECK(error_of(rebound) == "forbidden_host");
  for (const char* host : {"localhost:8090", "127.0.0.1:8090", "[::1]:8090", "127.0.0.2"}) {
    INFO(host);
    CHECK(f.api.handle(make_request(http::verb::get, "/api/state", "", host)).response.result() ==
          http::status::ok);
  }
  Request no_host{http::verb::get, "/", 11};
  CHECK(f.api.handle(no_host).response.result() == http::status::bad_request);

  Request form = make_request(http::verb::post, "/api/abort", "{}");
  form.set(http::field::content_type, "text/plain");
  const Response text = f.api.handle(form).response;
  CHECK(text.result() == http::status::unsupported_media_type);

  Request cross = make_request(http::verb::post, "/api/abort", "{}");
  cross.set(http::field::origin, "http://evil.example");
  CHECK(error_of(f.api.handle(cross).response) == "cross_origin");

  Request same = make_request(http::verb::post, "/api/abort", "{}");
  same.set(http::field::origin, "http://127.0.0.1:8090");
  CHECK(error_of(f.api.handle(same).response) == "no_run");  // past the checks
}

TEST_CASE("abort and reset say when there is nothing they can do", "[coordinator][ui]") {
  Fixture f;
  CHECK(error_of(f.post("/api/abort", "{}")) == "no_run");
  CHECK(f.commands.aborted.empty());
  CHECK(error_of(f.post("/api/reset", R"({"stock":100})")) == "no_admin");
  CHECK(error_of(f.post("/api/reset", R"({"stock":-4})")) == "invalid_form");

  REQUIRE(f.post("/api/runs", R"({"endpoint":"buggy","requests":10})").result() ==
          http::status::accepted);
  CHECK(f.post("/api/abort", "{}").result() == http::status::accepted);
  CHECK(f.commands.aborted.size() == 1);

  // A reset whose admin listener is not there comes back as a 502, from off the I/O thread.
  const auto dir = std::filesystem::temp_directory_path() / "stampede-ui-test-reset";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "admin-token") << "secret-admin\n";
  Fixture g("", {"http://127.0.0.1:1", "http://127.0.0.1:1", (dir / "admin-token").string()});
  ConsoleReply reply = g.api.handle(make_request(http::verb::post, "/api/reset", R"({"stock":7})"));
  REQUIRE(reply.deferred);
  const Response done = reply.deferred();
  CHECK(done.result() == http::status::bad_gateway);
  CHECK(error_of(done) == "reset_failed");
  std::filesystem::remove_all(dir);
}

TEST_CASE("a finished run keeps its verdict and reports, and its stream gets the verdict event",
          "[coordinator][ui]") {
  Fixture f;
  Request events_request = make_request(http::verb::get, "/api/events");
  const ConsoleReply stream = f.api.handle(events_request);
  CHECK(stream.event_stream);
  CHECK(stream.response[http::field::content_type] == "text/event-stream");
  EventCursor cursor = f.api.start_cursor(events_request);

  const Response launched = f.post("/api/runs", R"({"endpoint":"buggy","requests":400})");
  const std::string run_id(body_json(launched).at("run_id").as_string());
  const auto t0 = std::chrono::steady_clock::now();
  v1::RunUpdate u;
  u.set_endpoint("buggy");
  u.set_phase(1);
  u.set_phases(1);
  f.state.on_update(u, t0);
  u.mutable_counts()->set_attempts(300);
  u.mutable_counts()->set_ok(100);
  u.mutable_counts()->set_fail(150);
  u.mutable_counts()->set_info(50);
  // Two settled seconds of the phase come in one update (however late): one sample each, by
  // the second the attempts ended in.
  for (uint32_t second : {0u, 1u}) {
    auto* fig = u.add_seconds();
    fig->set_second(second);
    fig->set_attempts(150);
    fig->set_ok(50);
    fig->set_fail(75);
    fig->set_info(25);
    fig->set_p50_ms(1.5);
    fig->set_p99_ms(9.0);
  }
  f.state.on_update(u, t0 + std::chrono::seconds(2));
  const std::string live = f.api.events(cursor);
  CHECK(live.find("event: update") != std::string::npos);
  const auto data = live.find("data: ");
  const auto update = json::parse(live.substr(data + 6, live.find("\n\n") - data - 6));
  const auto& samples = update.at("samples").as_array();
  REQUIRE(samples.size() == 2);
  CHECK(samples[0].at("t_s").as_double() == Approx(1.0));
  CHECK(samples[1].at("t_s").as_double() == Approx(2.0));
  CHECK(samples[1].at("ok_rps").as_double() == Approx(50));
  CHECK(samples[1].at("fail_rps").as_double() == Approx(75));
  CHECK(samples[1].at("info_rps").as_double() == Approx(25));
  CHECK(samples[1].at("p99_ms").as_double() == Approx(9.0));
  CHECK(update.at("run").at("run_id").as_string() == run_id);
  CHECK(f.api.events(cursor).find("\"samples\":[]") != std::string::npos);  // nothing new

  v1::RunFinished fin;
  fin.set_report_json(report_json(run_id, 7));
  f.state.on_finished(fin);
  const std::string after = f.api.events(cursor);
  REQUIRE(after.find("event: verdict") != std::string::npos);
  CHECK(after.find("\"verdict\":\"violated\"") != std::string::npos);
  CHECK(f.api.events(cursor).find("event: verdict") == std::string::npos);  // sent once

  const Response report = f.get("/api/runs/" + run_id + "/report.json");
  REQUIRE(report.result() == http::status::ok);
  CHECK(body_json(report).at("endpoints").at(0).at("oversold").as_int64() == 7);
  const Response html = f.get("/api/runs/" + run_id + "/report.html");
  REQUIRE(html.result() == http::status::ok);
  CHECK(html.body().find("<html") != std::string::npos);
  CHECK(html.body().find("integrity violated") != std::string::npos);
  CHECK(html.body().find("Every expectation held") == std::string::npos);

  const auto runs = body_json(f.get("/api/runs")).at("runs").as_array();
  REQUIRE(runs.size() == 1);
  CHECK(runs[0].at("verdict").as_string() == "violated");
  CHECK(runs[0].at("violated").as_array().at(0).as_string() == "buggy");
  // The coordinator is free again for the next launch.
  CHECK(f.post("/api/runs", R"({"endpoint":"safe","requests":10})").result() ==
        http::status::accepted);
}

TEST_CASE("an aborted or refused run is recorded with the coordinator's words",
          "[coordinator][ui]") {
  Fixture f;
  f.post("/api/runs", R"({"endpoint":"safe","requests":10})");
  v1::RunFinished busy;
  busy.set_exit_code(3);
  busy.set_message("the coordinator is busy with run r1");
  f.state.on_finished(busy);
  f.post("/api/runs", R"({"endpoint":"safe","requests":10})");
  v1::RunFinished aborted;
  aborted.set_exit_code(3);
  aborted.set_message("run aborted: from the web console");
  f.state.on_finished(aborted);
  const auto runs = body_json(f.get("/api/runs")).at("runs").as_array();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].at("verdict").as_string() == "aborted");
  CHECK(runs[1].at("verdict").as_string() == "error");
  CHECK(runs[1].at("message").as_string() == "the coordinator is busy with run r1");
  const std::string id(runs[1].at("run_id").as_string());
  CHECK(error_of(f.get("/api/runs/" + id + "/report.json")) == "no_report");
}

TEST_CASE("another client's run blocks a launch and is charted from the status",
          "[coordinator][ui]") {
  Fixture f;
  v1::StatusReply status;
  status.set_run_active(true);
  status.set_run_id("r-cli");
  status.mutable_progress()->set_endpoint("safe");
  f.state.on_status(status, std::chrono::steady_clock::now());
  const Response busy = f.post("/api/runs", R"({"endpoint":"safe","requests":10})");
  CHECK(busy.result() == http::status::conflict);
  CHECK(body_json(busy).at("detail").as_string().find("r-cli") != json::string::npos);
  CHECK(body_json(f.get("/api/state")).at("run").at("own").as_bool() == false);
  status.set_run_active(false);
  f.state.on_status(status, std::chrono::steady_clock::now());
  CHECK(body_json(f.get("/api/state")).at("run").is_null());
}

TEST_CASE("past runs are bounded, newest first", "[coordinator][ui]") {
  ConsoleState state(2);
  for (int i = 0; i < 3; ++i) {
    v1::RunRequest r;
    r.set_run_id("run-" + std::to_string(i));
    r.add_endpoints("safe");
    REQUIRE(state.begin_run(r, "safe", "http://t"));
    v1::RunFinished fin;
    fin.set_exit_code(3);
    fin.set_message("x");
    state.on_finished(fin);
  }
  const auto runs = state.runs();
  REQUIRE(runs.size() == 2);
  CHECK(runs[0].at("run_id").as_string() == "run-2");
  CHECK(runs[1].at("run_id").as_string() == "run-1");
}

TEST_CASE("the console refuses a network bind without a token, like the control plane",
          "[coordinator][ui]") {
  const auto dir = std::filesystem::temp_directory_path() / "stampede-ui-test-flags";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "token") << "a-long-enough-console-token\n";
  std::ofstream(dir / "short") << "short\n";

  ConsoleFlags off;
  CHECK_FALSE(console_options(off)->enabled);
  ConsoleFlags stray;
  stray.target = "http://127.0.0.1:8080";
  CHECK_FALSE(console_options(stray));

  ConsoleFlags loopback;
  loopback.bind = "127.0.0.1:0";
  REQUIRE(console_options(loopback));
  CHECK(console_options(loopback)->token.empty());

  ConsoleFlags open;
  open.bind = "0.0.0.0:8090";
  auto refused = console_options(open);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().find("--ui-token-file") != std::string::npos);

  open.token_file = (dir / "token").string();
  REQUIRE(console_options(open));
  CHECK(console_options(open)->token == "a-long-enough-console-token");
  open.token_file = (dir / "short").string();
  CHECK_FALSE(console_options(open));

  ConsoleFlags half;
  half.bind = "127.0.0.1:0";
  half.target = "http://127.0.0.1:8080";
  half.admin_url = "http://127.0.0.1:8081";
  CHECK_FALSE(console_options(half));  // the admin URL without its token file

  ConsoleFlags name;
  name.bind = "localhost:8090";
  CHECK_FALSE(console_options(name));  // an address, not a name

  CHECK(connectable_endpoint("tcp://0.0.0.0:5556") == "tcp://127.0.0.1:5556");
  CHECK(connectable_endpoint("tcp://127.0.0.1:5556") == "tcp://127.0.0.1:5556");
  std::filesystem::remove_all(dir);
}

TEST_CASE("the stock is read from the product route's field", "[coordinator][ui]") {
  CHECK(*stock_from_body(R"({"product_id":1,"stock":42})", "stock") == 42);
  CHECK(*stock_from_body(R"({"stock":-3})", "stock") == -3);
  CHECK_FALSE(stock_from_body(R"({"stock":"many"})", "stock"));
  CHECK_FALSE(stock_from_body("not json", "stock"));
}
