#include "synfire/registry/compatibility.h"

#include <string_view>

namespace synfire::registry {

extern const std::string_view kCompatibilityTable;

nlohmann::json compatibility(const nlohmann::json& extract) {
  static const nlohmann::json table = nlohmann::json::parse(kCompatibilityTable);
  nlohmann::json frameworks = nlohmann::json::object();
  const nlohmann::json primitives = extract.value("primitives", nlohmann::json::object());
  for (const auto& [framework, support] : table["frameworks"].items()) {
    nlohmann::json missing = nlohmann::json::array();
    for (const auto& [primitive, count] : primitives.items()) {
      if (primitive == "Input" || primitive == "Output" || primitive == "NIRGraph") continue;
      const std::string mode = support.value(primitive, "");
      if (mode.find('R') == std::string::npos) missing.push_back(primitive);
    }
    frameworks[framework] = {{"can_load", missing.empty()}, {"missing", missing}};
  }
  nlohmann::json hardware = nlohmann::json::object();
  for (const auto& [chip, framework] : table["hardware"].items())
    hardware[chip] = {{"framework", framework}, {"can_load", frameworks[framework.get<std::string>()]["can_load"]}};
  return {{"table_date", table["date"]}, {"source", table["source"]}, {"frameworks", frameworks}, {"hardware", hardware}};
}

}  // namespace synfire::registry
