#pragma once
// A dataset of a NIR file: element type, shape and data. Numeric data is loaded
// lazily: reading a file records where each dataset lives and loads its bytes only
// when `bytes()` is first called. Not thread-safe (the cache is filled on first use).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace synfire::nir {

enum class DType : std::uint8_t {
  int8, int16, int32, int64, uint8, uint16, uint32, uint64,
  float16, float32, float64, string,
};

// numpy's name without byte order: "float32", "int64", "str" for strings.
std::string_view dtype_name(DType dtype);
// Bytes per element in memory (0 for strings).
std::size_t dtype_size(DType dtype);
bool is_numeric(DType dtype);

using Shape = std::vector<std::uint64_t>;  // empty: a scalar
std::uint64_t element_count(const Shape& shape);
std::string shape_to_string(const Shape& shape);

class Tensor {
 public:
  // Produces the little-endian bytes of the tensor, row-major.
  using Loader = std::function<std::vector<std::byte>()>;

  Tensor() = default;
  static Tensor numeric(DType dtype, Shape shape, std::vector<std::byte> bytes);
  static Tensor lazy(DType dtype, Shape shape, Loader loader);
  static Tensor text(Shape shape, std::vector<std::string> values);
  static Tensor zeros(DType dtype, Shape shape);
  static Tensor from_int64(const std::vector<std::int64_t>& values, bool scalar = false);
  static Tensor from_doubles(DType dtype, Shape shape, const std::vector<double>& values);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  std::size_t rank() const { return shape_.size(); }
  std::uint64_t size() const { return element_count(shape_); }
  bool is_scalar() const { return shape_.empty(); }
  bool is_string() const { return dtype_ == DType::string; }
  bool is_loaded() const { return bytes_.has_value() || is_string(); }

  // Numeric data, loaded on first call. Throws synfire::Failure when loading fails.
  const std::vector<std::byte>& bytes() const;
  // String data (always loaded at read time).
  const std::vector<std::string>& strings() const { return strings_; }
  // Every element as int64 / double (numeric tensors only; loads the data).
  std::vector<std::int64_t> as_int64() const;
  std::vector<double> as_double() const;

  // Same dtype, shape and bit-identical data (loads both).
  friend bool operator==(const Tensor& a, const Tensor& b);

 private:
  DType dtype_ = DType::float32;
  Shape shape_;
  Loader loader_;
  mutable std::optional<std::vector<std::byte>> bytes_;
  std::vector<std::string> strings_;
};

}  // namespace synfire::nir
