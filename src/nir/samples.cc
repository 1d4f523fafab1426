#include "synfire/nir/samples.h"

#include <algorithm>
#include <cstring>
#include <random>

namespace synfire::nir::samples {
namespace {

Node node(const std::string& name, Primitive primitive, std::map<std::string, Tensor> params) {
  Node n;
  n.name = name;
  n.primitive = primitive;
  n.params = std::move(params);
  return n;
}

Node lif(const std::string& name, std::uint64_t width) {
  return node(name, Primitive::LIF,
              {{"tau", filled_tensor({width}, 0.02)},
               {"r", filled_tensor({width}, 1.0)},
               {"v_leak", filled_tensor({width}, 0.0)},
               {"v_threshold", filled_tensor({width}, 1.0)},
               {"v_reset", filled_tensor({width}, 0.0)}});
}

void finish(Graph& graph, const std::string& path) {
  std::sort(graph.nodes.begin(), graph.nodes.end(), [](const Node& a, const Node& b) { return a.name < b.name; });
  graph.path = path;
  for (auto& n : graph.nodes) {
    n.path = path + "/nodes/" + n.name;
    if (n.subgraph) finish(*n.subgraph, n.path);
  }
}

Document document(Graph graph) {
  finish(graph, "/node");
  Document doc;
  doc.version = "1.0.7";
  doc.graph = std::move(graph);
  return doc;
}

}  // namespace

Tensor random_tensor(DType dtype, Shape shape, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  const std::uint64_t count = element_count(shape);
  std::vector<std::byte> bytes(count * dtype_size(dtype));
  for (std::uint64_t i = 0; i < count; ++i) {
    if (dtype == DType::float64) {
      const double v = uniform(rng);
      std::memcpy(bytes.data() + i * 8, &v, 8);
    } else {
      const float v = uniform(rng);
      std::memcpy(bytes.data() + i * 4, &v, 4);
    }
  }
  return Tensor::numeric(dtype == DType::float64 ? DType::float64 : DType::float32, std::move(shape), std::move(bytes));
}

Tensor filled_tensor(Shape shape, double value) {
  return Tensor::from_doubles(DType::float32, shape, std::vector<double>(element_count(shape), value));
}

Node io_node(const std::string& name, Primitive io, const std::vector<std::int64_t>& shape) {
  return node(name, io, {{"shape", Tensor::from_int64(shape)}});
}

Document lif_chain(int layers, int width, std::uint32_t seed) {
  Graph graph;
  const auto w = static_cast<std::uint64_t>(width);
  graph.nodes.push_back(io_node("input", Primitive::Input, {width}));
  graph.nodes.push_back(io_node("output", Primitive::Output, {width}));
  std::string previous = "input";
  for (int i = 0; i < layers; ++i) {
    const std::string linear = "linear" + std::to_string(i), neuron = "lif" + std::to_string(i);
    graph.nodes.push_back(node(linear, Primitive::Linear, {{"weight", random_tensor(DType::float32, {w, w}, seed + i)}}));
    graph.nodes.push_back(lif(neuron, w));
    graph.edges.push_back({previous, linear});
    graph.edges.push_back({linear, neuron});
    previous = neuron;
  }
  graph.edges.push_back({previous, "output"});
  return document(std::move(graph));
}

Document conv_classifier(std::uint32_t seed) {
  Graph g;
  g.nodes.push_back(io_node("input", Primitive::Input, {1, 16, 16}));
  g.nodes.push_back(node("conv", Primitive::Conv2d,
                         {{"weight", random_tensor(DType::float32, {8, 1, 3, 3}, seed)},
                          {"bias", random_tensor(DType::float32, {8}, seed + 1)},
                          {"stride", Tensor::from_int64({1, 1})},
                          {"padding", Tensor::from_int64({1, 1})},
                          {"dilation", Tensor::from_int64({1, 1})},
                          {"groups", Tensor::from_int64({1}, true)},
                          {"input_shape", Tensor::from_int64({16, 16})}}));
  g.nodes.push_back(node("spike1", Primitive::IF,
                         {{"r", filled_tensor({8, 16, 16}, 1.0)},
                          {"v_threshold", filled_tensor({8, 16, 16}, 1.0)},
                          {"v_reset", filled_tensor({8, 16, 16}, 0.0)}}));
  g.nodes.push_back(node("pool", Primitive::SumPool2d,
                         {{"kernel_size", Tensor::from_int64({2, 2})},
                          {"stride", Tensor::from_int64({2, 2})},
                          {"padding", Tensor::from_int64({0, 0})}}));
  g.nodes.push_back(node("flatten", Primitive::Flatten,
                         {{"start_dim", Tensor::from_int64({0}, true)},
                          {"end_dim", Tensor::from_int64({-1}, true)},
                          {"input_type", Tensor::from_int64({8, 8, 8})}}));
  g.nodes.push_back(node("fc", Primitive::Affine,
                         {{"weight", random_tensor(DType::float32, {10, 512}, seed + 2)},
                          {"bias", random_tensor(DType::float32, {10}, seed + 3)}}));
  g.nodes.push_back(lif("spike2", 10));
  g.nodes.push_back(io_node("output", Primitive::Output, {10}));
  g.edges = {{"input", "conv"}, {"conv", "spike1"}, {"spike1", "pool"}, {"pool", "flatten"},
             {"flatten", "fc"}, {"fc", "spike2"}, {"spike2", "output"}};
  return document(std::move(g));
}

Document recurrent_cubalif(std::uint32_t seed) {
  auto rnn = std::make_unique<Graph>();
  rnn->nodes.push_back(io_node("input", Primitive::Input, {8}));
  rnn->nodes.push_back(node("cell", Primitive::CubaLIF,
                            {{"tau_syn", filled_tensor({8}, 0.005)},
                             {"tau_mem", filled_tensor({8}, 0.02)},
                             {"r", filled_tensor({8}, 1.0)},
                             {"v_leak", filled_tensor({8}, 0.0)},
                             {"v_threshold", filled_tensor({8}, 1.0)},
                             {"v_reset", filled_tensor({8}, 0.0)},
                             {"w_in", filled_tensor({8}, 1.0)}}));
  rnn->nodes.push_back(node("recurrent", Primitive::Linear, {{"weight", random_tensor(DType::float32, {8, 8}, seed)}}));
  rnn->nodes.push_back(io_node("output", Primitive::Output, {8}));
  rnn->edges = {{"input", "cell"}, {"cell", "recurrent"}, {"recurrent", "cell"}, {"cell", "output"}};

  Graph g;
  g.nodes.push_back(io_node("input", Primitive::Input, {4}));
  g.nodes.push_back(node("encoder", Primitive::Affine,
                         {{"weight", random_tensor(DType::float32, {8, 4}, seed + 1)},
                          {"bias", random_tensor(DType::float32, {8}, seed + 2)}}));
  Node sub = node("rnn", Primitive::NIRGraph, {});
  sub.subgraph = std::move(rnn);
  g.nodes.push_back(std::move(sub));
  g.nodes.push_back(node("readout", Primitive::Linear, {{"weight", random_tensor(DType::float32, {2, 8}, seed + 3)}}));
  g.nodes.push_back(io_node("output", Primitive::Output, {2}));
  g.edges = {{"input", "encoder"}, {"encoder", "rnn"}, {"rnn", "readout"}, {"readout", "output"}};
  return document(std::move(g));
}

Document single_linear(std::uint64_t rows, std::uint64_t cols, std::uint32_t seed) {
  Graph g;
  g.nodes.push_back(io_node("input", Primitive::Input, {static_cast<std::int64_t>(cols)}));
  g.nodes.push_back(node("linear", Primitive::Linear, {{"weight", random_tensor(DType::float32, {rows, cols}, seed)}}));
  g.nodes.push_back(io_node("output", Primitive::Output, {static_cast<std::int64_t>(rows)}));
  g.edges = {{"input", "linear"}, {"linear", "output"}};
  return document(std::move(g));
}

Document nested(int depth) {
  Graph inner;
  inner.nodes.push_back(io_node("input", Primitive::Input, {2}));
  inner.nodes.push_back(lif("lif", 2));
  inner.nodes.push_back(io_node("output", Primitive::Output, {2}));
  inner.edges = {{"input", "lif"}, {"lif", "output"}};
  for (int level = depth - 1; level >= 1; --level) {
    Graph outer;
    outer.nodes.push_back(io_node("input", Primitive::Input, {2}));
    Node sub = node("sub", Primitive::NIRGraph, {});
    sub.subgraph = std::make_unique<Graph>(std::move(inner));
    outer.nodes.push_back(std::move(sub));
    outer.nodes.push_back(io_node("output", Primitive::Output, {2}));
    outer.edges = {{"input", "sub"}, {"sub", "output"}};
    inner = std::move(outer);
  }
  return document(std::move(inner));
}

}  // namespace synfire::nir::samples
