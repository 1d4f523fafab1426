#include "synfire/nir/analysis.h"

#include <algorithm>

#include "synfire/nir/samples.h"
#include "testing.h"

namespace synfire::nir {
namespace {

std::vector<std::string> codes(const Analysis& a) {
  std::vector<std::string> out;
  for (const auto& f : a.findings) out.push_back(f.code);
  std::sort(out.begin(), out.end());
  return out;
}

Node& node_named(Document& doc, const std::string& name) {
  for (auto& n : doc.graph.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

TEST(Analysis, ExtractsTheConvClassifier) {
  const Analysis a = analyze(samples::conv_classifier());
  EXPECT_TRUE(a.findings.empty()) << a.findings.front().message;
  EXPECT_EQ(a.extract.node_count, 8u);
  EXPECT_EQ(a.extract.linear_ops, (std::vector<std::string>{"Affine", "Conv2d"}));
  EXPECT_EQ(a.extract.other_ops, (std::vector<std::string>{"Flatten", "SumPool2d"}));
  EXPECT_EQ(a.extract.neuron_types, (std::vector<std::string>{"IF", "LIF"}));
  EXPECT_EQ(a.extract.parameter_count, 72u + 8u + 3u * 2048u + 5130u + 50u);
  EXPECT_EQ(a.extract.model_size_category, "small");
}

TEST(Analysis, FindsAShapeMismatchNamingBothShapes) {
  Document doc = samples::lif_chain(1, 3);
  node_named(doc, "output").params["shape"] = Tensor::from_int64({1, 3});
  const Analysis a = analyze(doc);
  ASSERT_EQ(codes(a), std::vector<std::string>{"shape_mismatch"});
  EXPECT_NE(a.findings[0].message.find("[3]"), std::string::npos);
  EXPECT_NE(a.findings[0].message.find("[1, 3]"), std::string::npos);
}

TEST(Analysis, ComputesConvOutputWithStrideAndValidPadding) {
  Document doc = samples::conv_classifier();
  Node& conv = node_named(doc, "conv");
  conv.params["stride"] = Tensor::from_int64({2, 2});
  conv.params["padding"] = Tensor::text({}, {"valid"});
  // (16 - 2 - 1) / 2 + 1 = 7: the IF node (8,16,16) now disagrees.
  const Analysis a = analyze(doc);
  ASSERT_EQ(codes(a), std::vector<std::string>{"shape_mismatch"});
  EXPECT_NE(a.findings[0].message.find("[8, 7, 7]"), std::string::npos);
}

TEST(Analysis, FindsDanglingEdgesUnconnectedNodesAndCycles) {
  Document doc = samples::lif_chain(2, 2);
  doc.graph.edges.push_back({"lif1", "linear0"});  // a cycle
  doc.graph.edges.push_back({"ghost", "nowhere"});
  const Analysis a = analyze(doc);
  EXPECT_TRUE(a.extract.has_cycles);
  EXPECT_EQ(codes(a), std::vector<std::string>{"dangling_edge"});
  EXPECT_EQ(a.extract.edge_count, 7u);

  Document lonely = samples::lif_chain(1, 2);
  lonely.graph.edges.clear();
  EXPECT_EQ(codes(analyze(lonely)), std::vector<std::string>(4, "unconnected_node"));
}

TEST(Analysis, ResolvesDottedEndpointsIntoSubgraphs) {
  Document doc = samples::recurrent_cubalif();
  doc.graph.edges = {{"input", "encoder"}, {"encoder", "rnn.input"}, {"rnn.output", "readout"}, {"readout", "output"}};
  const Analysis a = analyze(doc);
  EXPECT_TRUE(a.findings.empty()) << a.findings.front().message;
  EXPECT_TRUE(a.extract.has_cycles);
  EXPECT_EQ(a.extract.max_depth, 2);
}

TEST(Analysis, SizeCategoriesChangeAtTheirBoundaries) {
  EXPECT_EQ(size_category(9'999), "tiny");
  EXPECT_EQ(size_category(10'000), "small");
  EXPECT_EQ(size_category(999'999), "small");
  EXPECT_EQ(size_category(1'000'000), "medium");
  EXPECT_EQ(size_category(99'999'999), "medium");
  EXPECT_EQ(size_category(100'000'000), "large");
}

TEST(Analysis, ReportsMissingInputAndOutputPerLevel) {
  Document doc = samples::recurrent_cubalif();
  auto& sub = *node_named(doc, "rnn").subgraph;
  sub.nodes.erase(std::remove_if(sub.nodes.begin(), sub.nodes.end(), [](const Node& n) { return n.name == "output"; }),
                  sub.nodes.end());
  sub.edges.pop_back();
  EXPECT_EQ(codes(analyze(doc)), std::vector<std::string>{"no_output"});
}

}  // namespace
}  // namespace synfire::nir
