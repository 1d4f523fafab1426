// Graph checks and extraction (spec/nir-format.md, "Extracted fields" and
// "Finding codes"). Works on declared shapes and the small structural datasets the
// reader loaded eagerly; it never loads parameter data.

#include "synfire/nir/analysis.h"

#include <algorithm>
#include <deque>
#include <set>
#include <unordered_map>

namespace synfire::nir {
namespace {

using Dims = std::vector<std::int64_t>;
using MaybeDims = std::optional<Dims>;

struct Ports {
  MaybeDims in;
  MaybeDims out;
};

std::string dims_to_string(const Dims& dims) {
  std::string text = "[";
  for (std::size_t i = 0; i < dims.size(); ++i) text += (i ? ", " : "") + std::to_string(dims[i]);
  return text + "]";
}

Dims to_dims(const Shape& shape) { return Dims(shape.begin(), shape.end()); }

std::optional<std::vector<std::int64_t>> ints_of(const Tensor* tensor) {
  if (!tensor || !is_numeric(tensor->dtype()) || tensor->dtype() == DType::float16) return std::nullopt;
  try {
    return tensor->as_int64();
  } catch (...) {
    return std::nullopt;
  }
}

// A per-dimension setting (stride, padding ...): a scalar or one value per dim.
std::optional<std::int64_t> setting(const std::vector<std::int64_t>& values, std::size_t dim) {
  if (values.size() == 1) return values[0];
  if (dim < values.size()) return values[dim];
  return std::nullopt;
}

std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  std::int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// The common shape of a node's rank >= 1 counted parameters; unknown when they
// disagree or all are scalars.
MaybeDims common_parameter_shape(const Node& node) {
  MaybeDims common;
  for (const auto& [key, tensor] : node.params) {
    if (!is_counted_parameter(key) || tensor.rank() == 0) continue;
    Dims dims = to_dims(tensor.shape());
    if (!common) common = dims;
    else if (*common != dims) return std::nullopt;
  }
  return common;
}

Ports conv_ports(const Node& node) {
  const Tensor* weight = node.param("weight");
  const auto input_shape = ints_of(node.param("input_shape"));
  if (!weight || !input_shape) return {};
  const std::size_t spatial = node.primitive == Primitive::Conv1d ? 1 : 2;
  const auto& w = weight->shape();
  if (w.size() != spatial + 2 || input_shape->size() != spatial) return {};
  const auto groups = ints_of(node.param("groups")).value_or(std::vector<std::int64_t>{1});
  const auto stride = ints_of(node.param("stride")).value_or(std::vector<std::int64_t>{1});
  const auto dilation = ints_of(node.param("dilation")).value_or(std::vector<std::int64_t>{1});
  const Tensor* padding_tensor = node.param("padding");
  std::string padding_mode;
  std::vector<std::int64_t> padding{0};
  if (padding_tensor && padding_tensor->is_string()) {
    padding_mode = padding_tensor->strings().empty() ? "" : padding_tensor->strings().front();
  } else if (auto values = ints_of(padding_tensor)) {
    padding = *values;
  }
  if (groups.size() != 1) return {};

  Ports ports;
  Dims in{static_cast<std::int64_t>(w[1]) * groups[0]};
  Dims out{static_cast<std::int64_t>(w[0])};
  bool out_known = true;
  for (std::size_t i = 0; i < spatial; ++i) {
    const std::int64_t length = (*input_shape)[i];
    in.push_back(length);
    if (padding_mode == "same") {
      out.push_back(length);
      continue;
    }
    const auto s = setting(stride, i), d = setting(dilation, i);
    const auto p = padding_mode == "valid" ? std::optional<std::int64_t>(0) : setting(padding, i);
    if (!padding_mode.empty() && padding_mode != "valid") out_known = false;
    if (!s || !d || !p || *s <= 0) {
      out_known = false;
      continue;
    }
    const std::int64_t k = static_cast<std::int64_t>(w[2 + i]);
    out.push_back(floor_div(length + 2 * *p - *d * (k - 1) - 1, *s) + 1);
  }
  ports.in = in;
  if (out_known) ports.out = out;
  return ports;
}

Ports flatten_ports(const Node& node) {
  MaybeDims in = ints_of(node.param("input_type"));
  if (!in) {  // the reference writer may store input_type as a group {"input": shape}
    for (const auto& entry : node.extra_groups.entries)
      if (entry.name == "input_type")
        for (const auto& inner : entry.group.entries)
          if (inner.value && !in) in = ints_of(&*inner.value);
  }
  if (!in) return {};
  Ports ports{in, std::nullopt};
  const auto start = ints_of(node.param("start_dim"));
  const auto end = ints_of(node.param("end_dim"));
  if (!start || !end || start->size() != 1 || end->size() != 1) return ports;
  const auto rank = static_cast<std::int64_t>(in->size());
  std::int64_t s = (*start)[0] < 0 ? (*start)[0] + rank : (*start)[0];
  std::int64_t e = (*end)[0] < 0 ? (*end)[0] + rank : (*end)[0];
  if (s < 0 || e >= rank || s > e) return ports;
  Dims out(in->begin(), in->begin() + s);
  std::int64_t product = 1;
  for (auto i = s; i <= e; ++i) product *= (*in)[i];
  out.push_back(product);
  out.insert(out.end(), in->begin() + e + 1, in->end());
  ports.out = out;
  return ports;
}

MaybeDims single_io_shape(const Graph& graph, Primitive io) {
  const Node* found = nullptr;
  for (const auto& node : graph.nodes) {
    if (node.primitive != io) continue;
    if (found) return std::nullopt;
    found = &node;
  }
  if (!found) return std::nullopt;
  return ints_of(found->param("shape"));
}

Ports ports_of(const Node& node) {
  switch (node.primitive) {
    case Primitive::Input:
    case Primitive::Output: {
      auto shape = ints_of(node.param("shape"));
      return {shape, shape};
    }
    case Primitive::Affine:
    case Primitive::Linear: {
      const auto& w = node.param("weight")->shape();
      return {Dims{static_cast<std::int64_t>(w[1])}, Dims{static_cast<std::int64_t>(w[0])}};
    }
    case Primitive::Conv1d:
    case Primitive::Conv2d:
      return conv_ports(node);
    case Primitive::Flatten:
      return flatten_ports(node);
    case Primitive::SumPool2d:
    case Primitive::AvgPool2d:
      return {};
    case Primitive::NIRGraph:
      return {single_io_shape(*node.subgraph, Primitive::Input),
              single_io_shape(*node.subgraph, Primitive::Output)};
    default: {
      auto shape = common_parameter_shape(node);
      return {shape, shape};
    }
  }
}

// An edge endpoint resolved at one graph level: the node of that level it names,
// and for "sub.x" the node x inside subgraph sub (when it exists).
struct Endpoint {
  std::size_t index;
  const Node* node;
  const Node* inner;
};

class Analyzer {
 public:
  Analysis run(const Document& document) {
    analysis_.extract.nir_version = document.version;
    const Graph& top = document.graph;
    for (const auto& node : top.nodes) {
      if (node.primitive == Primitive::Input) add_io(analysis_.extract.inputs, node);
      if (node.primitive == Primitive::Output) add_io(analysis_.extract.outputs, node);
    }
    analysis_.extract.max_depth = visit(top, 1);
    finish();
    return std::move(analysis_);
  }

 private:
  Analysis analysis_;
  std::set<std::string> neuron_types_, linear_ops_, other_ops_, dtypes_;

  static void add_io(std::map<std::string, std::vector<std::int64_t>>& into, const Node& node) {
    into[node.name] = ints_of(node.param("shape")).value_or(Dims{});
  }

  void finding(std::string code, std::string path, std::string message) {
    analysis_.findings.push_back({std::move(code), std::move(path), std::move(message)});
  }

  // Returns the depth of the deepest level at or below this one.
  int visit(const Graph& graph, int depth) {
    int deepest = depth;
    auto& extract = analysis_.extract;
    extract.edge_count += graph.edges.size();
    bool has_input = false, has_output = false;
    for (const auto& node : graph.nodes) {
      ++extract.node_count;
      const PrimitiveSpec& spec = spec_of(node.primitive);
      ++extract.primitives[std::string(spec.name)];
      if (spec.cls == PrimitiveClass::neuron) neuron_types_.emplace(spec.name);
      if (spec.cls == PrimitiveClass::linear) linear_ops_.emplace(spec.name);
      if (spec.cls == PrimitiveClass::other) other_ops_.emplace(spec.name);
      has_input = has_input || node.primitive == Primitive::Input;
      has_output = has_output || node.primitive == Primitive::Output;
      count_parameters(node, spec);
      if (node.legacy_missing_v_reset)
        finding("legacy_missing_v_reset", node.path + "/v_reset",
                std::string(spec.name) + " node '" + node.name +
                    "' has no v_reset (written by NIR 0.1-0.2); read as zeros shaped like v_threshold");
      if (node.subgraph) deepest = std::max(deepest, visit(*node.subgraph, depth + 1));
    }
    if (!has_input) finding("no_input", graph.path, "this graph level has no Input node");
    if (!has_output) finding("no_output", graph.path, "this graph level has no Output node");
    check_edges(graph);
    return deepest;
  }

  void count_parameters(const Node& node, const PrimitiveSpec& spec) {
    for (const auto& [key, tensor] : node.params) {
      if (!is_counted_parameter(key)) continue;
      const bool listed = std::find(spec.required.begin(), spec.required.end(), key) != spec.required.end() ||
                          std::find(spec.optional.begin(), spec.optional.end(), key) != spec.optional.end();
      if (!listed) continue;
      analysis_.extract.parameter_count += tensor.size();
      dtypes_.emplace(dtype_name(tensor.dtype()));
    }
  }

  static std::optional<Endpoint> resolve(const Graph& graph, const std::unordered_map<std::string, std::size_t>& index,
                                         const std::string& name) {
    if (auto it = index.find(name); it != index.end()) return Endpoint{it->second, &graph.nodes[it->second], nullptr};
    const auto dot = name.rfind('.');
    if (dot == std::string::npos) return std::nullopt;
    auto it = index.find(name.substr(0, dot));
    if (it == index.end()) return std::nullopt;
    const Node& sub = graph.nodes[it->second];
    if (!sub.subgraph) return std::nullopt;
    return Endpoint{it->second, &sub, sub.subgraph->find(name.substr(dot + 1))};
  }

  void check_edges(const Graph& graph) {
    std::unordered_map<std::string, std::size_t> index;
    index.reserve(graph.nodes.size());
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) index.emplace(graph.nodes[i].name, i);
    std::vector<Ports> ports(graph.nodes.size());
    for (std::size_t i = 0; i < graph.nodes.size(); ++i) ports[i] = ports_of(graph.nodes[i]);

    std::vector<bool> named(graph.nodes.size(), false);
    std::vector<std::vector<std::size_t>> successors(graph.nodes.size());
    std::vector<std::size_t> in_degree(graph.nodes.size(), 0);
    for (std::size_t e = 0; e < graph.edges.size(); ++e) {
      const Edge& edge = graph.edges[e];
      const std::string edge_path = graph.path + "/edges[" + std::to_string(e) + "]";
      const auto source = resolve(graph, index, edge.source);
      const auto target = resolve(graph, index, edge.target);
      if (source) named[source->index] = true;
      if (target) named[target->index] = true;
      if (!source || !target) {
        std::string missing = !source ? "'" + edge.source + "'" : "";
        if (!target) missing += (missing.empty() ? "'" : " and '") + edge.target + "'";
        finding("dangling_edge", edge_path,
                "edge " + edge.source + " -> " + edge.target + " names " + missing +
                    ", which is no node of this graph level");
        continue;
      }
      successors[source->index].push_back(target->index);
      ++in_degree[target->index];
      check_shapes(edge, edge_path, *source, *target, ports);
    }
    for (std::size_t i = 0; i < graph.nodes.size(); ++i)
      if (!named[i])
        finding("unconnected_node", graph.nodes[i].path,
                "node '" + graph.nodes[i].name + "' is named by no edge of its graph level");
    if (has_cycle(successors, in_degree)) analysis_.extract.has_cycles = true;
  }

  void check_shapes(const Edge& edge, const std::string& edge_path, const Endpoint& source, const Endpoint& target,
                    const std::vector<Ports>& ports) {
    const MaybeDims produced = source.inner ? ports_of(*source.inner).out : ports[source.index].out;
    const MaybeDims expected = target.inner ? ports_of(*target.inner).in : ports[target.index].in;
    if (produced && expected && *produced != *expected)
      finding("shape_mismatch", edge_path,
              "'" + edge.source + "' produces " + dims_to_string(*produced) + " but '" + edge.target +
                  "' expects " + dims_to_string(*expected));
  }

  // Kahn's algorithm: a cycle remains when some node never reaches in-degree 0.
  static bool has_cycle(const std::vector<std::vector<std::size_t>>& successors, std::vector<std::size_t> in_degree) {
    std::deque<std::size_t> ready;
    for (std::size_t i = 0; i < in_degree.size(); ++i)
      if (in_degree[i] == 0) ready.push_back(i);
    std::size_t removed = 0;
    while (!ready.empty()) {
      const std::size_t node = ready.front();
      ready.pop_front();
      ++removed;
      for (std::size_t next : successors[node])
        if (--in_degree[next] == 0) ready.push_back(next);
    }
    return removed != in_degree.size();
  }

  void finish() {
    auto& extract = analysis_.extract;
    extract.neuron_types.assign(neuron_types_.begin(), neuron_types_.end());
    extract.linear_ops.assign(linear_ops_.begin(), linear_ops_.end());
    extract.other_ops.assign(other_ops_.begin(), other_ops_.end());
    extract.dtypes.assign(dtypes_.begin(), dtypes_.end());
    extract.model_size_category = size_category(extract.parameter_count);
  }
};

}  // namespace

std::string size_category(std::uint64_t parameter_count) {
  if (parameter_count < 10'000) return "tiny";
  if (parameter_count < 1'000'000) return "small";
  if (parameter_count < 100'000'000) return "medium";
  return "large";
}

Analysis analyze(const Document& document) { return Analyzer().run(document); }

}  // namespace synfire::nir
