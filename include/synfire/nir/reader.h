#pragma once
// Reading NIR files (HDF5) into a Document, per spec/nir-format.md.
//
// An unreadable file throws synfire::Failure whose error().code is one of
// not_hdf5, not_nir, unknown_primitive, missing_parameter, bad_parameter,
// too_deep, too_large, unsafe_file, and whose error().where names the HDF5 path at
// fault. Graph-level problems of a readable file are findings (see analysis.h).
//
// Parameter data is not read: tensors load lazily, and the file stays open while a
// tensor of the document needs it. libhdf5 (Debian's build) is not thread-safe:
// use the reader from one thread at a time.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "synfire/nir/graph.h"

namespace synfire::nir {

struct ReadOptions {
  // A dataset whose declared size is over this many bytes is `too_large`.
  std::uint64_t max_dataset_bytes = 2147483648ULL;
  // Deepest readable nesting (the top graph is depth 1).
  int max_depth = 64;
};

Document read_file(const std::string& path, const ReadOptions& options = {});
// Reads a file image held in memory (HDF5 copies it; the bytes may go after the call).
Document read_memory(std::span<const std::byte> image, const ReadOptions& options = {});

}  // namespace synfire::nir
