// libFuzzer target: the nir-card.json validator (and so the SPDX expression parser).
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "synfire/card/card.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = synfire::card::validate(std::string_view(reinterpret_cast<const char*>(data), size));
  if (result.valid != result.errors.empty()) __builtin_trap();
  synfire::card::check_license(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
