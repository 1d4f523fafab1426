#include <iostream>
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

void print_tree(std::ostream& out, const nir::Graph& graph, int indent) {
  std::size_t width = 0, type_width = 0;
  for (const auto& node : graph.nodes) {
    width = std::max(width, node.name.size());
    type_width = std::max(type_width, nir::name_of(node.primitive).size());
  }
  for (const auto& node : graph.nodes) {
    const std::string_view type = nir::name_of(node.primitive);
    out << std::string(indent, ' ') << node.name << std::string(width - node.name.size() + 2, ' ') << type;
    if (!node.subgraph) out << std::string(type_width - type.size() + 2, ' ') << describe_params(node);
    out << "\n";
    if (node.subgraph) print_tree(out, *node.subgraph, indent + 4);
  }
  for (const auto& edge : graph.edges)
    out << std::string(indent, ' ') << "edge " << edge.source << " -> " << edge.target << "\n";
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
