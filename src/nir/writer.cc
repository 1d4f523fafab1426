// Writes a Document in the layout of the NIR reference implementation (the same
// HDF5 datatypes as its files: variable-length UTF-8 strings, little-endian numbers,
// int64 shapes, (E, 2) string edges, a float64 (0,) dataset for no edges), with
// every non-empty array gzip-compressed and chunked.

#include "synfire/nir/writer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "h5.h"
#include "synfire/error.h"

namespace synfire::nir {
namespace {

constexpr std::uint64_t kMaxChunkBytes = 1 << 20;
constexpr unsigned kGzipLevel = 4;

[[noreturn]] void fail(const std::string& what, const std::string& path) {
  throw Failure("write_failed", what + ": " + h5::take_error_message(), path);
}

std::string join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

hid_t file_type(DType dtype) {
  switch (dtype) {
    case DType::int8: return H5T_STD_I8LE;
    case DType::int16: return H5T_STD_I16LE;
    case DType::int32: return H5T_STD_I32LE;
    case DType::int64: return H5T_STD_I64LE;
    case DType::uint8: return H5T_STD_U8LE;
    case DType::uint16: return H5T_STD_U16LE;
    case DType::uint32: return H5T_STD_U32LE;
    case DType::uint64: return H5T_STD_U64LE;
    case DType::float32: return H5T_IEEE_F32LE;
    case DType::float64: return H5T_IEEE_F64LE;
    default: return H5I_INVALID_HID;
  }
}

hid_t memory_type(DType dtype) {
  switch (dtype) {
    case DType::int8: return H5T_NATIVE_INT8;
    case DType::int16: return H5T_NATIVE_INT16;
    case DType::int32: return H5T_NATIVE_INT32;
    case DType::int64: return H5T_NATIVE_INT64;
    case DType::uint8: return H5T_NATIVE_UINT8;
    case DType::uint16: return H5T_NATIVE_UINT16;
    case DType::uint32: return H5T_NATIVE_UINT32;
    case DType::uint64: return H5T_NATIVE_UINT64;
    case DType::float32: return H5T_NATIVE_FLOAT;
    case DType::float64: return H5T_NATIVE_DOUBLE;
    default: return H5I_INVALID_HID;
  }
}

h5::Handle make_space(const Shape& shape) {
  if (shape.empty()) return h5::dataspace(H5Screate(H5S_SCALAR));
  std::vector<hsize_t> dims(shape.begin(), shape.end());
  return h5::dataspace(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
}

h5::Handle utf8_string_type() {
  h5::Handle type = h5::datatype(H5Tcopy(H5T_C_S1));
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

// Chunk dims for an array: the whole array when small, else halve the largest dim.
std::vector<hsize_t> chunk_dims(const Shape& shape, std::size_t element_size) {
  std::vector<hsize_t> chunk(shape.begin(), shape.end());
  auto bytes = [&] {
    std::uint64_t total = element_size;
    for (auto d : chunk) total *= d;
    return total;
  };
  while (bytes() > kMaxChunkBytes) {
    auto largest = std::max_element(chunk.begin(), chunk.end());
    if (*largest <= 1) break;
    *largest = (*largest + 1) / 2;
  }
  return chunk;
}

void write_strings(hid_t parent, const std::string& name, const Shape& shape,
                   const std::vector<std::string>& values, const std::string& path) {
  h5::Handle type = utf8_string_type();
  h5::Handle space = make_space(shape);
  h5::Handle dataset = h5::dataset(
      H5Dcreate2(parent, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!dataset) fail("cannot create the dataset", path);
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  if (!pointers.empty() &&
      H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()) < 0)
    fail("cannot write the strings", path);
}

void write_tensor(hid_t parent, const std::string& name, const Tensor& tensor, const std::string& path) {
  if (tensor.is_string()) return write_strings(parent, name, tensor.shape(), tensor.strings(), path);
  const hid_t type = file_type(tensor.dtype());
  if (type == H5I_INVALID_HID)
    throw Failure("write_failed", "cannot write " + std::string(dtype_name(tensor.dtype())) + " data", path);
  h5::Handle space = make_space(tensor.shape());
  h5::Handle dcpl = h5::plist(H5Pcreate(H5P_DATASET_CREATE));
  if (!tensor.is_scalar() && tensor.size() > 0) {
    const auto chunk = chunk_dims(tensor.shape(), dtype_size(tensor.dtype()));
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(dcpl.get(), kGzipLevel);
  }
  h5::Handle dataset = h5::dataset(
      H5Dcreate2(parent, name.c_str(), type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT));
  if (!dataset) fail("cannot create the dataset", path);
  const auto& bytes = tensor.bytes();
  if (tensor.size() > 0 &&
      H5Dwrite(dataset.get(), memory_type(tensor.dtype()), H5S_ALL, H5S_ALL, H5P_DEFAULT, bytes.data()) < 0)
    fail("cannot write the data", path);
}

h5::Handle create_group(hid_t parent, const std::string& name, const std::string& path) {
  h5::Handle group = h5::group(H5Gcreate2(parent, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
  if (!group) fail("cannot create the group", path);
  return group;
}

void write_scalar_string(hid_t parent, const std::string& name, const std::string& value, const std::string& path) {
  write_strings(parent, name, {}, {value}, path);
}

void write_metadata(hid_t parent, const std::string& name, const Metadata& metadata, const std::string& path) {
  h5::Handle group = create_group(parent, name, path);
  for (const auto& entry : metadata.entries) {
    const std::string entry_path = join(path, entry.name);
    if (entry.value)
      write_tensor(group.get(), entry.name, *entry.value, entry_path);
    else
      write_metadata(group.get(), entry.name, entry.group, entry_path);
  }
}

void write_graph(hid_t group, const Graph& graph, const std::string& path);

void write_node(hid_t nodes, const Node& node, const std::string& path) {
  h5::Handle group = create_group(nodes, node.name, path);
  write_scalar_string(group.get(), "type", std::string(name_of(node.primitive)), join(path, "type"));
  if (node.subgraph) return write_graph(group.get(), *node.subgraph, path);
  for (const auto& [key, tensor] : node.params) write_tensor(group.get(), key, tensor, join(path, key));
  if (node.metadata) write_metadata(group.get(), "metadata", *node.metadata, join(path, "metadata"));
  for (const auto& entry : node.extra_groups.entries)
    write_metadata(group.get(), entry.name, entry.group, join(path, entry.name));
}

void write_edges(hid_t group, const std::vector<Edge>& edges, const std::string& path) {
  if (edges.empty()) {  // the reference writer's empty edge list
    write_tensor(group, "edges", Tensor::numeric(DType::float64, {0}, {}), path);
    return;
  }
  std::vector<std::string> values;
  values.reserve(edges.size() * 2);
  for (const auto& edge : edges) {
    values.push_back(edge.source);
    values.push_back(edge.target);
  }
  write_strings(group, "edges", {edges.size(), 2}, values, path);
}

void write_graph(hid_t group, const Graph& graph, const std::string& path) {
  write_edges(group, graph.edges, join(path, "edges"));
  h5::Handle nodes = create_group(group, "nodes", join(path, "nodes"));
  for (const auto& node : graph.nodes) write_node(nodes.get(), node, join(join(path, "nodes"), node.name));
  if (graph.metadata) write_metadata(group, "metadata", *graph.metadata, join(path, "metadata"));
}

void write_document(const Document& document, const std::string& path) {
  h5::silence_errors();
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  // The HDF5 1.8 file format: compact link storage and indexed large groups, far
  // smaller and faster for graphs of many nodes; every h5py/NIR release reads it.
  H5Pset_libver_bounds(fapl.get(), H5F_LIBVER_V110, H5F_LIBVER_LATEST);
  h5::Handle file = h5::file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()));
  if (!file) fail("cannot create the file", path);
  write_scalar_string(file.get(), "version", kWriterNirVersion, "/version");
  h5::Handle node = create_group(file.get(), "node", "/node");
  write_scalar_string(node.get(), "type", "NIRGraph", "/node/type");
  write_graph(node.get(), document.graph, "/node");
  node.reset();
  if (H5Fflush(file.get(), H5F_SCOPE_GLOBAL) < 0) fail("cannot flush the file", path);
}

}  // namespace

void write_file(const Document& document, const std::string& path) {
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  try {
    write_document(document, temporary);
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) throw Failure("write_failed", "cannot move the written file into place: " + error.message(), path);
  } catch (...) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    throw;
  }
}

}  // namespace synfire::nir
