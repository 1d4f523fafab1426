#pragma once
// A small RAII layer over the HDF5 C API, private to the NIR library.
// Every hid_t is owned by exactly one Handle and closed by it.

#include <hdf5.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace synfire::nir::h5 {

// Turns off HDF5's printing of error stacks to stderr (once per process).
void silence_errors();
// The most specific message on HDF5's current error stack (then clears it).
std::string take_error_message();

class Handle {
 public:
  using Closer = herr_t (*)(hid_t);

  Handle() = default;
  Handle(hid_t id, Closer closer) : id_(id), closer_(closer) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), closer_(other.closer_) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      closer_ = other.closer_;
    }
    return *this;
  }
  ~Handle() { reset(); }

  hid_t get() const { return id_; }
  explicit operator bool() const { return id_ >= 0; }
  void reset() {
    if (id_ >= 0 && closer_) closer_(id_);
    id_ = H5I_INVALID_HID;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Closer closer_ = nullptr;
};

inline Handle file(hid_t id) { return {id, H5Fclose}; }
inline Handle group(hid_t id) { return {id, H5Gclose}; }
inline Handle dataset(hid_t id) { return {id, H5Dclose}; }
inline Handle datatype(hid_t id) { return {id, H5Tclose}; }
inline Handle dataspace(hid_t id) { return {id, H5Sclose}; }
inline Handle plist(hid_t id) { return {id, H5Pclose}; }
inline Handle object(hid_t id) { return {id, H5Oclose}; }

struct Child {
  std::string name;
  H5L_type_t link_type;
  H5O_type_t object_type = H5O_TYPE_UNKNOWN;  // hard links only
  haddr_t address = HADDR_UNDEF;              // hard links only
  std::shared_ptr<Handle> object;             // hard links only: the object, open
};

// The links of a group in name order, with the address each hard link points to.
// Links of other kinds are listed, not followed. Returns false (error message on the
// stack) when the group cannot be listed.
bool list_children(hid_t group, std::vector<Child>& children);
// Opens a hard-linked child by its address (no second lookup by name) and sets its
// object_type; `loc` is any object of the file. Returns false on failure.
bool open_child(hid_t loc, Child& child);

}  // namespace synfire::nir::h5
