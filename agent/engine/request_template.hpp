// The bytes of one checkout attempt, split once into literals and ${user_id} / ${key} /
// ${column} slots so that each attempt only copies pieces into a buffer it reuses: no
// allocation per request.
//
//   auto t = RequestTemplate::create(job.request(), *HttpUrl::parse(job.request().target_url()),
//                                    {"token"});
//   std::string wire;
//   std::string_view values[] = {"u-17", "run-1.42", "tok-0017"};  // user_id, key, columns...
//   t->fill(wire, values);  // wire holds the whole HTTP/1.1 request
//
// Immutable after create(), so one instance may be shared by every thread of a swarm.
#pragma once

#include <cstdint>
#include <span>
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
  // columns: the data file's column names, each a ${name} placeholder; a ${name} that is
  // neither a column nor user_id / key stays as it is.
  static Expected<RequestTemplate> create(const v1::HttpRequestSpec& spec, const HttpUrl& url,
                                          const std::vector<std::string>& columns = {});

  // The values of the slots: the user id, the key, then one per column, in create()'s order.
  static constexpr size_t kUserIdValue = 0;
  static constexpr size_t kKeyValue = 1;
  static constexpr size_t kFirstColumnValue = 2;

  // Replaces out's contents with the request for these values, keeping out's capacity.
  void fill(std::string& out, std::span<const std::string_view> values) const;
  void fill(std::string& out, std::string_view user_id, std::string_view key) const {
    const std::string_view values[] = {user_id, key};
    fill(out, values);
  }

 private:
  // Literal text with placeholder slots; literals_ holds all literal bytes back to back.
  class SlottedText {
   public:
    static SlottedText split(std::string_view text, const std::vector<std::string>& columns);
    size_t size(std::span<const std::string_view> values) const;
    void append_to(std::string& out, std::span<const std::string_view> values) const;

   private:
    static constexpr uint32_t kNoSlot = UINT32_MAX;
    struct Piece {
      size_t literal_end;  // offset in literals_ where this piece's literal stops
      uint32_t slot;       // the value filled after the literal, kNoSlot for none
    };
    std::string literals_;
    std::vector<Piece> pieces_;
  };

  RequestTemplate() = default;

  SlottedText head_;  // request line and headers, up to and including "Content-Length: "
  SlottedText body_;
};

}  // namespace stampede::agent
