#pragma once
// Small NIR models built in code, written with random weights: for demos, tests and
// benchmarks. Every sample is a valid graph with no findings.

#include <cstdint>

#include "synfire/nir/graph.h"

namespace synfire::nir::samples {

// Input -> (Linear -> LIF) x layers -> Output; 2 + 2 x layers nodes.
Document lif_chain(int layers, int width, std::uint32_t seed = 1);
// Input [1,16,16] -> Conv2d -> IF -> SumPool2d -> Flatten -> Affine -> LIF -> Output [10].
Document conv_classifier(std::uint32_t seed = 1);
// Input -> Affine -> subgraph {Input -> CubaLIF <-> Linear (recurrent) -> Output} -> Linear -> Output.
Document recurrent_cubalif(std::uint32_t seed = 1);
// Input -> Linear (rows x cols float32) -> Output.
Document single_linear(std::uint64_t rows, std::uint64_t cols, std::uint32_t seed = 1);
// A LIF graph nested inside `depth - 1` subgraphs (max_depth == depth).
Document nested(int depth);

// Building blocks.
Node io_node(const std::string& name, Primitive io, const std::vector<std::int64_t>& shape);
Tensor random_tensor(DType dtype, Shape shape, std::uint32_t seed);
Tensor filled_tensor(Shape shape, double value);  // float32

}  // namespace synfire::nir::samples
