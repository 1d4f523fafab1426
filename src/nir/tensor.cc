#include "synfire/nir/tensor.h"

#include <cstring>

#include "synfire/error.h"

namespace synfire::nir {

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::int8: return "int8";
    case DType::int16: return "int16";
    case DType::int32: return "int32";
    case DType::int64: return "int64";
    case DType::uint8: return "uint8";
    case DType::uint16: return "uint16";
    case DType::uint32: return "uint32";
    case DType::uint64: return "uint64";
    case DType::float16: return "float16";
    case DType::float32: return "float32";
    case DType::float64: return "float64";
    case DType::string: return "str";
  }
  return "unknown";
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::int8: case DType::uint8: return 1;
    case DType::int16: case DType::uint16: case DType::float16: return 2;
    case DType::int32: case DType::uint32: case DType::float32: return 4;
    case DType::int64: case DType::uint64: case DType::float64: return 8;
    case DType::string: return 0;
  }
  return 0;
}

bool is_numeric(DType dtype) { return dtype != DType::string; }

std::uint64_t element_count(const Shape& shape) {
  std::uint64_t count = 1;
  for (auto dim : shape) count *= dim;
  return count;
}

std::string shape_to_string(const Shape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

Tensor Tensor::numeric(DType dtype, Shape shape, std::vector<std::byte> bytes) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.bytes_ = std::move(bytes);
  return t;
}

Tensor Tensor::lazy(DType dtype, Shape shape, Loader loader) {
  Tensor t;
  t.dtype_ = dtype;
  t.shape_ = std::move(shape);
  t.loader_ = std::move(loader);
  return t;
}

Tensor Tensor::text(Shape shape, std::vector<std::string> values) {
  Tensor t;
  t.dtype_ = DType::string;
  t.shape_ = std::move(shape);
  t.strings_ = std::move(values);
  return t;
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  const std::uint64_t bytes = element_count(shape) * dtype_size(dtype);
  return lazy(dtype, std::move(shape),
              [bytes] { return std::vector<std::byte>(bytes, std::byte{0}); });
}

Tensor Tensor::from_int64(const std::vector<std::int64_t>& values, bool scalar) {
  std::vector<std::byte> bytes(values.size() * sizeof(std::int64_t));
  if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  Shape shape = scalar ? Shape{} : Shape{values.size()};
  return numeric(DType::int64, std::move(shape), std::move(bytes));
}

Tensor Tensor::from_doubles(DType dtype, Shape shape, const std::vector<double>& values) {
  std::vector<std::byte> bytes(values.size() * dtype_size(dtype));
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::float32) {
      const float f = static_cast<float>(values[i]);
      std::memcpy(bytes.data() + i * 4, &f, 4);
    } else if (dtype == DType::float64) {
      std::memcpy(bytes.data() + i * 8, &values[i], 8);
    } else {
      throw Failure("bad_parameter", "from_doubles supports float32 and float64 only");
    }
  }
  return numeric(dtype, std::move(shape), std::move(bytes));
}

const std::vector<std::byte>& Tensor::bytes() const {
  if (!bytes_) {
    if (loader_) {
      bytes_ = loader_();
    } else {
      bytes_.emplace();
    }
  }
  return *bytes_;
}

namespace {

template <typename T>
T element_at(const std::vector<std::byte>& bytes, std::size_t i) {
  T value;
  std::memcpy(&value, bytes.data() + i * sizeof(T), sizeof(T));
  return value;
}

template <typename Out>
std::vector<Out> convert_all(DType dtype, const std::vector<std::byte>& bytes) {
  const std::size_t n = dtype_size(dtype) ? bytes.size() / dtype_size(dtype) : 0;
  std::vector<Out> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    switch (dtype) {
      case DType::int8: out[i] = static_cast<Out>(element_at<std::int8_t>(bytes, i)); break;
      case DType::int16: out[i] = static_cast<Out>(element_at<std::int16_t>(bytes, i)); break;
      case DType::int32: out[i] = static_cast<Out>(element_at<std::int32_t>(bytes, i)); break;
      case DType::int64: out[i] = static_cast<Out>(element_at<std::int64_t>(bytes, i)); break;
      case DType::uint8: out[i] = static_cast<Out>(element_at<std::uint8_t>(bytes, i)); break;
      case DType::uint16: out[i] = static_cast<Out>(element_at<std::uint16_t>(bytes, i)); break;
      case DType::uint32: out[i] = static_cast<Out>(element_at<std::uint32_t>(bytes, i)); break;
      case DType::uint64: out[i] = static_cast<Out>(element_at<std::uint64_t>(bytes, i)); break;
      case DType::float32: {
        const float f = element_at<float>(bytes, i);
        if constexpr (std::is_integral_v<Out>) {
          if (!(f > -9.2e18f && f < 9.2e18f)) throw Failure("bad_parameter", "value out of integer range");
        }
        out[i] = static_cast<Out>(f);
        break;
      }
      case DType::float64: {
        const double d = element_at<double>(bytes, i);
        if constexpr (std::is_integral_v<Out>) {
          if (!(d > -9.2e18 && d < 9.2e18)) throw Failure("bad_parameter", "value out of integer range");
        }
        out[i] = static_cast<Out>(d);
        break;
      }
      case DType::float16:
      case DType::string:
        throw Failure("bad_parameter", std::string("cannot convert ") +
                                           std::string(dtype_name(dtype)) + " values");
    }
  }
  return out;
}

}  // namespace

std::vector<std::int64_t> Tensor::as_int64() const { return convert_all<std::int64_t>(dtype_, bytes()); }
std::vector<double> Tensor::as_double() const { return convert_all<double>(dtype_, bytes()); }

bool operator==(const Tensor& a, const Tensor& b) {
  if (a.dtype_ != b.dtype_ || a.shape_ != b.shape_) return false;
  if (a.is_string()) return a.strings_ == b.strings_;
  return a.bytes() == b.bytes();
}

}  // namespace synfire::nir
