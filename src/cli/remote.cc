// The commands that talk to a server: login, push, pull, search, show, versions,
// yank, org, token. Each prints for a person, or one JSON document with --json.

#include <termios.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.h"
#include "progress.h"
#include "synfire/client/client.h"

namespace synfire::cli {
namespace {

using client::Client;
using nlohmann::json;

struct Globals {
  std::optional<std::string> endpoint;
  bool quiet = false;
  std::string limit_rate;
};

Globals& globals() {
  static Globals g;
  return g;
}

std::unique_ptr<Client> make_client(std::optional<std::string> token = std::nullopt) {
  client::Settings settings = client::load_settings(globals().endpoint, token);
  if (!globals().limit_rate.empty()) settings.max_rate = client::parse_rate(globals().limit_rate);
  return std::make_unique<Client>(std::move(settings));
}

void print_json(const json& value) { std::cout << value.dump(2, ' ', false, json::error_handler_t::replace) << "\n"; }

std::string join(const json& list) {
  std::string text;
  if (!list.is_array()) return text;
  for (const auto& item : list) {
    const std::string shown = item.is_string()                               ? item.get<std::string>()
                              : item.is_object() && item.contains("name") ? item["name"].dump()
                                                                           : item.dump();
    text += (text.empty() ? "" : ", ") + (shown.front() == '"' ? shown.substr(1, shown.size() - 2) : shown);
  }
  return text.empty() ? "-" : text;
}

std::string text_of(const json& object, const char* key, const std::string& fallback = "-") {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

bool stdin_is_terminal() { return ::isatty(STDIN_FILENO) == 1; }

std::string read_line_from_stdin() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) line.pop_back();
  return line;
}

// Echo goes off before the question appears (an answer typed at once is neither shown
// nor lost) and comes back after the answer.
std::string prompt(const std::string& question, bool hidden) {
  termios saved{};
  const bool hide = hidden && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (hide) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::cerr << question << std::flush;
  const std::string answer = read_line_from_stdin();
  if (hide) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::cerr << "\n";
  }
  return answer;
}

// ---- accounts ----

void add_login(CLI::App& app, int& exit_code) {
  static std::optional<std::string> token, username;
  auto* cmd = app.add_subcommand("login", "Sign in and keep a token for this endpoint (0600 credentials file)");
  cmd->add_option("--token", token, "use this token (or '-' to read it from stdin)");
  cmd->add_option("--username,-u", username, "sign in with this user name and a password");
  cmd->footer("On a terminal: asks for the user name and password (hidden). Otherwise reads a token from stdin,\n"
              "or the password when --username is given.");
  cmd->callback([&] {
    std::string secret;
    std::unique_ptr<Client> anonymous = make_client(std::string());
    if (token && *token != "-") {
      secret = *token;
    } else if (token || (!stdin_is_terminal() && !username)) {
      secret = read_line_from_stdin();
      if (secret.empty()) throw CLI::ValidationError("login", "no token on stdin");
    } else {
      const std::string user = username ? *username : prompt("Username: ", false);
      const std::string password = stdin_is_terminal() ? prompt("Password: ", true) : read_line_from_stdin();
      secret = anonymous->login(user, password);
    }
    auto signed_in = make_client(secret);
    const json me = signed_in->whoami();
    const std::string name = text_of(me, "name");
    client::save_credentials(signed_in->settings(), secret, name);
    if (!globals().quiet)
      std::cerr << "Logged in to " << signed_in->settings().endpoint << " as " << name << " (token saved in "
                << (signed_in->settings().config_dir / "credentials").string() << ")\n";
    exit_code = kExitOk;
  });
}

void add_logout(CLI::App& app, int& exit_code) {
  app.add_subcommand("logout", "Forget the token kept for this endpoint")->callback([&] {
    auto c = make_client(std::string());
    const bool had = client::forget_credentials(c->settings());
    if (!globals().quiet)
      std::cerr << (had ? "Logged out of " : "Not logged in to ") << c->settings().endpoint << "\n";
    exit_code = kExitOk;
  });
}

void add_whoami(CLI::App& app, int& exit_code) {
  static bool as_json = false;
  auto* cmd = app.add_subcommand("whoami", "Who the current token belongs to");
  cmd->add_flag("--json", as_json, "print JSON");
  cmd->callback([&] {
    const json me = make_client()->whoami();
    if (as_json) print_json(me);
    else std::cout << text_of(me, "name") << " (scope " << text_of(me, "scope") << ") at " << make_client()->settings().endpoint << "\n";
    exit_code = kExitOk;
  });
}

// ---- publishing ----

// Unix seconds as UTC text, "2026-11-22 13:49Z" by default.
std::string utc_time(std::int64_t unix_seconds, const char* format = "%Y-%m-%d %H:%MZ") {
  const std::time_t at = static_cast<std::time_t>(unix_seconds);
  std::tm utc{};
  gmtime_r(&at, &utc);
  char text[32];
  std::strftime(text, sizeof text, format, &utc);
  return text;
}

void print_release_summary(const json& release) {
  const json extract = release.value("extract", json::object());
  std::cout << release.value("repository", "") << " " << release.value("version", "") << (release.value("yanked", false) ? " (yanked)" : "")
            << "\n  license     " << text_of(release, "license") << "\n  neurons     " << join(extract.value("neuron_types", json::array()))
            << "\n  linear ops  " << join(extract.value("linear_ops", json::array())) << "\n  size        "
            << text_of(extract, "model_size_category") << ", " << text_of(extract, "node_count") << " nodes, "
            << text_of(extract, "parameter_count") << " parameters\n";
}

void print_files(const json& release) {
  std::cout << "files\n";
  for (const auto& f : release.value("files", json::array()))
    std::cout << "  " << std::left << std::setw(18) << text_of(f, "name") << std::right << std::setw(12)
              << human_bytes(f.value("size", 0.0)) << "  sha256:" << text_of(f, "sha256") << "\n";
}

void add_push(CLI::App& app, int& exit_code) {
  static client::PushRequest request;
  static std::optional<std::string> notes;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("push", "Validate, upload (resumable) and publish a release");
  cmd->add_option("REPOSITORY", request.repository, "NAMESPACE/NAME, e.g. nrg-lab/snn-classifier")->required();
  cmd->add_option("--version", request.version, "the release's semantic version, e.g. 1.0.0")->required();
  cmd->add_option("--model", request.model_path, "the model.nir file")->required();
  cmd->add_option("--card", request.card_path, "the nir-card.json file")->required();
  cmd->add_option("--notes", notes, "a Markdown file of release notes (published as RELEASE_NOTES.md)");
  cmd->add_flag("--private", request.make_private, "create the repository private (first push only)");
  cmd->add_flag("--json", as_json, "print the release as JSON");
  cmd->callback([&] {
    if (notes) request.notes_path = *notes;
    auto c = make_client();
    ProgressBar bar(!globals().quiet && ::isatty(STDERR_FILENO));
    c->set_progress([&](const client::Progress& p) { bar.update(p); });
    const client::PushResult result = c->push(request);
    bar.finish();
    for (const auto& w : result.warnings)
      std::cerr << "synfire: warning: " << w.message << " (at " << w.where << ")\n";
    if (as_json) {
      json out = result.release_with_warnings();
      out["bytes_sent"] = result.bytes_sent;
      out["bytes_skipped"] = result.bytes_skipped;
      print_json(out);
    } else {
      std::cout << "Published " << result.release.value("repository", "") << " " << result.release.value("version", "")
                << " (" << human_bytes(static_cast<double>(result.bytes_sent)) << " sent, "
                << human_bytes(static_cast<double>(result.bytes_skipped)) << " already on the server)\n  "
                << result.release.value("url", "") << "\n";
      for (const auto& f : result.release.value("findings", json::array()))
        std::cout << "  finding " << text_of(f, "code") << " at " << text_of(f, "path") << ": " << text_of(f, "message") << "\n";
    }
    exit_code = kExitOk;
  });
}

void add_pull(CLI::App& app, int& exit_code) {
  static std::string repository;
  static std::optional<std::string> output;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("pull", "Download a release, verified by SHA-256 (resumable, cached)");
  cmd->add_option("REPOSITORY", repository, "NAMESPACE/NAME[@VERSION or requirement, e.g. @^1.0]")->required();
  cmd->add_option("-o,--output", output, "the folder to write into (default: ./NAME)");
  cmd->add_flag("--json", as_json, "print what was written as JSON");
  cmd->callback([&] {
    const client::RepoRef ref = client::parse_repo_ref(repository, true);
    auto c = make_client();
    ProgressBar bar(!globals().quiet && ::isatty(STDERR_FILENO));
    c->set_progress([&](const client::Progress& p) { bar.update(p); });
    const client::PullResult result = c->pull({repository, "latest", std::filesystem::path(output.value_or(ref.name))});
    bar.finish();
    if (as_json) {
      json files = json::object();
      for (const auto& [name, path] : result.files) files[name] = path.string();
      print_json({{"repository", ref.ns + "/" + ref.name}, {"version", result.release.value("version", "")},
                  {"directory", result.directory.string()}, {"files", files}, {"bytes_received", result.bytes_received},
                  {"from_cache", result.from_cache}});
    } else {
      std::cout << "Pulled " << ref.ns << "/" << ref.name << " " << result.release.value("version", "") << " into "
                << result.directory.string() << (result.from_cache ? " (from the cache)" : "") << "\n";
      for (const auto& f : result.release.value("files", json::array()))
        std::cout << "  " << (result.directory / text_of(f, "name")).string() << "  sha256:" << text_of(f, "sha256") << " verified\n";
      if (result.release.value("yanked", false))
        std::cerr << "synfire: warning: this release is yanked: " << text_of(result.release, "yank_reason", "no reason given") << "\n";
    }
    exit_code = kExitOk;
  });
}

// ---- reading ----

// "42 model(s), 21-40 shown (next: --page 3)" and one entry per result.
void print_search_page(const json& found) {
  const std::int64_t total = found.value("total", std::int64_t{0});
  const std::int64_t page = found.value("page", std::int64_t{1});
  const std::int64_t per_page = found.value("per_page", std::int64_t{20});
  const json results = found.value("results", json::array());
  const std::int64_t first = (page - 1) * per_page + 1;
  const std::int64_t last = first + static_cast<std::int64_t>(results.size()) - 1;
  std::cout << total << " model(s)";
  if (results.empty() && total > 0) std::cout << ", none on page " << page << " (the last is " << (total + per_page - 1) / per_page << ")";
  else if (total > static_cast<std::int64_t>(results.size())) std::cout << ", " << first << "-" << last << " shown";
  if (last < total && !results.empty()) std::cout << " (next: --page " << page + 1 << ")";
  std::cout << "\n";
  for (const auto& r : results) {
    const json extract = r.value("extract", json::object());
    std::cout << "  " << std::left << std::setw(36) << (text_of(r, "namespace") + "/" + text_of(r, "name")) << std::setw(10)
              << text_of(r, "latest") << std::setw(14) << text_of(r, "license") << join(extract.value("neuron_types", json::array()))
              << std::right << "\n";
    if (!text_of(r, "description", "").empty()) std::cout << "      " << text_of(r, "description") << "\n";
  }
}

void add_search(CLI::App& app, int& exit_code) {
  static std::string query;
  static std::map<std::string, std::string> params;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("search", "Find models by words and filters");
  cmd->add_option("QUERY", query, "words matched against names, descriptions, tags and capabilities");
  struct Option {
    const char* flag;
    const char* help;
  };
  for (const Option& option : std::initializer_list<Option>{
           {"tag", "filter: a card tag"},
           {"capability", "filter: a card capability"},
           {"neuron-type", "filter: a neuron primitive in the graph (LIF, CubaLIF, IF, LI ...)"},
           {"linear-op", "filter: a linear primitive in the graph (Linear, Affine, Conv2d ...)"},
           {"license", "filter: the SPDX license (MIT, Apache-2.0 ...)"},
           {"size", "filter: tiny, small, medium or large (by parameter count)"},
           {"platform", "filter: a platform the card says was tested"},
           {"compatible-with", "filter: a framework that can load the model (snnTorch, Lava, Rockpool ...)"},
           {"namespace", "filter: a user or organization"},
           {"sort", "relevance (default), downloads, updated or name"},
           {"page", "the page of results, from 1"},
           {"per-page", "results per page, 1 to 100 (default 20)"}}) {
    std::string key = option.flag;
    std::replace(key.begin(), key.end(), '-', '_');
    auto* added = cmd->add_option(std::string("--") + option.flag, params[key], option.help);
    if (key == "size") added->check(CLI::IsMember({"tiny", "small", "medium", "large"}));
    if (key == "sort") added->check(CLI::IsMember({"relevance", "downloads", "updated", "name"}));
    if (key == "page") added->check(CLI::Range(1, 1'000'000'000));
    if (key == "per_page") added->check(CLI::Range(1, 100));
  }
  cmd->add_flag("--json", as_json, "print the server's answer as JSON");
  cmd->callback([&] {
    std::map<std::string, std::string> request = params;
    request["q"] = query;
    const json found = make_client()->search(request);
    if (as_json) {
      print_json(found);
    } else {
      print_search_page(found);
    }
    exit_code = kExitOk;
  });
}

void add_show(CLI::App& app, int& exit_code) {
  static std::string repository;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("show", "A release: card, extracted metadata, findings, compatibility, files");
  cmd->add_option("REPOSITORY", repository, "NAMESPACE/NAME[@VERSION] (default: the latest release)")->required();
  cmd->add_flag("--json", as_json, "print the release as JSON");
  cmd->callback([&] {
    const client::RepoRef ref = client::parse_repo_ref(repository, true);
    const json release = make_client()->release(ref.ns + "/" + ref.name, ref.requirement.value_or("latest"));
    if (as_json) {
      print_json(release);
      exit_code = kExitOk;
      return;
    }
    print_release_summary(release);
    const json card = release.value("card", json::object());
    const json extract = release.value("extract", json::object());
    std::cout << "  description " << text_of(card, "description") << "\n  authors     " << join(card.value("authors", json::array()))
              << "\n  tags        " << join(card.value("tags", json::array())) << "\n  inputs      "
              << (extract.contains("inputs") ? extract["inputs"].dump() : "-") << "\n  outputs     "
              << (extract.contains("outputs") ? extract["outputs"].dump() : "-") << "\n  recurrent   "
              << (extract.value("has_cycles", false) ? "yes" : "no") << "\n  published   " << text_of(release, "created_by")
              << ", " << utc_time(release.value("created_at", std::int64_t{0})) << "\n";
    const json findings = release.value("findings", json::array());
    std::cout << "findings" << (findings.empty() ? " none\n" : "\n");
    for (const auto& f : findings)
      std::cout << "  " << text_of(f, "code") << " at " << text_of(f, "path") << ": " << text_of(f, "message") << "\n";
    std::cout << "compatibility\n";
    const json compatibility = release.value("compatibility", json::object());
    const json frameworks = compatibility.value("frameworks", json::object());
    const json hardware = compatibility.value("hardware", json::object());
    for (const auto& [name, fw] : frameworks.items())
      std::cout << "  " << std::left << std::setw(22) << name << std::right
                << (fw.value("can_load", false) ? "yes" : "no (missing " + join(fw.value("missing", json::array())) + ")") << "\n";
    for (const auto& [chip, hw] : hardware.items())
      std::cout << "  " << std::left << std::setw(22) << chip << std::right << (hw.value("can_load", false) ? "yes" : "no")
                << " (via " << text_of(hw, "framework") << ")\n";
    print_files(release);
    exit_code = kExitOk;
  });
}

void add_versions(CLI::App& app, int& exit_code) {
  static std::string repository;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("versions", "Every release of a repository, newest first");
  cmd->add_option("REPOSITORY", repository, "NAMESPACE/NAME")->required();
  cmd->add_flag("--json", as_json, "print JSON");
  cmd->callback([&] {
    const json list = make_client()->versions(repository);
    if (as_json) {
      print_json(list);
    } else {
      for (const auto& r : list)
        std::cout << std::left << std::setw(16) << text_of(r, "version") << std::setw(14) << text_of(r, "license")
                  << std::setw(19) << utc_time(r.value("created_at", std::int64_t{0})) << std::setw(16)
                  << text_of(r, "created_by") << std::right << std::setw(8) << text_of(r, "downloads", "0")
                  << " downloads"
                  << (r.value("yanked", false) ? "  yanked: " + text_of(r, "yank_reason", "no reason given") : "") << "\n";
    }
    exit_code = kExitOk;
  });
}

void add_yank(CLI::App& app, int& exit_code, bool yank) {
  static std::string targets[2];
  static std::string reason;
  static bool as_json[2] = {false, false};
  std::string& target = targets[yank];
  auto* cmd = app.add_subcommand(yank ? "yank" : "unyank",
                                 yank ? "Flag a release as not to be used (still downloadable by exact version)"
                                      : "Remove the yank flag from a release");
  cmd->add_option("RELEASE", target, "NAMESPACE/NAME@VERSION")->required();
  if (yank) cmd->add_option("--reason", reason, "why (shown to those who pull it)");
  cmd->add_flag("--json", as_json[yank], "print the release as JSON");
  cmd->callback([&exit_code, &target, yank] {
    const client::RepoRef ref = client::parse_repo_ref(target, true);
    if (!ref.requirement) throw CLI::ValidationError("RELEASE", "name the version: NAMESPACE/NAME@VERSION");
    const json release = make_client()->yank(ref.ns + "/" + ref.name, *ref.requirement, reason, yank);
    if (as_json[yank]) print_json(release);
    else std::cout << (yank ? "Yanked " : "Unyanked ") << ref.ns << "/" << ref.name << " " << text_of(release, "version") << "\n";
    exit_code = kExitOk;
  });
}

// ---- the local cache ----

void add_cache(CLI::App& app, int& exit_code) {
  static bool as_json = false;
  auto* cmd = app.add_subcommand("cache", "What the local cache holds (pulled files, offline releases); empty it");
  cmd->require_subcommand(0, 1);
  auto* info = cmd->add_subcommand("info", "The cache's folder, size and cached releases (also plain 'synfire cache')");
  info->add_flag("--json", as_json, "print JSON");
  auto show = [&] {
    const client::CacheReport report = client::inspect_cache(client::load_settings(globals().endpoint));
    if (as_json) {
      print_json(client::to_json(report));
    } else {
      std::cout << report.directory.string() << ": " << report.files << " file(s), "
                << human_bytes(static_cast<double>(report.file_bytes)) << " verified";
      if (report.partial_bytes > 0)
        std::cout << "; " << human_bytes(static_cast<double>(report.partial_bytes)) << " of interrupted downloads";
      if (report.resumable_pushes > 0) std::cout << "; " << report.resumable_pushes << " push(es) that can resume";
      std::cout << "\n";
      for (const auto& r : report.releases) std::cout << "  " << r.repository << " " << r.version << "  (" << r.server << ")\n";
    }
    exit_code = kExitOk;
  };
  info->callback(show);
  cmd->callback([cmd, show] {
    if (cmd->get_subcommands().empty()) show();
  });
  auto* clear = cmd->add_subcommand("clear", "Remove everything the cache holds (folders you pulled into keep their files)");
  clear->callback([&] {
    const client::Settings settings = client::load_settings(globals().endpoint);
    const std::uint64_t freed = client::clear_cache(settings);
    std::cout << "Freed " << human_bytes(static_cast<double>(freed)) << " in " << settings.cache_dir.string() << "\n";
    exit_code = kExitOk;
  });
}

void add_audit(CLI::App& app, int& exit_code) {
  static std::string ns;
  static int limit = 50;
  static std::int64_t before = 0;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("audit", "Who did what in a namespace, newest first (its owners and admins)");
  cmd->add_option("NAMESPACE", ns, "a user or organization")->required();
  cmd->add_option("--limit", limit, "how many entries (1 to 1000)");
  cmd->add_option("--before", before, "entries older than this id (to page back)");
  cmd->add_flag("--json", as_json, "print JSON");
  cmd->callback([&] {
    const json log = make_client()->audit(ns, limit, before);
    if (as_json) {
      print_json(log);
    } else {
      for (const auto& e : log) {
        std::cout << std::setw(6) << text_of(e, "id") << "  " << utc_time(e.value("at", std::int64_t{0}), "%Y-%m-%d %H:%M:%SZ") << "  " << std::left << std::setw(12)
                  << text_of(e, "actor") << std::setw(16) << text_of(e, "action") << text_of(e, "target") << std::right
                  << (e.contains("detail") && !e["detail"].is_null() ? "  " + e["detail"].dump() : "") << "\n";
      }
    }
    exit_code = kExitOk;
  });
}

// ---- organizations and tokens ----

void add_org(CLI::App& app, int& exit_code) {
  static std::string org, user, role = "write";
  static bool as_json = false;
  auto* cmd = app.add_subcommand("org", "Organizations and their members");
  cmd->require_subcommand(1);
  cmd->add_flag("--json", as_json, "print JSON");
  auto* create = cmd->add_subcommand("create", "Create an organization (you become its owner)");
  create->add_option("ORG", org)->required();
  create->callback([&] {
    const json created = make_client()->create_org(org);
    if (as_json) print_json(created);
    else std::cout << "Created organization " << org << "\n";
    exit_code = kExitOk;
  });
  auto* members = cmd->add_subcommand("members", "List the members and their roles");
  members->add_option("ORG", org)->required();
  members->callback([&] {
    const json list = make_client()->org_members(org);
    if (as_json) print_json(list);
    else
      for (const auto& m : list.is_array() ? list : list.value("members", json::array()))
        std::cout << std::left << std::setw(24) << text_of(m, "user", text_of(m, "name")) << std::right << text_of(m, "role") << "\n";
    exit_code = kExitOk;
  });
  auto* add = cmd->add_subcommand("add", "Add a member, or change a member's role");
  add->add_option("ORG", org)->required();
  add->add_option("USER", user)->required();
  add->add_option("--role", role, "owner, admin, write or read")->check(CLI::IsMember({"owner", "admin", "write", "read"}));
  add->callback([&] {
    const json member = make_client()->set_org_member(org, user, role);
    if (as_json) print_json(member);
    else std::cout << user << " is now " << role << " in " << org << "\n";
    exit_code = kExitOk;
  });
  auto* remove = cmd->add_subcommand("remove", "Remove a member");
  remove->add_option("ORG", org)->required();
  remove->add_option("USER", user)->required();
  remove->callback([&] {
    make_client()->remove_org_member(org, user);
    if (!as_json) std::cout << "Removed " << user << " from " << org << "\n";
    exit_code = kExitOk;
  });
}

void add_token(CLI::App& app, int& exit_code) {
  static std::string name, scope = "write";
  static std::optional<double> expires_days;
  static std::int64_t id = 0;
  static bool as_json = false;
  auto* cmd = app.add_subcommand("token", "API tokens for scripts and CI");
  cmd->require_subcommand(1);
  cmd->add_flag("--json", as_json, "print JSON");
  auto* create = cmd->add_subcommand("create", "Create a token (its secret is printed once)");
  create->add_option("NAME", name)->required();
  create->add_option("--scope", scope, "read, write or admin")->check(CLI::IsMember({"read", "write", "admin"}));
  create->add_option("--expires-in", expires_days, "days until it expires");
  create->callback([&] {
    std::optional<std::int64_t> expires_at;
    if (expires_days) expires_at = static_cast<std::int64_t>(std::time(nullptr) + *expires_days * 86400);
    const json token = make_client()->create_token(name, scope, expires_at);
    if (as_json) print_json(token);
    else std::cout << text_of(token, "token") << "\n";
    if (!as_json && !globals().quiet) std::cerr << "Token " << name << " (scope " << scope << "): shown once, keep it safe\n";
    exit_code = kExitOk;
  });
  auto* list = cmd->add_subcommand("list", "Your tokens (never their secrets)");
  list->callback([&] {
    const json tokens = make_client()->list_tokens();
    if (as_json) print_json(tokens);
    else
      for (const auto& t : tokens.is_array() ? tokens : tokens.value("tokens", json::array()))
        std::cout << std::setw(6) << text_of(t, "id") << "  " << std::left << std::setw(20) << text_of(t, "name") << std::setw(8)
                  << text_of(t, "scope") << std::right << (t.value("revoked", false) ? "revoked" : "") << "\n";
    exit_code = kExitOk;
  });
  auto* revoke = cmd->add_subcommand("revoke", "Revoke a token by its id");
  revoke->add_option("ID", id)->required();
  revoke->callback([&] {
    make_client()->revoke_token(id);
    if (!as_json) std::cout << "Revoked token " << id << "\n";
    exit_code = kExitOk;
  });
}

}  // namespace

void add_remote_commands(CLI::App& app, int& exit_code) {
  app.fallthrough();  // the global options may also come after the command
  app.add_option("--endpoint", globals().endpoint, "the server (default: SYNFIRE_ENDPOINT, config.toml, http://127.0.0.1:8080)");
  app.add_flag("--quiet,-q", globals().quiet, "no progress bars or notes on stderr");
  app.add_option("--limit-rate", globals().limit_rate, "cap each transfer, e.g. 20M (bytes per second)");
  add_login(app, exit_code);
  add_logout(app, exit_code);
  add_whoami(app, exit_code);
  add_push(app, exit_code);
  add_pull(app, exit_code);
  add_search(app, exit_code);
  add_show(app, exit_code);
  add_versions(app, exit_code);
  add_yank(app, exit_code, true);
  add_yank(app, exit_code, false);
  add_org(app, exit_code);
  add_token(app, exit_code);
  add_audit(app, exit_code);
  add_cache(app, exit_code);
}

int exit_code_for(const std::string& code) {
  if (code == "not_logged_in" || code == "unauthorized" || code == "forbidden" || code == "too_many_attempts")
    return kExitAuth;
  if (code == "not_found" || code == "offline_miss") return kExitNotFound;
  if (code == "release_exists") return kExitExists;
  if (code == "checksum_mismatch") return kExitChecksum;
  if (code == "interrupted") return kExitInterrupted;
  if (code == "connection_failed" || code == "server_error" || code == "storage_error") return kExitNetwork;
  return kExitInvalid;
}

}  // namespace synfire::cli
