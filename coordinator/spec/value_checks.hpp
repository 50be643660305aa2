// Checks of single values that the run's settings and a journey's steps share: each answers ""
// when the text is fine, or what is wrong with it, in words a user can act on.
//
//   if (auto problem = method_token("get"); !problem.empty()) fail("--method: " + problem);
#pragma once

#include <string>
#include <string_view>

namespace stampede::coordinator {

// The text in quotes, cut at 64 characters: a value as an error message shows it.
std::string quoted(std::string_view text);

std::string method_token(std::string_view s);  // an upper-case HTTP method
std::string request_path(std::string_view s);  // from '/', no spaces
std::string header_line(std::string_view s);   // K:V on one line
std::string json_field(std::string_view s);    // a JSON field name
// A ${name} a data column or a journey's capture may be: [A-Za-z_][A-Za-z0-9_]*, up to 64.
bool placeholder_name(std::string_view s);

}  // namespace stampede::coordinator
