#include "demo.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "synfire/error.h"
#include "synfire/nir/samples.h"
#include "synfire/nir/writer.h"

namespace synfire::server {
namespace {

std::string store(storage::BlobStore& blobs, const std::string& bytes) {
  storage::BlobIngest ingest(blobs, std::nullopt);
  ingest.append(std::as_bytes(std::span(bytes.data(), bytes.size())));
  return ingest.finish().to_string();
}

std::string model_bytes(const nir::Document& document) {
  const auto path = std::filesystem::temp_directory_path() / ("synfire-demo-" + std::to_string(::getpid()) + ".nir");
  nir::write_file(document, path.string());
  std::ifstream in(path, std::ios::binary);
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::filesystem::remove(path);
  return bytes;
}

std::string card(const std::string& description, std::vector<std::string> tags) {
  return nlohmann::json{{"license", "CC0-1.0"},
                        {"description", description + " A demo published by Synfire itself: its weights are random."},
                        {"tags", tags},
                        {"capabilities", {"demo"}},
                        {"authors", {{{"name", "Synfire"}}}}}
      .dump(2);
}

}  // namespace

void publish_demo_models(registry::Registry& registry, storage::MetadataStore& metadata, storage::BlobStore& blobs) {
  auto user = metadata.create_user("demo-publisher", "", false, registry::system_clock_now());
  if (!user) return;  // published before
  registry::Caller publisher{user, storage::Scope::admin};
  registry.create_org(publisher, "demo");
  struct Demo {
    const char* repo;
    nir::Document document;
    std::string card;
  };
  Demo demos[] = {
      {"conv-classifier", nir::samples::conv_classifier(),
       card("A small convolutional classifier: Conv2d, IF neurons, sum pooling, a LIF read-out.", {"cnn", "if", "lif"})},
      {"recurrent-cubalif", nir::samples::recurrent_cubalif(),
       card("A recurrent network of current-based LIF neurons inside a subgraph.", {"recurrent", "cuba-lif"})},
      {"lif-chain", nir::samples::lif_chain(4, 16), card("Four Linear + LIF layers of 16 neurons.", {"lif", "mlp"})},
  };
  for (auto& demo : demos) {
    registry::ReleaseRequest request{"demo", demo.repo, "1.0.0",
                                     {{"model.nir", store(blobs, model_bytes(demo.document))},
                                      {"nir-card.json", store(blobs, demo.card)}},
                                     false};
    registry.publish(publisher, request);
  }
}

}  // namespace synfire::server
