// Strings that came from a peer (an agent's name and host, a coordinator's problems), made safe
// to write to a log or a terminal: control characters and escape sequences would let a peer
// forge log lines or repaint the operator's screen, and a 10 MiB name would fill both.
//
//   std::cerr << "agent " << printable(reg.name(), 64) << " joined\n";
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace stampede {

// text with every byte outside printable ASCII (0x20..0x7e) written as \xNN, cut to at most
// max_chars characters of output (then ending in "..." ).
std::string printable(std::string_view text, size_t max_chars = 256);

// True when text is 1 to max_chars bytes of printable ASCII: what an agent may call itself.
bool is_printable_name(std::string_view text, size_t max_chars);

}  // namespace stampede
