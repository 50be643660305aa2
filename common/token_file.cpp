// read_token_file(): see the header.
#include "common/token_file.hpp"

#include <cctype>
#include <filesystem>
#include <fstream>

namespace stampede {

Expected<std::string> read_token_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) return unexpected("'" + path + "' does not exist");
  if (!std::filesystem::is_regular_file(status)) {
    return unexpected("'" + path + "' is not a regular file");
  }
  std::ifstream in(path);
  std::string token;
  if (!in || !std::getline(in, token)) return unexpected("cannot read '" + path + "'");
  while (!token.empty() && std::isspace(static_cast<unsigned char>(token.back()))) token.pop_back();
  if (token.empty()) return unexpected("'" + path + "' holds no token on its first line");
  return token;
}

}  // namespace stampede
