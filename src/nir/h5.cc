#include "h5.h"

#include <mutex>

namespace synfire::nir::h5 {

void silence_errors() {
  static std::once_flag once;
  std::call_once(once, [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    // HDF5 keeps freed blocks on free lists without bound by default; reading a
    // graph of many nodes would then hold hundreds of MiB it no longer uses.
    H5set_free_list_limits(1 << 20, 256 << 10, 1 << 20, 256 << 10, 1 << 20, 256 << 10);
  });
}

std::string take_error_message() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* entry, void* data) -> herr_t {
        if (entry->desc && *entry->desc) *static_cast<std::string*>(data) = entry->desc;
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message.empty() ? "HDF5 reported an error" : message;
}

bool open_child(hid_t loc, Child& child) {
  if (child.object || child.link_type != H5L_TYPE_HARD) return true;
  child.object = std::make_shared<Handle>(H5Oopen_by_addr(loc, child.address), H5Oclose);
  if (!*child.object) return false;
  switch (H5Iget_type(child.object->get())) {
    case H5I_GROUP: child.object_type = H5O_TYPE_GROUP; break;
    case H5I_DATASET: child.object_type = H5O_TYPE_DATASET; break;
    case H5I_DATATYPE: child.object_type = H5O_TYPE_NAMED_DATATYPE; break;
    default: break;
  }
  return true;
}

bool list_children(hid_t group, std::vector<Child>& children) {
  struct Context {
    std::vector<Child>* children;
  } context{&children};
  hsize_t index = 0;
  const herr_t status = H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, &index,
      [](hid_t, const char* name, const H5L_info_t* info, void* data) -> herr_t {
        auto* ctx = static_cast<Context*>(data);
        Child child{name, info->type, H5O_TYPE_UNKNOWN, HADDR_UNDEF, nullptr};
        if (info->type == H5L_TYPE_HARD) child.address = info->u.address;
        ctx->children->push_back(std::move(child));
        return 0;
      },
      &context);
  return status >= 0;
}

}  // namespace synfire::nir::h5
