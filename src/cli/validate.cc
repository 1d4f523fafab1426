#include <iostream>

#include "commands.h"
#include "synfire/card/card.h"
#include "synfire/error.h"
#include "synfire/nir/analysis.h"
#include "synfire/nir/json.h"
#include "synfire/nir/reader.h"

namespace synfire::cli {
namespace {

nlohmann::json issues_json(const std::vector<card::Issue>& issues) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& i : issues) list.push_back({{"pointer", i.pointer}, {"code", i.code}, {"message", i.message}});
  return list;
}

// Validates the model; prints a person's report unless `json`. Returns validity.
bool validate_model(const std::string& path, bool json, nlohmann::json& out) {
  try {
    const nir::Analysis analysis = nir::analyze(nir::read_file(path));
    out = nir::report_json(analysis);
    if (!json) {
      std::cout << "model " << path << ": readable NIR, " << analysis.extract.node_count << " nodes, "
                << analysis.extract.parameter_count << " parameters, " << analysis.findings.size() << " finding(s)\n";
      for (const auto& f : analysis.findings) std::cout << "  finding " << f.code << " at " << f.path << ": " << f.message << "\n";
    }
    return true;
  } catch (const Failure& failure) {
    out = nir::error_json(failure.error());
    if (!json) print_error(path + ": " + failure.error().code + ": " + failure.error().message, failure.error().where);
    return false;
  }
}

bool validate_card(const std::string& path, bool json, nlohmann::json& out) {
  card::Result result;
  try {
    result = card::validate_file(path);
  } catch (const Failure& failure) {
    result.errors.push_back({"", failure.error().code, failure.error().message});
  }
  out = {{"valid", result.valid},
         {"license", result.license ? nlohmann::json(*result.license) : nlohmann::json(nullptr)},
         {"errors", issues_json(result.errors)},
         {"warnings", issues_json(result.warnings)}};
  if (!json) {
    if (result.valid) std::cout << "card " << path << ": valid, license " << *result.license << "\n";
    for (const auto& e : result.errors)
      print_error(path + ": " + e.code + ": " + e.message, e.pointer.empty() ? "the whole card" : e.pointer);
    for (const auto& w : result.warnings)
      std::cerr << "synfire: warning: " << path << ": " << w.message << " (at " << w.pointer << ")\n";
  }
  return result.valid;
}

}  // namespace

int validate(const std::optional<std::string>& model, const std::optional<std::string>& card, bool json) {
  nlohmann::json out = nlohmann::json::object();
  bool valid = true;
  if (model) valid = validate_model(*model, json, out["model"]) && valid;
  if (card) valid = validate_card(*card, json, out["card"]) && valid;
  if (json) std::cout << out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return valid ? kExitOk : kExitInvalid;
}

}  // namespace synfire::cli
