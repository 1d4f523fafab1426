#pragma once
// Writing a Document in the current NIR layout: version string, variable-length
// UTF-8 strings, int64 shapes, (E, 2) string edges, gzip-compressed arrays.
// Throws synfire::Failure ("write_failed") naming the path that could not be
// written; the output file is written to a temporary name and renamed into place,
// so a failed write leaves no partial file.

#include <string>

#include "synfire/nir/graph.h"

namespace synfire::nir {

// The NIR release whose layout the writer follows.
inline constexpr const char* kWriterNirVersion = "1.0.7";

void write_file(const Document& document, const std::string& path);

}  // namespace synfire::nir
