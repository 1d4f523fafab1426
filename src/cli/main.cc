#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "synfire/client/client.h"
#include "synfire/version.h"

int main(int argc, char** argv) {
  using namespace synfire::cli;
  CLI::App app{"synfire: publish, find and fetch neuromorphic models (NIR)", "synfire"};
  app.set_version_flag("--version", std::string("synfire ") + synfire::kVersion);
  app.require_subcommand(1);
  int exit_code = kExitOk;

  std::string inspect_path;
  bool inspect_json = false;
  auto* inspect_cmd = app.add_subcommand("inspect", "Describe a NIR file: summary, node tree, findings (offline)");
  inspect_cmd->add_option("FILE", inspect_path, "the .nir file")->required();
  inspect_cmd->add_flag("--json", inspect_json, "print one JSON object (spec/nir-format.md)");
  inspect_cmd->callback([&] { exit_code = inspect(inspect_path, inspect_json); });

  std::optional<std::string> model, card;
  bool validate_json = false;
  auto* validate_cmd = app.add_subcommand("validate", "Check a NIR file and/or a nir-card.json, every error at once (offline)");
  validate_cmd->add_option("--model", model, "the .nir file");
  validate_cmd->add_option("--card", card, "the nir-card.json file");
  validate_cmd->add_flag("--json", validate_json, "print one JSON object");
  validate_cmd->callback([&] {
    if (!model && !card) throw CLI::ValidationError("validate", "give --model FILE, --card FILE or both");
    exit_code = validate(model, card, validate_json);
  });

  std::string convert_in, convert_out;
  auto* convert_cmd = app.add_subcommand("convert", "Rewrite a NIR file in the current layout (legacy files included)");
  convert_cmd->add_option("IN", convert_in, "the .nir file to read")->required();
  convert_cmd->add_option("OUT", convert_out, "where to write the converted file")->required();
  convert_cmd->callback([&] { exit_code = convert(convert_in, convert_out); });

  add_remote_commands(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what(), {}, "run 'synfire --help' or 'synfire <command> --help'");
    return kExitUsage;
  } catch (const synfire::client::ClientFailure& failure) {
    const synfire::Error& error = failure.error();
    print_error(error.message, error.where);
    for (const auto& detail : error.details)
      std::cerr << "  " << detail.where << ": " << detail.code << ": " << detail.message << "\n";
    return exit_code_for(error.code);
  } catch (const synfire::Failure& failure) {
    print_error(failure.error().message, failure.error().where);
    return exit_code_for(failure.error().code);
  } catch (const std::exception& e) {
    print_error(std::string("unexpected error: ") + e.what());
    return kExitInvalid;
  }
  // Exit without tearing down: the read-only HDF5 file needs no flush, and closing
  // a large file's metadata cache object by object costs more than reading it.
  std::cout.flush();
  std::cerr.flush();
  std::_Exit(exit_code);
}
