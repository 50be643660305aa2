// The target speaks HTTP through the server it shares with the coordinator's web console
// (common/http_server): these are that server's types under the target's own namespace, so the
// routers, the checkout service and the stores name them as their own.
#pragma once

#include "common/http_server/reply.hpp"

namespace stampede::target {

namespace http = boost::beast::http;
using http_server::Chunk;
using http_server::ChunkSource;
using http_server::Executor;
using http_server::Reply;
using http_server::ReplyFn;
using http_server::Request;
using http_server::RequestHandler;
using http_server::Response;

}  // namespace stampede::target
