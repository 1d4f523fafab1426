#pragma once
// Graph checks and the extracted metadata of a readable NIR document, computed
// from declared shapes and small structural datasets only (spec/nir-format.md).

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "synfire/nir/graph.h"

namespace synfire::nir {

struct Finding {
  std::string code;     // legacy_missing_v_reset, dangling_edge, unconnected_node,
                        // no_input, no_output, shape_mismatch
  std::string path;     // HDF5 path of the node, edge or graph at fault
  std::string message;
};

struct Extract {
  std::optional<std::string> nir_version;
  std::uint64_t node_count = 0;
  std::uint64_t edge_count = 0;
  std::uint64_t parameter_count = 0;
  std::vector<std::string> neuron_types;
  std::vector<std::string> linear_ops;
  std::vector<std::string> other_ops;
  std::map<std::string, std::uint64_t> primitives;
  std::string model_size_category;
  std::map<std::string, std::vector<std::int64_t>> inputs;
  std::map<std::string, std::vector<std::int64_t>> outputs;
  bool has_cycles = false;
  int max_depth = 1;
  std::vector<std::string> dtypes;
};

struct Analysis {
  Extract extract;
  std::vector<Finding> findings;
};

Analysis analyze(const Document& document);

// tiny < 10,000 <= small < 1,000,000 <= medium < 100,000,000 <= large
std::string size_category(std::uint64_t parameter_count);

}  // namespace synfire::nir
