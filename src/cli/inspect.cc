#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include "commands.h"
#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/json.h"
#include "synfire/nir/reader.h"

namespace synfire::cli {
namespace {

std::string join_or_dash(const std::vector<std::string>& values) {
  if (values.empty()) return "-";
  std::string text;
  for (const auto& v : values) text += (text.empty() ? "" : ", ") + v;
  return text;
}

std::string dims(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

std::string ports(const std::map<std::string, std::vector<std::int64_t>>& io) {
  if (io.empty()) return "-";
  std::string text;
  for (const auto& [name, shape] : io) text += (text.empty() ? "" : ", ") + name + " " + dims(shape);
  return text;
}

std::string describe_params(const nir::Node& node) {
  std::string text;
  for (const auto& [key, tensor] : node.params) {
    if (!text.empty()) text += "  ";
    text += key + " ";
    if (tensor.is_string()) {
      text += "\"" + (tensor.strings().empty() ? "" : tensor.strings().front()) + "\"";
    } else if (nir::is_structural_parameter(key) && tensor.is_loaded() && tensor.size() <= 8) {
      text += dims(tensor.as_int64());
    } else {
      text += std::string(nir::dtype_name(tensor.dtype())) + nir::shape_to_string(tensor.shape());
    }
  }
  return text;
}

// The node of this graph an edge endpoint names: itself, or for "sub.port" the subgraph
// node "sub"; empty when there is none (a dangling edge).
std::string owner_of(const nir::Graph& graph, const std::string& endpoint) {
  if (graph.find(endpoint)) return endpoint;
  const auto dot = endpoint.find('.');
  if (dot != std::string::npos && graph.find(endpoint.substr(0, dot))) return endpoint.substr(0, dot);
  return {};
}

// The nodes in the order data flows through them (Kahn's algorithm; ties and the
// entry into a cycle go by name order), so that a chain reads top to bottom.
std::vector<std::size_t> flow_order(const nir::Graph& graph) {
  const std::size_t n = graph.nodes.size();
  std::map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < n; ++i) index[graph.nodes[i].name] = i;
  std::vector<std::vector<std::size_t>> next(n);
  std::vector<std::size_t> waiting(n, 0);
  for (const auto& edge : graph.edges) {
    const std::string from = owner_of(graph, edge.source), to = owner_of(graph, edge.target);
    if (from.empty() || to.empty() || from == to) continue;
    next[index[from]].push_back(index[to]);
    ++waiting[index[to]];
  }
  std::vector<std::size_t> order;
  std::vector<bool> placed(n, false);
  std::set<std::size_t> ready;
  for (std::size_t i = 0; i < n; ++i)
    if (waiting[i] == 0) ready.insert(i);
  while (order.size() < n) {
    if (ready.empty())  // a cycle: enter it at its first node by name
      for (std::size_t i = 0; i < n; ++i)
        if (!placed[i]) {
          ready.insert(i);
          break;
        }
    const std::size_t i = *ready.begin();
    ready.erase(ready.begin());
    if (placed[i]) continue;
    placed[i] = true;
    order.push_back(i);
    for (const std::size_t j : next[i])
      if (!placed[j] && --waiting[j] == 0) ready.insert(j);
  }
  return order;
}

// Each node with its type, where its output goes and its parameters, in flow order;
// subgraphs nested below their node.
void print_tree(std::ostream& out, const nir::Graph& graph, int indent) {
  std::map<std::string, std::vector<std::string>> targets;
  std::vector<const nir::Edge*> dangling;
  for (const auto& edge : graph.edges) {
    const std::string from = owner_of(graph, edge.source);
    if (from.empty() || owner_of(graph, edge.target).empty()) dangling.push_back(&edge);
    else targets[from].push_back(edge.target);  // from "sub.output" too: the port shows inside
  }
  std::size_t width = 0, type_width = 0, flow_width = 0;
  std::map<std::string, std::string> flows;
  for (const auto& node : graph.nodes) {
    width = std::max(width, node.name.size());
    type_width = std::max(type_width, nir::name_of(node.primitive).size());
    std::string flow;
    for (const auto& target : targets[node.name]) flow += (flow.empty() ? "-> " : ", ") + target;
    flow_width = std::max(flow_width, flow.size());
    flows[node.name] = std::move(flow);
  }
  const std::string pad(indent, ' ');
  for (const std::size_t i : flow_order(graph)) {
    const nir::Node& node = graph.nodes[i];
    const std::string_view type = nir::name_of(node.primitive);
    const std::string& flow = flows[node.name];
    out << pad << node.name << std::string(width - node.name.size() + 2, ' ') << type
        << std::string(type_width - type.size() + 2, ' ') << flow;
    if (!node.subgraph) out << std::string(flow_width - flow.size() + 2, ' ') << describe_params(node);
    out << "\n";
    if (node.subgraph) print_tree(out, *node.subgraph, indent + 4);
  }
  for (const auto* edge : dangling) out << pad << "edge " << edge->source << " -> " << edge->target << " (no such node)\n";
}

void print_human(std::ostream& out, const std::string& path, const nir::Document& document,
                 const nir::Analysis& analysis) {
  const auto& e = analysis.extract;
  out << path << "  (NIR " << e.nir_version.value_or("version not recorded") << ")\n\n"
      << "  nodes       " << e.node_count << "\n"
      << "  edges       " << e.edge_count << "\n"
      << "  parameters  " << e.parameter_count << " (" << e.model_size_category << ")\n"
      << "  depth       " << e.max_depth << (e.has_cycles ? "  (recurrent: has cycles)" : "") << "\n"
      << "  inputs      " << ports(e.inputs) << "\n"
      << "  outputs     " << ports(e.outputs) << "\n"
      << "  neurons     " << join_or_dash(e.neuron_types) << "\n"
      << "  linear ops  " << join_or_dash(e.linear_ops) << "\n"
      << "  other ops   " << join_or_dash(e.other_ops) << "\n"
      << "  dtypes      " << join_or_dash(e.dtypes) << "\n\n"
      << "Graph\n";
  print_tree(out, document.graph, 2);
  out << "\nFindings (" << analysis.findings.size() << ")\n";
  if (analysis.findings.empty()) out << "  none\n";
  for (const auto& f : analysis.findings) out << "  " << f.code << " at " << f.path << ": " << f.message << "\n";
}

}  // namespace

void print_error(const std::string& what, const std::string& where, const std::string& hint) {
  std::cerr << "synfire: " << what;
  if (!where.empty()) std::cerr << " (at " << where << ")";
  if (!hint.empty()) std::cerr << "; " << hint;
  std::cerr << "\n";
}

int inspect(const std::string& path, bool json) {
  try {
    const nir::Document document = nir::read_file(path);
    const nir::Analysis analysis = nir::analyze(document);
    if (json)
      std::cout << nir::report_json(analysis).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
      print_human(std::cout, path, document, analysis);
    return kExitOk;
  } catch (const Failure& failure) {
    if (json) std::cout << nir::error_json(failure.error()).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    print_error(path + ": " + failure.error().code + ": " + failure.error().message, failure.error().where);
    return kExitInvalid;
  }
}

}  // namespace synfire::cli
