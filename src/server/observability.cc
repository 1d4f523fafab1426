#include "observability.h"

#include <nlohmann/json.hpp>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace synfire::server {

struct Observability::State {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter().Name("synfire_http_requests_total").Help("HTTP requests by method and status").Register(*registry);
  prometheus::Family<prometheus::Histogram>& durations =
      prometheus::BuildHistogram().Name("synfire_http_request_duration_seconds").Help("Time from request header to the end of the response").Register(*registry);
  prometheus::Counter& bytes_in =
      prometheus::BuildCounter().Name("synfire_http_received_bytes_total").Help("Request body bytes received").Register(*registry).Add({});
  prometheus::Counter& bytes_out =
      prometheus::BuildCounter().Name("synfire_http_sent_file_bytes_total").Help("File bytes sent by downloads").Register(*registry).Add({});
  std::shared_ptr<spdlog::logger> log = spdlog::stdout_logger_mt("access");
};

Observability::Observability() : state_(std::make_unique<State>()) { state_->log->set_pattern("%v"); }

Observability::~Observability() { spdlog::drop("access"); }

void Observability::record(const RequestRecord& r) {
  const std::string status = std::to_string(r.status);
  state_->requests.Add({{"method", r.method}, {"status", status}}).Increment();
  static const prometheus::Histogram::BucketBoundaries kBuckets = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30};
  state_->durations.Add({{"method", r.method}}, kBuckets).Observe(r.seconds);
  state_->bytes_in.Increment(static_cast<double>(r.bytes_in));
  state_->bytes_out.Increment(static_cast<double>(r.bytes_out));
  const nlohmann::json line = {{"time", std::chrono::duration_cast<std::chrono::milliseconds>(
                                            std::chrono::system_clock::now().time_since_epoch()).count()},
                               {"client", r.client}, {"method", r.method}, {"target", r.target},
                               {"status", r.status}, {"bytes_in", r.bytes_in}, {"bytes_out", r.bytes_out},
                               {"ms", r.seconds * 1000}};
  state_->log->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

std::string Observability::metrics_text() const {
  return prometheus::TextSerializer().Serialize(state_->registry->Collect());
}

}  // namespace synfire::server
