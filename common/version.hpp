// The one version string every binary reports and every agent registers with.
#pragma once

namespace stampede {
inline constexpr const char* kVersion = "0.1.0";
}
