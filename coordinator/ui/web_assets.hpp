// The console's page, script, styles and the vendored uPlot, compiled into the binary by
// embed_assets.cmake from web/, so the coordinator serves them with nothing else installed.
//
//   if (const WebAsset* a = find_web_asset("/assets/app.js")) reply(a->content_type, a->body());
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace stampede::coordinator::ui {

struct WebAsset {
  const char* path;  // the URL path: "/index.html", "/assets/app.js"
  const char* content_type;
  const unsigned char* data;
  size_t size;
  std::string_view body() const { return {reinterpret_cast<const char*>(data), size}; }
};

// Defined in the generated web_assets.cpp (the build tree).
std::span<const WebAsset> web_assets();

inline const WebAsset* find_web_asset(std::string_view path) {
  for (const auto& a : web_assets()) {
    if (path == a.path) return &a;
  }
  return nullptr;
}

}  // namespace stampede::coordinator::ui
