// Reading and writing the coordinator's run journal (one protobuf record in one file).
#include "coordinator/daemon/run_journal.hpp"

#include <cstdio>
#include <fstream>
#include <sstream>

#include "common/atomic_file.hpp"

namespace stampede::coordinator {

RunJournal::RunJournal(std::string dir) : dir_(std::move(dir)) {}

std::string RunJournal::path() const {
  return dir_ + "/run-in-flight.pb";
}

bool RunJournal::save(const v1::RunJournal& record, std::string& error) {
  if (!enabled()) return true;
  std::string bytes;
  if (!record.SerializeToString(&bytes)) {
    error = "could not serialize the run journal";
    return false;
  }
  // Owner only: the record holds the target's admin token.
  return write_file_atomically(path(), bytes, 0600, error);
}

std::optional<v1::RunJournal> RunJournal::load(std::string& problem) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(path(), std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream bytes;
  bytes << in.rdbuf();
  v1::RunJournal record;
  if (!record.ParseFromString(bytes.str()) || record.request().run_id().empty()) {
    const std::string aside = path() + ".unreadable";
    std::rename(path().c_str(), aside.c_str());
    problem = "the run journal " + path() + " does not parse; moved it to " + aside;
    return std::nullopt;
  }
  return record;
}

void RunJournal::clear() {
  if (enabled()) std::remove(path().c_str());
}

}  // namespace stampede::coordinator
