// The run in flight, on disk in the coordinator's --state-dir, so that a coordinator killed
// mid-run and started again finishes the run instead of forgetting it (see RunSession).
//
//   RunJournal journal(dir);                    // "" disables it: nothing saved or found
//   journal.save(record);                       // whole or not at all (temp name, rename)
//   if (auto r = journal.load(problem)) take_over(*r);
//   journal.clear();                            // the run ended
//
// Not thread-safe: used from the coordinator's loop thread only.
#pragma once

#include <optional>
#include <string>

#include "stampede.pb.h"

namespace stampede::coordinator {

class RunJournal {
 public:
  explicit RunJournal(std::string dir);

  bool enabled() const { return !dir_.empty(); }
  std::string path() const;
  // False with a reason when the record could not be written; the run goes on without it.
  bool save(const v1::RunJournal& record, std::string& error);
  // The record left by a coordinator that did not finish its run, if any. A file that does not
  // parse is moved aside (".unreadable") and reported in problem, so it is not tried again.
  std::optional<v1::RunJournal> load(std::string& problem) const;
  void clear();

 private:
  std::string dir_;
};

}  // namespace stampede::coordinator
