#include "synfire/nir/json.h"

namespace synfire::nir {

nlohmann::json to_json(const Extract& e) {
  nlohmann::json primitives = nlohmann::json::object();
  for (const auto& [name, count] : e.primitives) primitives[name] = count;
  nlohmann::json inputs = nlohmann::json::object(), outputs = nlohmann::json::object();
  for (const auto& [name, shape] : e.inputs) inputs[name] = shape;
  for (const auto& [name, shape] : e.outputs) outputs[name] = shape;
  return {
      {"nir_version", e.nir_version ? nlohmann::json(*e.nir_version) : nlohmann::json(nullptr)},
      {"node_count", e.node_count},
      {"edge_count", e.edge_count},
      {"parameter_count", e.parameter_count},
      {"neuron_types", e.neuron_types},
      {"linear_ops", e.linear_ops},
      {"other_ops", e.other_ops},
      {"primitives", primitives},
      {"model_size_category", e.model_size_category},
      {"inputs", inputs},
      {"outputs", outputs},
      {"has_cycles", e.has_cycles},
      {"max_depth", e.max_depth},
      {"dtypes", e.dtypes},
  };
}

nlohmann::json to_json(const Finding& f) {
  return {{"code", f.code}, {"path", f.path}, {"message", f.message}};
}

nlohmann::json report_json(const Analysis& analysis) {
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : analysis.findings) findings.push_back(to_json(f));
  return {{"ok", true}, {"extract", to_json(analysis.extract)}, {"findings", findings}};
}

nlohmann::json error_json(const Error& error) {
  return {{"ok", false}, {"error", {{"class", error.code}, {"message", error.message}, {"path", error.where}}}};
}

}  // namespace synfire::nir
