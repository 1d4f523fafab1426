#pragma once
// JSON forms of the NIR library's results (the `synfire inspect --json` contract).
// Kept apart from the other headers so that only its users pay for nlohmann/json.

#include <nlohmann/json.hpp>

#include "synfire/error.h"
#include "synfire/nir/analysis.h"

namespace synfire::nir {

nlohmann::json to_json(const Extract& extract);
nlohmann::json to_json(const Finding& finding);
// {"ok": true, "extract": {...}, "findings": [...]}
nlohmann::json report_json(const Analysis& analysis);
// {"ok": false, "error": {"class", "message", "path"}}
nlohmann::json error_json(const Error& error);

}  // namespace synfire::nir
