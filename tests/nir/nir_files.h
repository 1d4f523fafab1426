#pragma once
// Helpers to write small HDF5 files by hand for reader tests (links, odd types).

#include <hdf5.h>

#include <string>

#include "synfire/nir/samples.h"
#include "synfire/nir/writer.h"

namespace synfire::nir::testing {

// Writes `document`, then reopens the file read-write for `edit(file_id)`.
template <typename Edit>
void write_and_edit(const Document& document, const std::string& path, Edit edit) {
  write_file(document, path);
  hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  edit(file);
  H5Fclose(file);
}

}  // namespace synfire::nir::testing
