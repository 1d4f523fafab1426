// Reads NIR files per spec/nir-format.md. One pass over the HDF5 tree: every link is
// checked to be a hard link and every group to be visited once before anything
// below it is opened; every dataset's declared size is checked before any of it is
// read; parameter data is left in the file behind a lazy loader.

#include "synfire/nir/reader.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>

#include "h5.h"
#include "synfire/error.h"

namespace synfire::nir {
namespace {

// Elements a structural dataset (shape, stride ...) may hold; it is read eagerly.
constexpr std::uint64_t kMaxStructuralElements = 4096;
// Graphs of up to this many nodes have their subgraphs read first.
constexpr std::size_t kSubgraphsFirstNodes = 256;

[[noreturn]] void fail(const std::string& code, const std::string& message, const std::string& path) {
  throw Failure(code, message, path);
}

std::string join(const std::string& parent, const std::string& name) {
  return parent == "/" ? "/" + name : parent + "/" + name;
}

// Keeps the HDF5 file (and, for memory images, nothing else) open while any lazy
// tensor of a document may still need it.
struct OpenFile {
  h5::Handle file;
};

struct DatasetInfo {
  std::optional<DType> dtype;  // unset: a type Synfire does not model
  Shape shape;
  std::uint64_t declared_bytes = 0;
};

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
    case DType::float16: return H5T_IEEE_F32LE;  // unreachable: float16 is read as raw
    case DType::float32: return H5T_NATIVE_FLOAT;
    case DType::float64: return H5T_NATIVE_DOUBLE;
    case DType::string: break;
  }
  return H5I_INVALID_HID;
}

std::optional<DType> dtype_of(hid_t type) {
  const std::size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      switch (size) {
        case 1: return is_signed ? DType::int8 : DType::uint8;
        case 2: return is_signed ? DType::int16 : DType::uint16;
        case 4: return is_signed ? DType::int32 : DType::uint32;
        case 8: return is_signed ? DType::int64 : DType::uint64;
        default: return std::nullopt;
      }
    }
    case H5T_FLOAT:
      if (size == 4) return DType::float32;
      if (size == 8) return DType::float64;
      return std::nullopt;
    case H5T_STRING:
      return DType::string;
    default:
      return std::nullopt;
  }
}

// Transfers with a small type-conversion buffer: HDF5's default (1 MiB, zeroed for
// variable-length strings) is allocated on every read and dominates small reads.
const h5::Handle& small_transfer_buffer() {
  static const h5::Handle dxpl = [] {
    h5::Handle plist = h5::plist(H5Pcreate(H5P_DATASET_XFER));
    H5Pset_buffer(plist.get(), 64 * 1024, nullptr, nullptr);
    return plist;
  }();
  return dxpl;
}

class Reader {
 public:
  Reader(std::shared_ptr<OpenFile> file, const ReadOptions& options)
      : file_(std::move(file)), options_(options) {}

  Document read() {
    Document document;
    const hid_t root = file_->file.get();
    std::vector<h5::Child> children = list_safe_children(root, "/");
    if (H5Oget_info_by_name2(root, "/", &root_info_, H5O_INFO_BASIC, H5P_DEFAULT) >= 0)
      visited_.insert(root_info_.addr);

    const h5::Child* node = nullptr;
    for (const auto& child : children) {
      if (child.name == "version" && child.object_type == H5O_TYPE_DATASET) {
        document.version = read_scalar_string(child.object->get(), "/version");
      } else if (child.name == "node" && child.object_type == H5O_TYPE_GROUP) {
        node = &child;
      } else if (child.object_type == H5O_TYPE_GROUP) {
        check_tree_safety(child, join("/", child.name));
      } else if (child.object_type == H5O_TYPE_DATASET) {
        inspect_dataset(child.object->get(), join("/", child.name));
      }
    }
    if (!node) fail("not_nir", "the file has no /node group, so it holds no NIR graph", "/node");
    mark_visited(*node, "/node");
    const hid_t group = node->object->get();
    std::vector<h5::Child> node_children = list_safe_children(group, "/node");
    const std::string type = read_type(node_children, "/node");
    if (type != "NIRGraph")
      fail("not_nir", "the top-level /node must have type \"NIRGraph\", not \"" + type + "\"", "/node/type");
    document.graph = read_graph(node_children, "/node", 1);
    return document;
  }

 private:
  std::shared_ptr<OpenFile> file_;
  ReadOptions options_;
  std::set<haddr_t> visited_;
  H5O_info_t root_info_{};

  // ---- safety -------------------------------------------------------------

  // Lists a group's links, refusing any that is not a hard link, and opens each
  // child unless `open` is false (large "nodes" groups are opened one at a time).
  std::vector<h5::Child> list_safe_children(hid_t group, const std::string& path, bool open = true) {
    std::vector<h5::Child> children;
    if (!h5::list_children(group, children))
      fail("not_hdf5", "cannot list the group: " + h5::take_error_message(), path);
    for (const auto& child : children) {
      const std::string child_path = join(path, child.name);
      switch (child.link_type) {
        case H5L_TYPE_HARD: break;
        case H5L_TYPE_SOFT:
          fail("unsafe_file", "soft links are not allowed in a NIR file", child_path);
        case H5L_TYPE_EXTERNAL:
          fail("unsafe_file", "external links (to another file) are not allowed in a NIR file", child_path);
        default:
          fail("unsafe_file", "user-defined links are not allowed in a NIR file", child_path);
      }
    }
    if (open)
      for (auto& child : children) open_or_fail(group, child, join(path, child.name));
    return children;
  }

  static void open_or_fail(hid_t loc, h5::Child& child, const std::string& path) {
    if (!h5::open_child(loc, child)) fail("not_hdf5", "cannot open the object: " + h5::take_error_message(), path);
  }

  void mark_visited(const h5::Child& group, const std::string& path) {
    if (!visited_.insert(group.address).second)
      fail("unsafe_file", "this group is reachable by more than one path (a hard-link cycle or a shared group)", path);
  }

  // Walks a group the graph does not use: links and dataset storage are still checked.
  void check_tree_safety(const h5::Child& child, const std::string& path) {
    mark_visited(child, path);
    for (const auto& grandchild : list_safe_children(child.object->get(), path)) {
      const std::string grandchild_path = join(path, grandchild.name);
      if (grandchild.object_type == H5O_TYPE_GROUP)
        check_tree_safety(grandchild, grandchild_path);
      else if (grandchild.object_type == H5O_TYPE_DATASET)
        inspect_dataset(grandchild.object->get(), grandchild_path);
    }
  }

  // Type, shape and declared size of a dataset, refusing unsafe storage and sizes
  // over the limit before anything is read.
  DatasetInfo inspect_dataset(hid_t dataset, const std::string& path) {
    h5::Handle dcpl = h5::plist(H5Dget_create_plist(dataset));
    if (!dcpl) fail("not_hdf5", "cannot read the dataset's storage: " + h5::take_error_message(), path);
    const H5D_layout_t layout = H5Pget_layout(dcpl.get());
    if (layout == H5D_VIRTUAL)
      fail("unsafe_file", "virtual datasets (data from other files) are not allowed in a NIR file", path);
    if (H5Pget_external_count(dcpl.get()) != 0)
      fail("unsafe_file", "external raw storage (data in another file) is not allowed in a NIR file", path);

    h5::Handle type = h5::datatype(H5Dget_type(dataset));
    h5::Handle space = h5::dataspace(H5Dget_space(dataset));
    if (!type || !space) fail("not_hdf5", "cannot read the dataset's type: " + h5::take_error_message(), path);

    DatasetInfo info;
    info.dtype = dtype_of(type.get());
    const H5S_class_t space_class = H5Sget_simple_extent_type(space.get());
    if (space_class == H5S_NULL) {
      info.shape = {0};
    } else {
      const int rank = H5Sget_simple_extent_ndims(space.get());
      if (rank < 0) fail("not_hdf5", "cannot read the dataset's shape: " + h5::take_error_message(), path);
      std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
      if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
      info.shape.assign(dims.begin(), dims.end());
    }
    std::uint64_t bytes = H5Tget_size(type.get());
    for (auto dim : info.shape) {
      if (dim != 0 && bytes > options_.max_dataset_bytes / dim) {
        bytes = options_.max_dataset_bytes + 1;  // saturate: already over the limit
        break;
      }
      bytes *= dim;
    }
    if (element_count(info.shape) == 0) bytes = 0;
    info.declared_bytes = bytes;
    if (bytes > options_.max_dataset_bytes)
      fail("too_large",
           "the dataset declares " + shape_to_string(info.shape) + " elements, over the limit of " +
               std::to_string(options_.max_dataset_bytes) + " bytes per dataset",
           path);
    return info;
  }

  // ---- data ---------------------------------------------------------------

  std::vector<std::string> read_strings(hid_t dataset, const DatasetInfo& info, const std::string& path) {
    h5::Handle file_type = h5::datatype(H5Dget_type(dataset));
    const std::size_t count = element_count(info.shape);
    std::vector<std::string> values;
    values.reserve(count);
    if (count == 0) return values;
    h5::Handle memtype = h5::datatype(H5Tcopy(H5T_C_S1));
    H5Tset_cset(memtype.get(), H5Tget_cset(file_type.get()));
    if (H5Tis_variable_str(file_type.get()) > 0) {
      H5Tset_size(memtype.get(), H5T_VARIABLE);
      std::vector<char*> pointers(count, nullptr);
      const herr_t status =
          H5Dread(dataset, memtype.get(), H5S_ALL, H5S_ALL, small_transfer_buffer().get(), pointers.data());
      std::string error = status < 0 ? h5::take_error_message() : "";
      if (status >= 0)
        for (char* p : pointers) values.emplace_back(p ? p : "");
      // A failed read may have filled some strings already: free them either way.
      h5::Handle space = h5::dataspace(H5Dget_space(dataset));
      H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, pointers.data());
      if (status < 0) fail("not_hdf5", "cannot read the strings: " + error, path);
    } else {
      const std::size_t width = H5Tget_size(file_type.get());
      H5Tset_size(memtype.get(), width);
      H5Tset_strpad(memtype.get(), H5T_STR_NULLPAD);
      std::vector<char> buffer(count * width);
      if (H5Dread(dataset, memtype.get(), H5S_ALL, H5S_ALL, small_transfer_buffer().get(), buffer.data()) < 0)
        fail("not_hdf5", "cannot read the strings: " + h5::take_error_message(), path);
      const bool space_padded = H5Tget_strpad(file_type.get()) == H5T_STR_SPACEPAD;
      for (std::size_t i = 0; i < count; ++i) {
        std::string value(buffer.data() + i * width, width);
        value.resize(std::min(value.find('\0'), value.size()));
        if (space_padded) value.erase(value.find_last_not_of(' ') + 1);
        values.push_back(std::move(value));
      }
    }
    return values;
  }

  static std::vector<std::byte> read_numeric(hid_t dataset, DType dtype, std::uint64_t count,
                                             const std::string& path) {
    std::vector<std::byte> bytes(count * dtype_size(dtype));
    if (count == 0) return bytes;
    if (H5Dread(dataset, memory_type(dtype), H5S_ALL, H5S_ALL, small_transfer_buffer().get(), bytes.data()) < 0)
      fail("not_hdf5", "cannot read the dataset's data: " + h5::take_error_message(), path);
    return bytes;
  }

  Tensor lazy_tensor(DType dtype, Shape shape, haddr_t address, const std::string& path) {
    std::weak_ptr<OpenFile> weak = file_;
    std::shared_ptr<OpenFile> keep = file_;
    const std::uint64_t count = element_count(shape);
    return Tensor::lazy(dtype, std::move(shape), [keep, address, dtype, count, path] {
      h5::Handle object = h5::object(H5Oopen_by_addr(keep->file.get(), address));
      if (!object) fail("not_hdf5", "cannot reopen the dataset: " + h5::take_error_message(), path);
      return read_numeric(object.get(), dtype, count, path);
    });
  }

  // Reads a dataset into a tensor: strings and structural datasets now, numeric
  // parameter data lazily. Returns nullopt for a type Synfire does not model.
  std::optional<Tensor> read_tensor(const h5::Child& child, const std::string& path, bool eager) {
    const hid_t dataset = child.object->get();
    DatasetInfo info = inspect_dataset(dataset, path);
    if (!info.dtype) return std::nullopt;
    if (*info.dtype == DType::string)
      return Tensor::text(info.shape, read_strings(dataset, info, path));
    if (eager) {
      const std::uint64_t count = element_count(info.shape);
      return Tensor::numeric(*info.dtype, info.shape, read_numeric(dataset, *info.dtype, count, path));
    }
    return lazy_tensor(*info.dtype, info.shape, child.address, path);
  }

  std::string read_scalar_string(hid_t dataset, const std::string& path) {
    DatasetInfo info = inspect_dataset(dataset, path);
    if (info.dtype != DType::string || element_count(info.shape) != 1)
      fail("not_nir", "expected a single string", path);
    return read_strings(dataset, info, path).front();
  }

  std::string read_type(const std::vector<h5::Child>& children, const std::string& path) {
    auto it = std::find_if(children.begin(), children.end(), [](const h5::Child& c) {
      return c.name == "type" && c.object_type == H5O_TYPE_DATASET;
    });
    if (it == children.end())
      fail("not_nir", "the node group has no 'type' dataset naming its primitive", join(path, "type"));
    return read_scalar_string(it->object->get(), join(path, "type"));
  }

  Metadata read_metadata(const h5::Child& child, const std::string& path) {
    mark_visited(child, path);
    Metadata metadata;
    for (const auto& entry : list_safe_children(child.object->get(), path)) {
      const std::string entry_path = join(path, entry.name);
      if (entry.object_type == H5O_TYPE_GROUP) {
        metadata.entries.push_back({entry.name, std::nullopt, read_metadata(entry, entry_path)});
      } else if (entry.object_type == H5O_TYPE_DATASET) {
        if (auto tensor = read_tensor(entry, entry_path, /*eager=*/false))
          metadata.entries.push_back({entry.name, std::move(*tensor), {}});
      }
    }
    return metadata;
  }

  // ---- graph --------------------------------------------------------------

  Graph read_graph(const std::vector<h5::Child>& children, const std::string& path, int depth) {
    Graph graph;
    graph.path = path;
    const h5::Child* nodes = nullptr;
    const h5::Child* edges = nullptr;
    for (const auto& child : children) {
      const std::string child_path = join(path, child.name);
      if (child.name == "nodes" && child.object_type == H5O_TYPE_GROUP) {
        nodes = &child;
      } else if (child.name == "edges" && child.object_type == H5O_TYPE_DATASET) {
        edges = &child;
      } else if (child.name == "metadata" && child.object_type == H5O_TYPE_GROUP) {
        graph.metadata = read_metadata(child, child_path);
      } else if (child.object_type == H5O_TYPE_GROUP) {
        check_tree_safety(child, child_path);
      } else if (child.object_type == H5O_TYPE_DATASET && child.name != "type") {
        inspect_dataset(child.object->get(), child_path);
      }
    }
    if (!nodes) fail("not_nir", "the graph has no 'nodes' group", join(path, "nodes"));
    if (edges) graph.edges = read_edges(*edges, join(path, "edges"));

    const std::string nodes_path = join(path, "nodes");
    mark_visited(*nodes, nodes_path);
    const hid_t nodes_group = nodes->object->get();
    std::vector<h5::Child> entries = list_safe_children(nodes_group, nodes_path, /*open=*/false);
    std::vector<std::optional<Node>> read(entries.size());
    auto read_child = [&](std::size_t i) {
      h5::Child& child = entries[i];
      const std::string node_path = join(nodes_path, child.name);
      open_or_fail(nodes_group, child, node_path);
      if (child.object_type != H5O_TYPE_GROUP)
        fail("not_nir", "every entry of 'nodes' must be a node group", node_path);
      read[i] = read_node(child, node_path, depth);
      child.object.reset();  // close each node group once read
    };
    // Subgraphs first, where looking for them costs next to nothing (small graphs): a
    // file nested too deep then fails before the siblings at every level are read.
    if (entries.size() <= kSubgraphsFirstNodes)
      for (std::size_t i = 0; i < entries.size(); ++i)
        if (H5Lexists(nodes_group, (entries[i].name + "/nodes").c_str(), H5P_DEFAULT) > 0) read_child(i);
    for (std::size_t i = 0; i < entries.size(); ++i)
      if (!read[i]) read_child(i);
    for (auto& node : read) graph.nodes.push_back(std::move(*node));
    return graph;
  }

  std::vector<Edge> read_edges(const h5::Child& child, const std::string& path) {
    const hid_t dataset = child.object->get();
    DatasetInfo info = inspect_dataset(dataset, path);
    if (element_count(info.shape) == 0) return {};
    if (info.dtype != DType::string || info.shape.size() != 2 || info.shape[1] != 2)
      fail("not_nir", "edges must be an (E, 2) dataset of strings, not " + shape_to_string(info.shape), path);
    std::vector<std::string> values = read_strings(dataset, info, path);
    std::vector<Edge> edges(info.shape[0]);
    for (std::size_t i = 0; i < edges.size(); ++i)
      edges[i] = {std::move(values[2 * i]), std::move(values[2 * i + 1])};
    return edges;
  }

  Node read_node(const h5::Child& child, const std::string& path, int depth) {
    mark_visited(child, path);
    std::vector<h5::Child> children = list_safe_children(child.object->get(), path);
    const std::string type = read_type(children, path);
    const auto primitive = primitive_from_name(type);
    if (!primitive)
      fail("unknown_primitive", "\"" + type + "\" is not a NIR primitive this registry knows", join(path, "type"));

    Node node;
    node.name = child.name;
    node.primitive = *primitive;
    node.path = path;
    if (*primitive == Primitive::NIRGraph) {
      if (depth + 1 > options_.max_depth)
        fail("too_deep", "subgraphs are nested deeper than " + std::to_string(options_.max_depth) + " levels", path);
      node.subgraph = std::make_unique<Graph>(read_graph(children, path, depth + 1));
      return node;
    }
    for (const auto& entry : children) {
      const std::string entry_path = join(path, entry.name);
      if (entry.name == "type") continue;
      if (entry.object_type == H5O_TYPE_GROUP) {
        Metadata group_data = read_metadata(entry, entry_path);
        if (entry.name == "metadata")
          node.metadata = std::move(group_data);
        else
          node.extra_groups.entries.push_back({entry.name, std::nullopt, std::move(group_data)});
      } else if (entry.object_type == H5O_TYPE_DATASET) {
        const bool eager = is_structural_parameter(entry.name);
        auto tensor = read_tensor(entry, entry_path, eager && !is_counted_parameter(entry.name));
        if (!tensor)
          fail("bad_parameter", "the dataset has an HDF5 type that is neither numeric nor a string", entry_path);
        node.params.emplace(entry.name, std::move(*tensor));
      }
    }
    fill_legacy_v_reset(node);
    check_parameters(node);
    return node;
  }

  static void fill_legacy_v_reset(Node& node) {
    const auto p = node.primitive;
    if (p != Primitive::IF && p != Primitive::LIF && p != Primitive::CubaLIF) return;
    if (node.param("v_reset")) return;
    const Tensor* threshold = node.param("v_threshold");
    if (!threshold || threshold->is_string()) return;  // reported as missing/bad below
    node.params.emplace("v_reset", Tensor::zeros(threshold->dtype(), threshold->shape()));
    node.legacy_missing_v_reset = true;
  }

  void check_parameters(const Node& node) {
    const PrimitiveSpec& spec = spec_of(node.primitive);
    for (std::string_view key : spec.required) {
      if (!node.param(std::string(key)))
        fail("missing_parameter",
             std::string(spec.name) + " node '" + node.name + "' has no '" + std::string(key) + "' dataset",
             join(node.path, std::string(key)));
    }
    for (const auto& [key, tensor] : node.params) {
      const std::string where = join(node.path, key);
      if (is_counted_parameter(key) && !is_numeric(tensor.dtype()))
        fail("bad_parameter", "'" + key + "' must be numeric, but it holds strings", where);
      if (is_structural_parameter(key) && tensor.is_string() && !(key == "padding" && tensor.size() == 1))
        fail("bad_parameter", "'" + key + "' must hold integers", where);
      if (is_structural_parameter(key) && tensor.size() > kMaxStructuralElements)
        fail("bad_parameter", "'" + key + "' holds " + std::to_string(tensor.size()) + " values; a structural dataset holds a few", where);
    }
    switch (node.primitive) {
      case Primitive::Affine:
      case Primitive::Linear: {
        const Tensor& weight = *node.param("weight");
        if (weight.rank() != 2)
          fail("bad_parameter", "the weight must be a matrix (out, in), not " + shape_to_string(weight.shape()),
               join(node.path, "weight"));
        if (node.primitive == Primitive::Affine) {
          const Tensor& bias = *node.param("bias");
          if (bias.shape() != Shape{weight.shape()[0]})
            fail("bad_parameter",
                 "the bias must have shape (" + std::to_string(weight.shape()[0]) + ",) to match the weight " +
                     shape_to_string(weight.shape()) + ", not " + shape_to_string(bias.shape()),
                 join(node.path, "bias"));
        }
        break;
      }
      case Primitive::Conv1d:
      case Primitive::Conv2d: {
        const std::size_t rank = node.primitive == Primitive::Conv1d ? 3 : 4;
        const Tensor& weight = *node.param("weight");
        if (weight.rank() != rank)
          fail("bad_parameter",
               std::string(spec.name) + " weight must have rank " + std::to_string(rank) + ", not " +
                   shape_to_string(weight.shape()),
               join(node.path, "weight"));
        break;
      }
      case Primitive::Input:
      case Primitive::Output: {
        const Tensor& shape = *node.param("shape");
        const auto dtype = shape.dtype();
        const bool integer = dtype != DType::string && dtype != DType::float16 &&
                             dtype != DType::float32 && dtype != DType::float64;
        bool valid = integer && shape.rank() == 1;
        if (valid)
          for (auto v : shape.as_int64()) valid = valid && v >= 0;
        if (!valid)
          fail("bad_parameter", "'shape' must be a vector of non-negative integers", join(node.path, "shape"));
        break;
      }
      default:
        break;
    }
  }
};

Document read_with(h5::Handle file, const ReadOptions& options) {
  auto open_file = std::make_shared<OpenFile>();
  open_file->file = std::move(file);
  return Reader(open_file, options).read();
}

// Access settings for reading: closing the file closes every object still open, and
// the metadata cache is kept small. HDF5 sizes its cache by the on-disk size of the
// object headers, but keeps each header's decoded messages alongside (a dataset's
// layout alone is about 2 KiB): with the default 32 MiB cache, reading a graph of
// 20,000 nodes held over 400 MiB.
h5::Handle read_access_plist() {
  h5::Handle fapl = h5::plist(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  H5AC_cache_config_t cache{};
  cache.version = H5AC__CURR_CACHE_CONFIG_VERSION;
  H5Pget_mdc_config(fapl.get(), &cache);
  cache.set_initial_size = true;
  cache.initial_size = 512 << 10;
  cache.min_size = 512 << 10;
  cache.max_size = 1 << 20;
  H5Pset_mdc_config(fapl.get(), &cache);
  return fapl;
}

}  // namespace

Document read_file(const std::string& path, const ReadOptions& options) {
  h5::silence_errors();
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error))
    fail(std::filesystem::exists(path, error) ? "not_hdf5" : "not_found",
         std::filesystem::exists(path, error) ? "not a regular file" : "no such file", path);
  h5::Handle fapl = read_access_plist();
  h5::Handle file = h5::file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!file) fail("not_hdf5", "not a readable HDF5 file (" + h5::take_error_message() + ")", path);
  return read_with(std::move(file), options);
}

Document read_memory(std::span<const std::byte> image, const ReadOptions& options) {
  h5::silence_errors();
  if (image.empty()) fail("not_hdf5", "the file is empty", "/");
  h5::Handle fapl = read_access_plist();
  H5Pset_fapl_core(fapl.get(), 64 * 1024, false);
  // HDF5 copies the image into its own buffer (no callbacks set), so the caller's
  // bytes need not outlive the document.
  H5Pset_file_image(fapl.get(), const_cast<std::byte*>(image.data()), image.size());
  h5::Handle file = h5::file(H5Fopen("memory-image.nir", H5F_ACC_RDONLY, fapl.get()));
  if (!file) fail("not_hdf5", "not a readable HDF5 file (" + h5::take_error_message() + ")", "/");
  return read_with(std::move(file), options);
}

}  // namespace synfire::nir
