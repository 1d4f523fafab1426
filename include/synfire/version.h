#pragma once

namespace synfire {
inline constexpr const char* kVersion = "0.1.0";
}
