#pragma once
// The access log (one JSON line per request, spdlog) and the Prometheus metrics
// (prometheus-cpp), both fed by the network layer's RequestRecord.

#include <memory>
#include <string>

#include "net/server.h"

namespace synfire::server {

class Observability {
 public:
  Observability();
  ~Observability();
  void record(const RequestRecord& request);
  std::string metrics_text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace synfire::server
