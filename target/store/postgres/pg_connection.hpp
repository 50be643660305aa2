// One blocking libpq connection that reconnects by itself, and a result type that says whether a
// statement succeeded and with which SQLSTATE it failed. Used by one store thread at a time.
//
//   PgConnection pg("postgresql://127.0.0.1:5432/stampede");
//   PgResult r = pg.exec("SELECT stock FROM products WHERE id = $1", {"1"});
//   if (!r.ok()) ...store error (r.sqlstate() says which)...
//
// Not thread-safe. Errors are values: exec never throws.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/expected.hpp"

namespace stampede::target {

class PgResult {
 public:
  PgResult() = default;
  explicit PgResult(PGresult* r) : result_(r, &PQclear) {}

  // The statement ran (a command, or a query with its rows).
  bool ok() const;
  // "40001", "40P01", "23505", ...; empty when there is no result at all (no connection).
  std::string sqlstate() const;
  std::string message() const;
  int rows() const { return result_ ? PQntuples(result_.get()) : 0; }
  bool is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  std::string_view text(int row, int col) const;
  int64_t integer(int row, int col) const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_{nullptr, &PQclear};
};

// SQLSTATEs after which the whole transaction is simply run again.
bool is_retryable(const PgResult& r);

class PgConnection {
 public:
  explicit PgConnection(std::string conninfo);
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Connects now: start-up uses it to fail fast on a down or misconfigured server.
  Expected<bool> check();

  // A statement with parameters is prepared on its first use on each connection and executed
  // by name after that: the safe path's statements are parsed and planned once, not per call.
  // Each distinct text stays prepared for the connection's life, so pass fixed texts (values go
  // in params), never text built from data.
  PgResult exec(std::string_view sql, const std::vector<std::string>& params = {});
  // Rolls back whatever transaction is open; harmless when none is.
  void rollback() { exec("ROLLBACK"); }

  const std::string& last_error() const { return last_error_; }

 private:
  bool connect();

  // The prepared statement's name for sql, preparing it now if this connection has not; empty
  // with *failure set when PostgreSQL refused it.
  std::string prepared_name(const std::string& sql, size_t params, PgResult* failure);

  const std::string conninfo_;
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn_{nullptr, &PQfinish};
  std::unordered_map<std::string, std::string> prepared_;  // SQL text -> name, this connection
  std::string last_error_;
};

}  // namespace stampede::target
