// The run journal: written whole and private, read back as written, and a damaged one set aside.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "coordinator/daemon/run_journal.hpp"

using namespace stampede;
using namespace stampede::coordinator;

namespace {
struct TempDir {
  TempDir() {
    char tmpl[] = "/tmp/stampede-journal.XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string path;
};
}  // namespace

TEST_CASE("a saved journal loads back as written, readable by its owner only",
          "[coordinator][journal]") {
  TempDir dir;
  RunJournal journal(dir.path);
  v1::RunJournal record;
  record.mutable_request()->set_run_id("r1");
  record.mutable_request()->set_admin_token("secret");
  record.set_phase(2);
  auto* s = record.add_shares();
  s->set_job_id("r1-safe-0");
  s->mutable_live()->set_attempts(77);
  std::string error;
  REQUIRE(journal.save(record, error));
  struct stat st {};
  REQUIRE(stat(journal.path().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  std::string problem;
  auto back = journal.load(problem);
  REQUIRE(back);
  CHECK(problem.empty());
  CHECK(back->SerializeAsString() == record.SerializeAsString());
  journal.clear();
  CHECK_FALSE(journal.load(problem));
}

TEST_CASE("a journal that does not parse is moved aside and said", "[coordinator][journal]") {
  TempDir dir;
  RunJournal journal(dir.path);
  std::ofstream(journal.path()) << "not a protobuf \xff\xff\xff";
  std::string problem;
  CHECK_FALSE(journal.load(problem));
  CHECK(problem.find("does not parse") != std::string::npos);
  CHECK(std::filesystem::exists(journal.path() + ".unreadable"));
  CHECK_FALSE(std::filesystem::exists(journal.path()));
}

TEST_CASE("without a folder the journal keeps nothing", "[coordinator][journal]") {
  RunJournal journal("");
  v1::RunJournal record;
  record.mutable_request()->set_run_id("r1");
  std::string error, problem;
  CHECK(journal.save(record, error));
  CHECK_FALSE(journal.load(problem));
}
