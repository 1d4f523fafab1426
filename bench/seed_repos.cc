// Fills a data folder with N repositories of 3 releases each, straight through the
// metadata store (no model checks), for the scale benchmarks:
//   synfire-bench-seed DATA_DIR N
#include <iostream>
#include <random>
#include <nlohmann/json.hpp>

#include "synfire/registry/registry.h"
#include "synfire/semver/semver.h"
#include "synfire/storage/metadata_store.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: synfire-bench-seed DATA_DIR N\n";
    return 2;
  }
  using namespace synfire;
  const std::string data = argv[1];
  const int count = std::stoi(argv[2]);
  std::filesystem::create_directories(data);
  auto metadata = storage::open_sqlite_metadata_store(data + "/synfire.sqlite");
  auto blobs = storage::open_filesystem_blob_store(data);
  struct NoChecker : registry::ModelChecker {
    registry::ModelReport check(storage::BlobStore&, const crypto::Digest&) override { return {}; }
  } checker;
  registry::Registry registry(*metadata, *blobs, checker);
  if (!metadata->find_user("bench")) metadata->create_user("bench", "", false, 1);
  const std::vector<std::string> words = {"mnist", "braille", "keyword", "gesture", "dvs", "shd", "nmnist", "ecg",
                                          "audio", "vision", "robot", "control", "speech", "radar", "tactile"};
  const std::vector<std::string> neurons = {"LIF", "CubaLIF", "IF", "LI"};
  const std::vector<std::string> linears = {"Affine", "Linear", "Conv2d"};
  const std::vector<std::string> licenses = {"MIT", "Apache-2.0", "BSD-3-Clause", "CC-BY-4.0"};
  std::mt19937 rng(42);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  for (int i = 0; i < count; ++i) {
    const std::string name = "model-" + std::to_string(i);
    auto repo = metadata->create_repo("bench", name, false, "", 1'700'000'000 + i);
    if (!repo) continue;
    const std::string tag1 = pick(words), tag2 = pick(words), neuron = pick(neurons), linear = pick(linears);
    for (const char* version : {"1.0.0", "1.1.0", "2.0.0"}) {
      storage::Release r;
      r.repo_id = repo->id;
      r.version = r.version_full = version;
      r.sort_key = semver::sort_key(*semver::parse(version));
      r.card_json = nlohmann::json{{"license", pick(licenses)}, {"tags", {tag1, tag2}}, {"capabilities", {"spiking"}},
                                   {"description", "A " + tag1 + " " + tag2 + " network of " + neuron + " neurons"}}.dump();
      r.extract_json = nlohmann::json{{"neuron_types", {neuron}}, {"linear_ops", {linear}},
                                      {"primitives", {{neuron, 2}, {linear, 2}, {"Input", 1}, {"Output", 1}}},
                                      {"model_size_category", "small"}}.dump();
      r.findings_json = "[]";
      r.license = nlohmann::json::parse(r.card_json)["license"];
      r.created_by = "bench";
      r.created_at = 1'700'000'000 + i;
      r.files = {{"model.nir", 1000, std::string(64, 'a')}, {"nir-card.json", 100, std::string(64, 'b')}};
      metadata->create_release(r);
    }
    registry.reindex(*repo);
  }
  std::cout << "seeded " << count << " repositories\n";
  return 0;
}
