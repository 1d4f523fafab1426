#pragma once
// The official SPDX lists, generated at build time (cmake/spdx_tables.cmake).

#include <span>
#include <string_view>

namespace synfire::card::spdx {

std::span<const std::string_view> license_ids();             // current ids
std::span<const std::string_view> deprecated_license_ids();  // accepted with a warning
std::span<const std::string_view> exception_ids();           // for WITH

}  // namespace synfire::card::spdx
