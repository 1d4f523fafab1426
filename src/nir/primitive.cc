#include "synfire/nir/primitive.h"

#include <algorithm>
#include <array>

namespace synfire::nir {
namespace {

using P = Primitive;
using C = PrimitiveClass;
using Keys = std::string_view;

constexpr Keys kShape[] = {"shape"};
constexpr Keys kAffine[] = {"weight", "bias"};
constexpr Keys kLinear[] = {"weight"};
constexpr Keys kScale[] = {"scale"};
constexpr Keys kConv[] = {"weight", "stride", "padding", "dilation", "groups", "bias"};
constexpr Keys kConvOptional[] = {"input_shape"};
constexpr Keys kPool[] = {"kernel_size", "stride", "padding"};
constexpr Keys kFlatten[] = {"start_dim", "end_dim"};
constexpr Keys kFlattenOptional[] = {"input_type"};
constexpr Keys kDelay[] = {"delay"};
constexpr Keys kThreshold[] = {"threshold"};
constexpr Keys kI[] = {"r"};
constexpr Keys kIF[] = {"r", "v_threshold", "v_reset"};
constexpr Keys kLI[] = {"tau", "r", "v_leak"};
constexpr Keys kLIF[] = {"tau", "r", "v_leak", "v_threshold", "v_reset"};
constexpr Keys kCubaLI[] = {"tau_syn", "tau_mem", "r", "v_leak", "w_in"};
constexpr Keys kCubaLIF[] = {"tau_syn", "tau_mem", "r", "v_leak", "v_threshold", "v_reset", "w_in"};
constexpr std::span<const Keys> kNone{};

const std::array<PrimitiveSpec, 19> kPrimitives = {{
    {P::Input, "Input", C::io, kShape, kNone},
    {P::Output, "Output", C::io, kShape, kNone},
    {P::Affine, "Affine", C::linear, kAffine, kNone},
    {P::Linear, "Linear", C::linear, kLinear, kNone},
    {P::Scale, "Scale", C::linear, kScale, kNone},
    {P::Conv1d, "Conv1d", C::linear, kConv, kConvOptional},
    {P::Conv2d, "Conv2d", C::linear, kConv, kConvOptional},
    {P::SumPool2d, "SumPool2d", C::other, kPool, kNone},
    {P::AvgPool2d, "AvgPool2d", C::other, kPool, kNone},
    {P::Flatten, "Flatten", C::other, kFlatten, kFlattenOptional},
    {P::Delay, "Delay", C::other, kDelay, kNone},
    {P::Threshold, "Threshold", C::other, kThreshold, kNone},
    {P::I, "I", C::neuron, kI, kNone},
    {P::IF, "IF", C::neuron, kIF, kNone},
    {P::LI, "LI", C::neuron, kLI, kNone},
    {P::LIF, "LIF", C::neuron, kLIF, kNone},
    {P::CubaLI, "CubaLI", C::neuron, kCubaLI, kNone},
    {P::CubaLIF, "CubaLIF", C::neuron, kCubaLIF, kNone},
    {P::NIRGraph, "NIRGraph", C::graph, kNone, kNone},
}};

constexpr std::string_view kCounted[] = {
    "weight", "bias", "scale", "delay", "threshold", "r", "tau", "tau_syn",
    "tau_mem", "v_leak", "v_threshold", "v_reset", "w_in"};
constexpr std::string_view kStructural[] = {
    "shape", "stride", "padding", "dilation", "groups", "kernel_size",
    "start_dim", "end_dim", "input_shape", "input_type"};

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view key) {
  return std::find(std::begin(list), std::end(list), key) != std::end(list);
}

}  // namespace

std::span<const PrimitiveSpec> all_primitives() { return kPrimitives; }

const PrimitiveSpec& spec_of(Primitive primitive) {
  return kPrimitives[static_cast<std::size_t>(primitive)];
}

std::optional<Primitive> primitive_from_name(std::string_view name) {
  for (const auto& spec : kPrimitives)
    if (spec.name == name) return spec.primitive;
  return std::nullopt;
}

std::string_view name_of(Primitive primitive) { return spec_of(primitive).name; }

bool is_counted_parameter(std::string_view key) { return contains(kCounted, key); }
bool is_structural_parameter(std::string_view key) { return contains(kStructural, key); }

}  // namespace synfire::nir
