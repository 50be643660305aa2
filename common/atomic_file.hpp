// Files a user keeps (reports, key files) are written whole or not at all: the bytes go to a
// temporary name in the same folder, are flushed to disk, and are renamed over the final name.
//
//   std::string error;
//   if (!stampede::write_file_atomically("report.json", json, 0644, error)) complain(error);
#pragma once

#include <sys/types.h>

#include <string>

namespace stampede {

// mode is applied when the temporary file is created (never a wider mode first), so a secret
// is not readable by others even for an instant. With exclusive set, an existing path is left
// alone and the call fails.
bool write_file_atomically(const std::string& path, const std::string& content, mode_t mode,
                           std::string& error, bool exclusive = false);

// Why path cannot be written later (its folder is missing or not writable, or it names a
// folder), or "" when it can: checked before a run, so its report is not lost at the end.
std::string output_path_problem(const std::string& path);

}  // namespace stampede
