#pragma once
// The in-memory model of a NIR file: a document holds a version and the top-level
// graph; a graph holds nodes, edges and metadata; a node of type NIRGraph holds a
// subgraph. See docs/formats/nir.md for the file layout.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "synfire/nir/primitive.h"
#include "synfire/nir/tensor.h"

namespace synfire::nir {

struct MetadataEntry;

// Free key/value data of a node or graph: datasets and nested groups, in name order.
struct Metadata {
  std::vector<MetadataEntry> entries;
  bool empty() const { return entries.empty(); }
  friend bool operator==(const Metadata&, const Metadata&);
};

struct MetadataEntry {
  std::string name;
  std::optional<Tensor> value;  // set: a dataset; unset: a group (`group`)
  Metadata group;
  friend bool operator==(const MetadataEntry&, const MetadataEntry&) = default;
};

struct Graph;

struct Node {
  std::string name;
  Primitive primitive = Primitive::Input;
  std::map<std::string, Tensor> params;  // every dataset of the node but `type`
  std::optional<Metadata> metadata;      // the node's `metadata/` group, when present
  Metadata extra_groups;                 // any other groups of the node, kept verbatim
  std::unique_ptr<Graph> subgraph;       // set for NIRGraph nodes
  bool legacy_missing_v_reset = false;   // v_reset was absent and filled with zeros
  std::string path;                      // HDF5 path, for messages

  const Tensor* param(const std::string& key) const;
};

struct Edge {
  std::string source;
  std::string target;
  friend bool operator==(const Edge&, const Edge&) = default;
};

struct Graph {
  std::vector<Node> nodes;  // in name (byte) order
  std::vector<Edge> edges;  // in file order
  std::optional<Metadata> metadata;
  std::string path;  // HDF5 path of the graph group ("/node" at the top)

  const Node* find(const std::string& name) const;
};

struct Document {
  std::optional<std::string> version;  // "/version", when present
  Graph graph;
};

// Structural equality: names, primitives, edges, metadata, dtypes, shapes and
// bit-identical data (loads every tensor of both).
bool equal(const Graph& a, const Graph& b);
bool equal(const Document& a, const Document& b);

}  // namespace synfire::nir
