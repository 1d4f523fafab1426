#include "synfire/nir/reader.h"

#include <fstream>

#include "nir_files.h"
#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/samples.h"
#include "synfire/nir/writer.h"
#include "testing.h"

namespace synfire::nir {
namespace {

using synfire::testing::TempDir;

Error error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Failure& failure) {
    return failure.error();
  }
  return {"no error", "", "", {}};
}

std::string error_code_of(const std::function<void()>& action) { return error_of(action).code; }

TEST(Reader, LeavesParameterDataUnreadUntilAsked) {
  TempDir dir;
  const Document written = samples::single_linear(300, 200);
  write_file(written, dir.file("m.nir"));
  const Document read = read_file(dir.file("m.nir"));
  const Tensor& weight = *read.graph.find("linear")->param("weight");
  EXPECT_FALSE(weight.is_loaded());
  EXPECT_EQ(weight.shape(), (Shape{300, 200}));
  EXPECT_EQ(weight.bytes(), written.graph.find("linear")->param("weight")->bytes());
  EXPECT_TRUE(weight.is_loaded());
}

TEST(Reader, ReadsAFileImageFromMemory) {
  TempDir dir;
  write_file(samples::recurrent_cubalif(), dir.file("m.nir"));
  const std::string bytes = synfire::testing::read_text(dir.file("m.nir"));
  Document from_memory = read_memory(std::as_bytes(std::span(bytes.data(), bytes.size())));
  EXPECT_TRUE(equal(from_memory, read_file(dir.file("m.nir"))));
}

TEST(Reader, ReadsDepth64AndRefusesDepth65) {
  TempDir dir;
  write_file(samples::nested(64), dir.file("64.nir"));
  write_file(samples::nested(65), dir.file("65.nir"));
  EXPECT_EQ(analyze(read_file(dir.file("64.nir"))).extract.max_depth, 64);
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("65.nir")); }), "too_deep");
}

// Subgraphs are read before their siblings (a file nested too deep fails early); the
// nodes still come out in the file's (name) order.
TEST(Reader, KeepsTheNodeOrderWhileReadingSubgraphsFirst) {
  TempDir dir;
  write_file(samples::recurrent_cubalif(), dir.file("m.nir"));
  const Document read = read_file(dir.file("m.nir"));
  std::vector<std::string> names;
  for (const Node& node : read.graph.nodes) names.push_back(node.name);
  EXPECT_EQ(names, (std::vector<std::string>{"encoder", "input", "output", "readout", "rnn"}));
  ASSERT_TRUE(read.graph.find("rnn")->subgraph);
  EXPECT_EQ(read.graph.find("rnn")->subgraph->nodes.size(), 4u);
}

TEST(Reader, AllowsADatasetOfExactlyTheLimitAndRefusesOneByteLess) {
  TempDir dir;
  write_file(samples::single_linear(10, 10), dir.file("m.nir"));  // 400-byte weight
  ReadOptions exact;
  exact.max_dataset_bytes = 400;
  EXPECT_NO_THROW(read_file(dir.file("m.nir"), exact));
  ReadOptions under = exact;
  under.max_dataset_bytes = 399;
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("m.nir"), under); }), "too_large");
}

TEST(Reader, NamesTheMissingFile) {
  const Error error = error_of([] { read_file("/nonexistent/model.nir"); });
  EXPECT_EQ(error.code, "not_found");
  EXPECT_EQ(error.where, "/nonexistent/model.nir");
}

TEST(Reader, RefusesFilesThatAreNotHdf5) {
  TempDir dir;
  std::ofstream(dir.file("text.nir")) << "this is not HDF5\n";
  std::ofstream(dir.file("empty.nir")).close();
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("text.nir")); }), "not_hdf5");
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("empty.nir")); }), "not_hdf5");
  EXPECT_EQ(error_code_of([&] { read_memory({}); }), "not_hdf5");
}

TEST(Reader, RefusesASoftLinkAndNamesIt) {
  TempDir dir;
  testing::write_and_edit(samples::lif_chain(1, 2), dir.file("m.nir"), [](hid_t file) {
    H5Lcreate_soft("/node/nodes/lif0/tau", file, "/node/nodes/lif0/alias", H5P_DEFAULT, H5P_DEFAULT);
  });
  const Error error = error_of([&] { read_file(dir.file("m.nir")); });
  EXPECT_EQ(error.code, "unsafe_file");
  EXPECT_EQ(error.where, "/node/nodes/lif0/alias");
}

TEST(Reader, RefusesAHardLinkCycleAndASharedGroup) {
  TempDir dir;
  testing::write_and_edit(samples::nested(3), dir.file("cycle.nir"), [](hid_t file) {
    H5Lcreate_hard(file, "/node/nodes/sub", file, "/node/nodes/sub/nodes/again", H5P_DEFAULT, H5P_DEFAULT);
  });
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("cycle.nir")); }), "unsafe_file");
  testing::write_and_edit(samples::lif_chain(1, 2), dir.file("shared.nir"), [](hid_t file) {
    H5Lcreate_hard(file, "/node/nodes/lif0", file, "/node/nodes/zlif", H5P_DEFAULT, H5P_DEFAULT);
  });
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("shared.nir")); }), "unsafe_file");
}

TEST(Reader, RefusesAnExternalLinkOutsideTheGraphToo) {
  TempDir dir;
  testing::write_and_edit(samples::lif_chain(1, 2), dir.file("m.nir"), [](hid_t file) {
    hid_t group = H5Gcreate2(file, "/extra", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    H5Lcreate_external("/etc/passwd", "/x", group, "link", H5P_DEFAULT, H5P_DEFAULT);
    H5Gclose(group);
  });
  EXPECT_EQ(error_code_of([&] { read_file(dir.file("m.nir")); }), "unsafe_file");
}

TEST(Reader, ReadsALegacyNeuronWithoutVResetAsZeros) {
  TempDir dir;
  testing::write_and_edit(samples::lif_chain(1, 3), dir.file("m.nir"), [](hid_t file) {
    H5Ldelete(file, "/node/nodes/lif0/v_reset", H5P_DEFAULT);
  });
  const Document doc = read_file(dir.file("m.nir"));
  const Node& lif = *doc.graph.find("lif0");
  EXPECT_TRUE(lif.legacy_missing_v_reset);
  EXPECT_EQ(lif.param("v_reset")->as_double(), (std::vector<double>{0, 0, 0}));
  const Analysis analysis = analyze(doc);
  ASSERT_EQ(analysis.findings.size(), 1u);
  EXPECT_EQ(analysis.findings[0].code, "legacy_missing_v_reset");
  EXPECT_EQ(analysis.extract.parameter_count, 9u + 5u * 3u);
}

TEST(Reader, NamesTheMissingParameter) {
  TempDir dir;
  testing::write_and_edit(samples::lif_chain(1, 3), dir.file("m.nir"), [](hid_t file) {
    H5Ldelete(file, "/node/nodes/lif0/tau", H5P_DEFAULT);
  });
  const Error error = error_of([&] { read_file(dir.file("m.nir")); });
  EXPECT_EQ(error.code, "missing_parameter");
  EXPECT_EQ(error.where, "/node/nodes/lif0/tau");
}

}  // namespace
}  // namespace synfire::nir
