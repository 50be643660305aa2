// Temporary name, fsync, rename: the classic way to replace a file so that readers (and a
// crash) see either the old content or the new, never a prefix of it.
#include "common/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

namespace stampede {
namespace {

std::string temp_name_for(const std::string& path) {
  std::random_device rd;
  return path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(rd() % 1000000);
}

std::string errno_text() {
  return std::strerror(errno);
}

}  // namespace

bool write_file_atomically(const std::string& path, const std::string& content, mode_t mode,
                           std::string& error, bool exclusive) {
  const std::string tmp = temp_name_for(path);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    error = "cannot create " + tmp + ": " + errno_text();
    return false;
  }
  size_t done = 0;
  bool ok = true;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ok = false;
      break;
    }
    done += static_cast<size_t>(n);
  }
  if (!ok || ::fsync(fd) != 0) {
    error = "cannot write " + tmp + ": " + errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  ::close(fd);
  // link() fails with EEXIST instead of replacing: the no-clobber form of rename().
  const int moved =
      exclusive ? ::link(tmp.c_str(), path.c_str()) : ::rename(tmp.c_str(), path.c_str());
  if (moved != 0) {
    error = (errno == EEXIST ? path + " already exists"
                             : "cannot rename " + tmp + " to " + path + ": " + errno_text());
    ::unlink(tmp.c_str());
    return false;
  }
  if (exclusive) ::unlink(tmp.c_str());
  return true;
}

std::string output_path_problem(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) return path + " is a folder";
  fs::path folder = fs::path(path).parent_path();
  if (folder.empty()) folder = ".";
  if (!fs::is_directory(folder, ec)) return "the folder " + folder.string() + " does not exist";
  // The temporary file goes next to the report: the folder itself must take new files.
  if (access(folder.c_str(), W_OK | X_OK) != 0) {
    return "cannot write in " + folder.string() + ": " + errno_text();
  }
  return {};
}

}  // namespace stampede
