#include "synfire/nir/writer.h"

#include <hdf5.h>

#include <filesystem>

#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/reader.h"
#include "synfire/nir/samples.h"
#include "testing.h"

namespace synfire::nir {
namespace {

using synfire::testing::TempDir;

struct Probe {  // opens one dataset of a written file to look at its storage
  hid_t file, dataset;
  Probe(const std::string& path, const std::string& name)
      : file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT)), dataset(H5Dopen2(file, name.c_str(), H5P_DEFAULT)) {}
  ~Probe() {
    H5Dclose(dataset);
    H5Fclose(file);
  }
  bool gzip() const {
    hid_t dcpl = H5Dget_create_plist(dataset);
    unsigned flags = 0;
    size_t n = 0;
    const bool found = H5Pget_filter_by_id2(dcpl, H5Z_FILTER_DEFLATE, &flags, &n, nullptr, 0, nullptr, nullptr) >= 0;
    H5Pclose(dcpl);
    return found;
  }
  bool type_equals(hid_t expected) const {
    hid_t type = H5Dget_type(dataset);
    const bool same = H5Tequal(type, expected) > 0;
    H5Tclose(type);
    return same;
  }
  bool utf8_vlen_string() const {
    hid_t type = H5Dget_type(dataset);
    const bool ok = H5Tget_class(type) == H5T_STRING && H5Tis_variable_str(type) > 0 && H5Tget_cset(type) == H5T_CSET_UTF8;
    H5Tclose(type);
    return ok;
  }
};

TEST(Writer, RoundTripsEverySampleBitForBit) {
  TempDir dir;
  for (const Document& doc : {samples::lif_chain(3, 4), samples::conv_classifier(), samples::recurrent_cubalif(),
                              samples::nested(5)}) {
    write_file(doc, dir.file("m.nir"));
    const Document copy = read_file(dir.file("m.nir"));
    EXPECT_TRUE(equal(doc, copy));
    EXPECT_TRUE(analyze(copy).findings.empty()) << analyze(copy).findings.front().message;
  }
}

TEST(Writer, UsesTheReferenceLayoutAndDatatypes) {
  TempDir dir;
  write_file(samples::lif_chain(1, 3), dir.file("m.nir"));
  const std::string path = dir.file("m.nir");
  EXPECT_TRUE(Probe(path, "/version").utf8_vlen_string());
  EXPECT_TRUE(Probe(path, "/node/type").utf8_vlen_string());
  EXPECT_TRUE(Probe(path, "/node/edges").utf8_vlen_string());
  EXPECT_TRUE(Probe(path, "/node/nodes/input/shape").type_equals(H5T_STD_I64LE));
  EXPECT_TRUE(Probe(path, "/node/nodes/linear0/weight").type_equals(H5T_IEEE_F32LE));
  EXPECT_TRUE(Probe(path, "/node/nodes/linear0/weight").gzip());
  EXPECT_TRUE(Probe(path, "/node/nodes/lif0/tau").gzip());
}

TEST(Writer, WritesAnEmptyEdgeListAsTheReferenceDoes) {
  TempDir dir;
  Document doc = samples::lif_chain(0, 2);
  doc.graph.edges.clear();
  write_file(doc, dir.file("m.nir"));
  EXPECT_TRUE(Probe(dir.file("m.nir"), "/node/edges").type_equals(H5T_IEEE_F64LE));
  EXPECT_TRUE(read_file(dir.file("m.nir")).graph.edges.empty());
}

TEST(Writer, LeavesNoFileBehindWhenItFails) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("blocked"));
  Document doc = samples::lif_chain(1, 2);
  doc.graph.nodes[0].params.emplace("bad", Tensor::numeric(DType::float16, {1}, std::vector<std::byte>(2)));
  try {
    write_file(doc, dir.file("blocked/m.nir"));
    FAIL() << "writing float16 must fail";
  } catch (const Failure& failure) {
    EXPECT_EQ(failure.error().code, "write_failed");
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.file("blocked")));
}

}  // namespace
}  // namespace synfire::nir
