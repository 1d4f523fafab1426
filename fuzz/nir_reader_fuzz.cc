// libFuzzer target: the NIR reader and the analysis, from an in-memory file image.
#include <cstddef>
#include <cstdint>

#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/reader.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  synfire::nir::ReadOptions options;
  options.max_dataset_bytes = 64 << 20;  // keep each run's allocations small
  try {
    auto document = synfire::nir::read_memory(std::as_bytes(std::span(data, size)), options);
    synfire::nir::analyze(document);
  } catch (const synfire::Failure&) {
  }
  return 0;
}
