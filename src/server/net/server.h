#pragma once
// The network layer: an accept loop and one coroutine per connection (read a request,
// let the Api handle it, write the response, repeat while kept alive). Coroutines
// stay in this folder; everything else is ordinary code.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace synfire::server {

class Api;

struct ServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8080;
  int threads = 4;
  // Threads for work that may block for long (release commits, finishing an upload:
  // model checks and fsyncs), so that the I/O threads keep serving.
  int blocking_threads = 8;
  int idle_timeout_seconds = 60;
  // Reverse proxies (IP addresses as text): a request from one of them is taken to come
  // from the last address of X-Forwarded-For that is not a proxy (for the login
  // throttle and the access log).
  std::vector<std::string> trusted_proxies;
};

// What happened to one request, for the access log and the metrics.
struct RequestRecord {
  std::string client;  // address:port
  std::string method;
  std::string target;  // path and query as sent
  int status = 0;
  std::uint64_t bytes_in = 0;
  std::uint64_t bytes_out = 0;
  double seconds = 0;
};

// Serves until SIGINT or SIGTERM, then stops accepting, lets requests in flight
// finish (up to 30 s) and returns. `on_listening` gets the bound port (0 asks for any);
// `on_request` is called after each response (from any server thread).
void serve(Api& api, const ServerOptions& options, void (*on_listening)(std::uint16_t port),
           std::function<void(const RequestRecord&)> on_request = {});

}  // namespace synfire::server
