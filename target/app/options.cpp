// Flag parsing and validation for stampede-target; every mistake is one line and exit code 2.
#include "target/app/options.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/address.hpp>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <ostream>
#include <sstream>
#include <thread>

#include "common/cli_env.hpp"
#include "common/duration.hpp"
#include "common/http_server/tls_context.hpp"
#include "common/token_file.hpp"
#include "target/admin/admin_router.hpp"

namespace stampede::target {
namespace {

struct RawFlags {
  std::string listen = "127.0.0.1:8080";
  std::string admin_listen = "127.0.0.1:8081";
  std::string admin_token_file;
  std::string store = "memory";
  std::string ledger_store;
  std::string strategy;  // "": the store's default
  int64_t lock_ttl_ms = 1000;
  int64_t store_connections = 8;
  int64_t stock = 100;
  int64_t race_window_ms = 2;
  double fault_rate = 0.05;
  int64_t threads = 0;
  std::string idempotency_retention = "24h";
  std::string tls_cert, tls_key;
  int64_t per_user_limit = 0;
  std::string hold_ttl = "10m";
};

Expected<HostPort> parse_listen(const std::string& flag, const std::string& value) {
  auto hp = HostPort::parse(value);
  if (!hp) return unexpected(flag + ": " + hp.error());
  boost::system::error_code ec;
  boost::asio::ip::make_address(hp->host, ec);
  if (ec) return unexpected(flag + ": '" + hp->host + "' is not an IP address");
  return *hp;
}

Expected<TargetOptions> validate(const RawFlags& raw) {
  TargetOptions o;
  if (raw.lock_ttl_ms < 1 || raw.lock_ttl_ms > 60'000) {
    return unexpected("--lock-ttl-ms: want 1 to 60000");
  }
  if (raw.store_connections < 1 || raw.store_connections > 256) {
    return unexpected("--store-connections: want 1 to 256");
  }
  const StoreTuning tuning{std::chrono::milliseconds(raw.lock_ttl_ms),
                           static_cast<unsigned>(raw.store_connections)};
  auto store = choose_store(raw.store, raw.ledger_store, raw.strategy, tuning);
  if (!store) return unexpected(store.error());
  o.store = *store;
  o.strategy = store->memory;
  auto listen = parse_listen("--listen", raw.listen);
  if (!listen) return unexpected(listen.error());
  o.listen = *listen;
  auto admin = parse_listen("--admin-listen", raw.admin_listen);
  if (!admin) return unexpected(admin.error());
  o.admin_listen = *admin;
  if (raw.stock < 0 || raw.stock > kMaxStock) return unexpected("--stock: want 0 to 10^12");
  o.stock = raw.stock;
  if (raw.race_window_ms < 0 || raw.race_window_ms > 60'000) {
    return unexpected("--race-window-ms: want 0 to 60000");
  }
  o.race_window = std::chrono::milliseconds(raw.race_window_ms);
  if (!(raw.fault_rate >= 0.0 && raw.fault_rate <= 1.0)) {
    return unexpected("--fault-rate: want a probability from 0 to 1");
  }
  o.fault_rate = raw.fault_rate;
  if (raw.per_user_limit < 0 || raw.per_user_limit > 1'000'000) {
    return unexpected("--per-user-limit: want 0 (none) to 1000000");
  }
  if (raw.per_user_limit > 0 && !enforces_limits(*store)) {
    return unexpected(
        "--per-user-limit: redis-lock and write-behind keep no per-user counts; use memory, "
        "redis-lua or postgresql");
  }
  o.per_user_limit = static_cast<uint32_t>(raw.per_user_limit);
  auto hold_ttl = parse_duration_ms(raw.hold_ttl);
  if (!hold_ttl) return unexpected("--hold-ttl: " + hold_ttl.error());
  if (*hold_ttl < 1 || *hold_ttl > 24LL * 3600 * 1000) {
    return unexpected("--hold-ttl: want 1ms to 24h");
  }
  o.hold_ttl = std::chrono::milliseconds(*hold_ttl);
  auto retention = parse_duration_ms(raw.idempotency_retention);
  if (!retention) return unexpected("--idempotency-retention: " + retention.error());
  o.idempotency_retention = std::chrono::milliseconds(*retention);
  if (raw.threads < 0 || raw.threads > 1024) return unexpected("--threads: want 1 to 1024");
  o.threads = raw.threads > 0 ? static_cast<unsigned>(raw.threads)
                              : std::max(1u, std::thread::hardware_concurrency());
  if (raw.tls_cert.empty() != raw.tls_key.empty()) {
    return unexpected("--tls-cert and --tls-key go together");
  }
  if (!raw.tls_cert.empty()) {
    auto tls = http_server::server_tls_context(raw.tls_cert, raw.tls_key);
    if (!tls) return unexpected(tls.error());
    o.tls = *tls;
  }
  if (!raw.admin_token_file.empty()) {
    auto token = read_token_file(raw.admin_token_file);
    if (!token) return unexpected("--admin-token-file: " + token.error());
    o.admin_token = *token;
  } else if (const char* env = std::getenv("STAMPEDE_ADMIN_TOKEN"); env != nullptr) {
    o.admin_token = env;
  }
  return o;
}

}  // namespace

ParsedOptions parse_target_options(int argc, const char* const* argv, std::ostream& out,
                                   std::ostream& err) {
  RawFlags raw;
  CLI::App app{"stampede-target: the flash-sale lab (buggy, unstable and safe checkouts)"};
  app.add_option("--listen", raw.listen, "public API address IP:PORT (port 0: any free port)")
      ->capture_default_str();
  app.add_option("--admin-listen", raw.admin_listen, "admin API address IP:PORT")
      ->capture_default_str();
  app.add_option("--admin-token-file", raw.admin_token_file,
                 "file holding the admin bearer token (or set STAMPEDE_ADMIN_TOKEN)");
  app.add_option("--store", raw.store, "memory | redis://HOST:PORT | postgresql://...")
      ->capture_default_str();
  app.add_option("--ledger-store", raw.ledger_store,
                 "postgresql://... ledger for redis-lua-writebehind");
  app.add_option("--strategy", raw.strategy,
                 "safe path strategy: memory-atomic|memory-mutex (memory), redis-lua|redis-lock "
                 "(redis), postgres-row-lock|postgres-conditional (postgresql), "
                 "redis-lua-writebehind (redis + ledger store); default: the store's first");
  app.add_option("--lock-ttl-ms", raw.lock_ttl_ms, "redis-lock: the lock's time to live")
      ->capture_default_str();
  app.add_option("--store-connections", raw.store_connections,
                 "network stores: blocking connections, one store thread each (redis-lua purchases "
                 "use each I/O loop's own pipelined connection)")
      ->capture_default_str();
  app.add_option("--stock", raw.stock, "initial stock of product 1")->capture_default_str();
  app.add_option("--race-window-ms", raw.race_window_ms,
                 "buggy endpoint's wait between reading and writing the stock")
      ->capture_default_str();
  app.add_option("--fault-rate", raw.fault_rate, "unstable endpoint's fault probability")
      ->capture_default_str();
  app.add_option("--per-user-limit", raw.per_user_limit,
                 "units a user may hold or buy per product on safe and unstable (buggy checks "
                 "racily); 0: no limit")
      ->capture_default_str();
  app.add_option("--hold-ttl", raw.hold_ttl,
                 "how long a reservation holds its stock before it goes back (e.g. 2s, 10m)")
      ->capture_default_str();
  app.add_option("--threads", raw.threads, "I/O threads (default: hardware cores)");
  app.add_option("--idempotency-retention", raw.idempotency_retention,
                 "how long a finished Idempotency-Key's answer is kept for replays (up to 24h)")
      ->capture_default_str();
  app.add_option("--tls-cert", raw.tls_cert,
                 "PEM certificate chain: serve the public routes over HTTPS (with --tls-key)");
  app.add_option("--tls-key", raw.tls_key, "PEM private key of --tls-cert");
  bind_env_names(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) {
      out << app.help();
      return ParsedOptions{std::nullopt, 0};
    }
    err << "stampede-target: " << e.what() << " (see --help)\n";
    return ParsedOptions{std::nullopt, 2};
  }
  auto options = validate(raw);
  if (!options) {
    err << "stampede-target: " << options.error() << "\n";
    return ParsedOptions{std::nullopt, 2};
  }
  return ParsedOptions{std::move(*options), 0};
}

}  // namespace stampede::target
