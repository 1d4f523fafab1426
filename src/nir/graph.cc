#include "synfire/nir/graph.h"

#include <algorithm>

namespace synfire::nir {

bool operator==(const Metadata& a, const Metadata& b) { return a.entries == b.entries; }

const Tensor* Node::param(const std::string& key) const {
  auto it = params.find(key);
  return it == params.end() ? nullptr : &it->second;
}

const Node* Graph::find(const std::string& name) const {
  auto it = std::lower_bound(nodes.begin(), nodes.end(), name,
                             [](const Node& node, const std::string& n) { return node.name < n; });
  if (it != nodes.end() && it->name == name) return &*it;
  for (const auto& node : nodes)  // nodes built by hand may be unsorted
    if (node.name == name) return &node;
  return nullptr;
}

namespace {

bool equal_nodes(const Node& a, const Node& b) {
  if (a.name != b.name || a.primitive != b.primitive || a.params != b.params ||
      a.metadata != b.metadata || a.extra_groups != b.extra_groups)
    return false;
  if (static_cast<bool>(a.subgraph) != static_cast<bool>(b.subgraph)) return false;
  return !a.subgraph || equal(*a.subgraph, *b.subgraph);
}

}  // namespace

bool equal(const Graph& a, const Graph& b) {
  if (a.nodes.size() != b.nodes.size() || a.edges != b.edges || a.metadata != b.metadata)
    return false;
  for (std::size_t i = 0; i < a.nodes.size(); ++i)
    if (!equal_nodes(a.nodes[i], b.nodes[i])) return false;
  return true;
}

bool equal(const Document& a, const Document& b) {
  return a.version == b.version && equal(a.graph, b.graph);
}

}  // namespace synfire::nir
