#include "server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <atomic>
#include <array>
#include <chrono>
#include <iostream>
#include <thread>

#include "../api/api.h"
#include "synfire/error.h"

namespace synfire::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::awaitable;
using asio::use_awaitable;
using tcp = asio::ip::tcp;

constexpr std::size_t kHeaderLimit = 16 * 1024;
constexpr std::uint64_t kJsonBodyLimit = 1 << 20;
constexpr std::size_t kChunk = 256 * 1024;

// Requests between their header and the end of their response; shutdown waits for them.
std::atomic<int> requests_in_flight{0};

struct InFlight {
  InFlight() { ++requests_in_flight; }
  ~InFlight() { --requests_in_flight; }
};

ApiRequest make_request(const http::request_parser<http::buffer_body>& parser, const std::string& client_address) {
  const auto& header = parser.get();
  ApiRequest request;
  request.client_address = client_address;
  request.method = std::string(header.method_string());
  auto target = boost::urls::parse_origin_form(header.target());
  if (!target) throw Failure("invalid_request", "the request target is not a valid path");
  for (auto segment : target->segments()) request.segments.push_back(segment);
  if (!request.segments.empty() && request.segments.back().empty()) request.segments.pop_back();
  for (auto param : target->params()) request.query[param.key] = param.value;
  request.authorization = std::string(header[http::field::authorization]);
  request.range = std::string(header[http::field::range]);
  request.if_range = std::string(header[http::field::if_range]);
  request.if_none_match = std::string(header[http::field::if_none_match]);
  request.content_range = std::string(header[http::field::content_range]);
  if (parser.content_length()) request.content_length = *parser.content_length();
  return request;
}

// Reads the rest of the body in chunks, giving each to `consume`.
template <typename Consume>
awaitable<void> read_body(beast::tcp_stream& stream, beast::flat_buffer& buffer,
                          http::request_parser<http::buffer_body>& parser, int timeout, Consume consume) {
  std::vector<char> chunk(kChunk);
  while (!parser.is_done()) {
    parser.get().body().data = chunk.data();
    parser.get().body().size = chunk.size();
    stream.expires_after(std::chrono::seconds(timeout));
    beast::error_code ec;
    co_await http::async_read(stream, buffer, parser, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw beast::system_error(ec);
    consume(std::string_view(chunk.data(), chunk.size() - parser.get().body().size));
  }
}

// Reads a body of known length straight from the socket in large reads (the parser's
// own reads are capped at 64 KiB, which halves upload throughput), starting with what
// is already buffered, into the sink's own buffers when it offers them (no copy).
awaitable<void> read_sized_body(beast::tcp_stream& stream, beast::flat_buffer& buffer, std::uint64_t length,
                                int timeout, BodySink& sink, std::uint64_t& bytes_in) {
  std::uint64_t left = length;
  const std::size_t buffered = static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), left));
  if (buffered > 0) {
    const auto data = buffer.data();
    sink.append(std::span(static_cast<const std::byte*>(data.data()), buffered));
    bytes_in += buffered;
    buffer.consume(buffered);
    left -= buffered;
  }
  std::vector<std::byte> chunk;
  while (left > 0) {
    stream.expires_after(std::chrono::seconds(timeout));
    std::span<std::byte> space = sink.reserve();
    const bool in_place = !space.empty();
    if (!in_place) {
      chunk.resize(1 << 20);
      space = chunk;
    }
    const std::size_t want = static_cast<std::size_t>(std::min<std::uint64_t>(space.size(), left));
    const std::size_t n = co_await stream.async_read_some(asio::buffer(space.data(), want), use_awaitable);
    left -= n;
    bytes_in += n;
    if (in_place)
      sink.commit_reserved(n);
    else
      sink.append(space.first(n));
  }
}

awaitable<void> write_json(beast::tcp_stream& stream, const ApiResponse& response, bool head, bool keep_alive) {
  http::response<http::string_body> res{static_cast<http::status>(response.status), 11};
  res.set(http::field::server, "synfire");
  for (const auto& [name, value] : response.headers) res.set(name, value);
  if (response.text) {
    res.body() = *response.text;
  } else if (response.status != 204 && !response.body.is_null()) {  // for HEAD too: its length is sent
    res.set(http::field::content_type, "application/json");
    res.body() = response.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  res.keep_alive(keep_alive);
  res.prepare_payload();
  // HEAD and 304 have no body but may say how long the file is.
  const bool header_only = head || response.status == 304;
  if (header_only && response.headers.count("Content-Length"))
    res.content_length(std::stoull(response.headers.at("Content-Length")));
  if (header_only) {
    http::response_serializer<http::string_body> serializer{res};
    co_await http::async_write_header(stream, serializer, use_awaitable);
  } else {
    co_await http::async_write(stream, res, use_awaitable);
  }
}

awaitable<void> write_download(beast::tcp_stream& stream, ApiResponse& response, bool head, bool keep_alive,
                               int timeout) {
  Download& download = *response.download;
  http::response<http::buffer_body> res{static_cast<http::status>(response.status), 11};
  res.set(http::field::server, "synfire");
  for (const auto& [name, value] : response.headers) res.set(name, value);
  res.keep_alive(keep_alive);
  res.content_length(download.length);
  res.body().data = nullptr;
  res.body().more = !head;
  http::response_serializer<http::buffer_body> serializer{res};
  co_await http::async_write_header(stream, serializer, use_awaitable);
  if (head) co_return;
  std::vector<std::byte> chunk(kChunk);
  std::uint64_t left = download.length;
  while (left > 0) {
    const std::size_t n = download.reader->read(std::span(chunk.data(), std::min<std::uint64_t>(chunk.size(), left)));
    if (n == 0) throw Failure("storage_error", "the stored file ended early");
    left -= n;
    res.body().data = chunk.data();
    res.body().size = n;
    res.body().more = true;
    stream.expires_after(std::chrono::seconds(timeout));
    beast::error_code ec;
    co_await http::async_write(stream, serializer, asio::redirect_error(use_awaitable, ec));
    if (ec == http::error::need_buffer) ec = {};
    if (ec) throw beast::system_error(ec);
  }
  res.body().data = nullptr;
  res.body().more = false;
  co_await http::async_write(stream, serializer, use_awaitable);
}

// A client that sent `Expect: 100-continue` waits (curl: one second) for this before
// it sends the body; it is sent once the request is accepted, so a refused request
// costs the client no upload.
bool expects_continue(const http::request_parser<http::buffer_body>& parser) {
  const auto& header = parser.get();
  return header.version() >= 11 && !parser.is_done() &&
         beast::iequals(header[http::field::expect], "100-continue");
}

awaitable<void> send_continue(beast::tcp_stream& stream, int timeout) {
  http::response<http::empty_body> interim{http::status::continue_, 11};
  stream.expires_after(std::chrono::seconds(timeout));
  co_await http::async_write(stream, interim, use_awaitable);
}

// After an error response to a request whose body was not read: stop sending, then
// read and drop what the client still sends (bounded), so that it sees the response
// rather than a reset connection.
awaitable<void> lingering_close(beast::tcp_stream& stream) {
  beast::error_code ec;
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  std::array<char, 64 * 1024> sink;
  std::size_t dropped = 0;
  stream.expires_after(std::chrono::seconds(2));
  while (!ec && dropped < (8u << 20)) {
    dropped += co_await stream.async_read_some(asio::buffer(sink), asio::redirect_error(use_awaitable, ec));
  }
}

// Where a request comes from: the peer, or, when the peer is a trusted proxy, the last
// address of X-Forwarded-For that is not a proxy itself (a malformed entry stops the
// walk at the last good one: a client cannot pose as another past a proxy it sent
// the header through).
std::string origin_address(const std::string& peer, std::string_view forwarded, const std::vector<std::string>& proxies) {
  auto trusted = [&](const std::string& address) {
    return std::find(proxies.begin(), proxies.end(), address) != proxies.end();
  };
  std::string client = peer;
  while (trusted(client) && !forwarded.empty()) {
    const auto comma = forwarded.rfind(',');
    std::string_view item = comma == std::string_view::npos ? forwarded : forwarded.substr(comma + 1);
    forwarded = comma == std::string_view::npos ? std::string_view() : forwarded.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    boost::system::error_code bad;
    const auto address = asio::ip::make_address(item, bad);
    if (bad) break;
    client = address.to_string();
  }
  return client;
}

using Observer = std::function<void(const RequestRecord&)>;

// Runs `work` on the blocking pool; the coroutine resumes on its own executor.
template <class Work>
awaitable<ApiResponse> off_io_threads(asio::thread_pool& pool, Work work) {
  co_return co_await asio::co_spawn(
      pool, [&work]() -> awaitable<ApiResponse> { co_return work(); }, use_awaitable);
}

awaitable<void> session(tcp::socket socket, Api& api, asio::thread_pool& blocking, int timeout,
                        const std::vector<std::string>& proxies, const Observer& observe) {
  std::string peer, peer_port;
  {
    beast::error_code ec;
    const auto remote = socket.remote_endpoint(ec);
    if (!ec) {
      peer = remote.address().to_string();
      peer_port = std::to_string(remote.port());
    }
  }
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::buffer_body> parser;
      parser.header_limit(kHeaderLimit);
      parser.body_limit(boost::none);
      stream.expires_after(std::chrono::seconds(timeout));
      co_await http::async_read_header(stream, buffer, parser, use_awaitable);
      InFlight in_flight;
      const auto started = std::chrono::steady_clock::now();
      const std::string client_address = origin_address(peer, parser.get()["X-Forwarded-For"], proxies);
      const std::string client = client_address == peer ? peer + ":" + peer_port : client_address;
      RequestRecord record{client, std::string(parser.get().method_string()), std::string(parser.get().target())};
      const bool head = parser.get().method() == http::verb::head;
      bool keep_alive = parser.get().keep_alive();
      bool body_read = false;  // read past the parser (read_sized_body)
      ApiResponse response;
      try {
        ApiRequest request = make_request(parser, client_address);
        if (Api::is_streamed(request)) {
          auto sink = api.begin_stream(request);
          if (expects_continue(parser)) co_await send_continue(stream, timeout);
          auto consume = [&](std::string_view bytes) {
            record.bytes_in += bytes.size();
            sink->append(std::as_bytes(std::span(bytes.data(), bytes.size())));
          };
          if (parser.content_length() && !parser.chunked()) {
            co_await read_sized_body(stream, buffer, *parser.content_length(), timeout, *sink, record.bytes_in);
            body_read = true;
          } else {
            co_await read_body(stream, buffer, parser, timeout, consume);
          }
          response = co_await off_io_threads(blocking, [&] { return sink->finish(); });
        } else {
          if (request.content_length && *request.content_length > kJsonBodyLimit)
            throw Failure("too_large", "a JSON body holds at most 1 MiB");
          if (expects_continue(parser)) co_await send_continue(stream, timeout);
          co_await read_body(stream, buffer, parser, timeout, [&](std::string_view bytes) {
            if (request.body.size() + bytes.size() > kJsonBodyLimit) throw Failure("too_large", "a JSON body holds at most 1 MiB");
            record.bytes_in += bytes.size();
            request.body.append(bytes);
          });
          if (Api::may_block(request))
            response = co_await off_io_threads(blocking, [&] { return api.handle(request); });
          else
            response = api.handle(request);
        }
      } catch (const Failure& failure) {
        response = Api::error_response(failure.error());
        keep_alive = keep_alive && (parser.is_done() || body_read);  // an unread body ends the connection
      } catch (EarlyResponse& early) {
        response = std::move(early.response);
        keep_alive = keep_alive && (parser.is_done() || body_read);
      }
      if (!parser.get()[http::field::origin].empty()) Api::allow_cross_origin(response);
      record.status = response.status;
      record.bytes_out = response.download ? (head ? 0 : response.download->length) : 0;
      if (response.download)
        co_await write_download(stream, response, head, keep_alive, timeout);
      else
        co_await write_json(stream, response, head, keep_alive);
      record.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
      if (observe) observe(record);
      if (!keep_alive) {
        if (!parser.is_done() && !body_read) co_await lingering_close(stream);
        break;
      }
    }
  } catch (const beast::system_error&) {
    // the client went away, stalled past the timeout or sent a malformed request
  } catch (const std::exception& e) {
    std::cerr << "synfire-server: connection ended: " << e.what() << "\n";
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
}

// Each I/O thread runs an io_context of its own, and a connection lives on one of them
// (round robin): its socket, its timers and its coroutine always run on that one thread,
// so a stream's timeout (which closes the socket from a timer handler) never runs
// beside the coroutine using it -- what Beast asks of a stream -- without a strand's
// cost on every completion.
awaitable<void> accept_loop(tcp::acceptor& acceptor, std::vector<std::unique_ptr<asio::io_context>>& contexts, Api& api,
                            asio::thread_pool& blocking, int timeout, const std::vector<std::string>& proxies,
                            const Observer& observe) {
  for (std::size_t next = 0;; ++next) {
    beast::error_code ec;
    auto connection = contexts[next % contexts.size()]->get_executor();
    tcp::socket socket = co_await acceptor.async_accept(connection, asio::redirect_error(use_awaitable, ec));
    if (ec == asio::error::operation_aborted) co_return;
    if (ec) continue;
    asio::co_spawn(connection, session(std::move(socket), api, blocking, timeout, proxies, observe), asio::detached);
  }
}

}  // namespace

void serve(Api& api, const ServerOptions& options, void (*on_listening)(std::uint16_t port),
           std::function<void(const RequestRecord&)> on_request) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  for (int i = 0; i < std::max(1, options.threads); ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  // Work guards: a context with no connection yet must keep running.
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> keep;
  for (auto& context : contexts) keep.push_back(asio::make_work_guard(*context));
  asio::thread_pool blocking(static_cast<std::size_t>(options.blocking_threads));
  // The acceptor, the signals and the shutdown timer live on the first context: closing
  // the acceptor on SIGTERM runs on the thread that accepts.
  asio::io_context& control = *contexts.front();
  tcp::acceptor acceptor(control, {asio::ip::make_address(options.host), options.port});
  on_listening(acceptor.local_endpoint().port());
  asio::co_spawn(control,
                 accept_loop(acceptor, contexts, api, blocking, options.idle_timeout_seconds, options.trusted_proxies,
                             on_request),
                 asio::detached);

  asio::signal_set signals(control, SIGINT, SIGTERM);
  asio::steady_timer drain(control);
  signals.async_wait([&](beast::error_code, int) {
    acceptor.close();  // stop accepting; requests in flight go on
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    std::function<void(beast::error_code)> check = [&](beast::error_code) {
      if (requests_in_flight == 0 || std::chrono::steady_clock::now() > deadline) {
        for (auto& context : contexts) context->stop();
        return;
      }
      drain.expires_after(std::chrono::milliseconds(50));
      drain.async_wait(check);
    };
    check({});
  });

  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts.size(); ++i) threads.emplace_back([&context = *contexts[i]] { context.run(); });
  control.run();
  for (auto& t : threads) t.join();
}

}  // namespace synfire::server
