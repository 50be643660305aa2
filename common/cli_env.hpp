// Lets every long flag also come from STAMPEDE_<FLAG> (dashes become underscores), which is
// how containers configure the binaries (design.md).
//
//   CLI::App app; ...add options...; stampede::bind_env_names(app); CLI11_PARSE(app, ...);
#pragma once

#include <CLI/CLI.hpp>
#include <cctype>
#include <string>

namespace stampede {

inline void bind_env_names(CLI::App& app) {
  for (CLI::Option* opt : app.get_options()) {
    const auto& names = opt->get_lnames();
    if (names.empty() || names.front() == "help" || !opt->get_envname().empty()) continue;
    std::string env = "STAMPEDE_";
    for (char c : names.front()) env += c == '-' ? '_' : static_cast<char>(std::toupper(c));
    opt->envname(env);
  }
  for (CLI::App* sub : app.get_subcommands({})) bind_env_names(*sub);
}

}  // namespace stampede
