#pragma once
// Which frameworks (and through them which chips) can load a model: a framework can
// when it reads from NIR every primitive the graph uses (Input, Output and NIRGraph
// aside). The table is data: share/compatibility.json, embedded at build time.

#include <nlohmann/json.hpp>

namespace synfire::registry {

// {"table_date", "source", "frameworks": {name: {"can_load", "missing": [...]}},
//  "hardware": {chip: {"framework", "can_load"}}} for an `extract` object.
nlohmann::json compatibility(const nlohmann::json& extract);

}  // namespace synfire::registry
