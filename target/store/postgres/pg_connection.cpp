// PgConnection: a broken connection is dropped and the next statement reconnects, so a restarted
// PostgreSQL costs the calls in flight, not the store.
#include "target/store/postgres/pg_connection.hpp"

#include <charconv>

namespace stampede::target {

bool PgResult::ok() const {
  if (!result_) return false;
  const auto status = PQresultStatus(result_.get());
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

std::string PgResult::sqlstate() const {
  if (!result_) return {};
  const char* state = PQresultErrorField(result_.get(), PG_DIAG_SQLSTATE);
  return state ? state : "";
}

std::string PgResult::message() const {
  if (!result_) return "no result";
  return PQresultErrorMessage(result_.get());
}

std::string_view PgResult::text(int row, int col) const {
  return {PQgetvalue(result_.get(), row, col),
          static_cast<size_t>(PQgetlength(result_.get(), row, col))};
}

int64_t PgResult::integer(int row, int col) const {
  const std::string_view t = text(row, col);
  int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

bool is_retryable(const PgResult& r) {
  const std::string state = r.sqlstate();
  return state == "40001" || state == "40P01";  // serialization failure, deadlock
}

PgConnection::PgConnection(std::string conninfo) : conninfo_(std::move(conninfo)) {}

bool PgConnection::connect() {
  if (conn_ && PQstatus(conn_.get()) == CONNECTION_OK) return true;
  // The URL's own settings win; these only bound how long a dead server can hold a thread.
  const char* keys[] = {"dbname",
                        "connect_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        nullptr};
  const char* values[] = {conninfo_.c_str(), "3", "5", "2", "2", "5000", nullptr};
  prepared_.clear();  // prepared statements die with their connection
  conn_.reset(PQconnectdbParams(keys, values, /*expand_dbname=*/1));
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    last_error_ = conn_ ? PQerrorMessage(conn_.get()) : "out of memory";
    while (!last_error_.empty() && (last_error_.back() == '\n' || last_error_.back() == ' ')) {
      last_error_.pop_back();
    }
    for (char& ch : last_error_) ch = (ch == '\n' || ch == '\t') ? ' ' : ch;  // one line
    conn_.reset();
    return false;
  }
  // A stuck statement (a lock held by a dead client) becomes a store error, not a stuck thread.
  PQclear(PQexec(conn_.get(), "SET statement_timeout = 5000"));
  PQsetNoticeProcessor(
      conn_.get(), [](void*, const char*) {}, nullptr);  // no NOTICE spam
  return true;
}

Expected<bool> PgConnection::check() {
  if (!connect()) return unexpected("cannot reach postgresql: " + last_error_);
  return true;
}

std::string PgConnection::prepared_name(const std::string& sql, size_t params, PgResult* failure) {
  if (auto it = prepared_.find(sql); it != prepared_.end()) return it->second;
  std::string name = "stampede_" + std::to_string(prepared_.size() + 1);
  PgResult r(PQprepare(conn_.get(), name.c_str(), sql.c_str(), static_cast<int>(params), nullptr));
  if (!r.ok()) {
    *failure = std::move(r);
    return {};
  }
  prepared_.emplace(sql, name);
  return name;
}

PgResult PgConnection::exec(std::string_view sql, const std::vector<std::string>& params) {
  if (!connect()) return PgResult{};
  const std::string statement(sql);
  PgResult r;
  if (params.empty()) {
    r = PgResult(PQexec(conn_.get(), statement.c_str()));
  } else {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p.c_str());
    if (const std::string name = prepared_name(statement, params.size(), &r); !name.empty()) {
      r = PgResult(PQexecPrepared(conn_.get(), name.c_str(), static_cast<int>(values.size()),
                                  values.data(), nullptr, nullptr, 0));
    }
  }
  if (PQstatus(conn_.get()) != CONNECTION_OK) {
    last_error_ = PQerrorMessage(conn_.get());
    conn_.reset();
  }
  return r;
}

}  // namespace stampede::target
