// A bearer token kept in a file (--admin-token-file, --ui-token-file, --ui-admin-token-file):
// one reader for all of them, so a folder, an empty file or an unreadable one is the same clear
// error everywhere, said before anything starts rather than as a 401 at the end of a run.
//
//   auto token = read_token_file(path);
//   if (!token) fail("--admin-token-file: " + token.error());   // exit 2
#pragma once

#include <string>

#include "common/expected.hpp"

namespace stampede {

// The file's first line, trailing white space removed. An error when path is not a regular
// file, cannot be read, or holds no token.
Expected<std::string> read_token_file(const std::string& path);

}  // namespace stampede
