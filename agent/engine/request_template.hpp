// The bytes of one checkout attempt, split once into literals and ${user_id} / ${key} slots so
// that each attempt only copies pieces into a buffer it reuses: no allocation per request.
//
//   auto t = RequestTemplate::create(job.request(), *HttpUrl::parse(job.request().target_url()));
//   std::string wire;
//   t->fill(wire, "u-17", "run-1.42");  // wire holds the whole HTTP/1.1 request
//
// Immutable after create(), so one instance may be shared by every thread of a swarm.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/expected.hpp"
#include "common/url.hpp"
#include "stampede.pb.h"

namespace stampede::agent {

class RequestTemplate {
 public:
  // Rejects what would corrupt the request on the wire: CR/LF in any part, a method or header
  // name that is not an HTTP token, a path with spaces, a Content-Length or Transfer-Encoding
  // header (the engine frames the body itself). An empty method is POST; an empty path is the
  // target URL's path. A Host or Content-Type header replaces the engine's default.
  static Expected<RequestTemplate> create(const v1::HttpRequestSpec& spec, const HttpUrl& url);

  // Replaces out's contents with the request for this user and key, keeping out's capacity.
  void fill(std::string& out, std::string_view user_id, std::string_view key) const;

 private:
  // Literal text with placeholder slots; literals_ holds all literal bytes back to back.
  class SlottedText {
   public:
    static SlottedText split(std::string_view text);
    size_t size(std::string_view user_id, std::string_view key) const;
    void append_to(std::string& out, std::string_view user_id, std::string_view key) const;

   private:
    enum class Slot : uint8_t { none, user_id, key };
    struct Piece {
      size_t literal_end;  // offset in literals_ where this piece's literal stops
      Slot slot;           // filled after the literal
    };
    std::string literals_;
    std::vector<Piece> pieces_;
    size_t user_id_slots_ = 0;
    size_t key_slots_ = 0;
  };

  RequestTemplate() = default;

  SlottedText head_;  // request line and headers, up to and including "Content-Length: "
  SlottedText body_;
};

}  // namespace stampede::agent
