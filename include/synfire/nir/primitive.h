#pragma once
// The NIR primitives Synfire knows, with their parameters (spec/nir-format.md).

#include <optional>
#include <span>
#include <string_view>

namespace synfire::nir {

enum class Primitive {
  Input, Output, Affine, Linear, Scale, Conv1d, Conv2d, SumPool2d, AvgPool2d,
  Flatten, Delay, Threshold, I, IF, LI, LIF, CubaLI, CubaLIF, NIRGraph,
};

enum class PrimitiveClass { io, linear, other, neuron, graph };

struct PrimitiveSpec {
  Primitive primitive;
  std::string_view name;
  PrimitiveClass cls;
  std::span<const std::string_view> required;  // datasets a node must have
  std::span<const std::string_view> optional;  // datasets it may have
};

std::span<const PrimitiveSpec> all_primitives();
const PrimitiveSpec& spec_of(Primitive primitive);
std::optional<Primitive> primitive_from_name(std::string_view name);
std::string_view name_of(Primitive primitive);

// Parameters whose elements count toward parameter_count (weight, bias, tau ...).
bool is_counted_parameter(std::string_view key);
// Small integer datasets that describe structure (shape, stride, padding ...).
bool is_structural_parameter(std::string_view key);

}  // namespace synfire::nir
