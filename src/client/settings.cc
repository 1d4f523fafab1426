// Where the client's endpoint, token, cache and configuration come from.

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "synfire/client/client.h"

namespace synfire::client {
namespace {

namespace fs = std::filesystem;

std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) return std::nullopt;
  return std::string(value);
}

fs::path xdg_dir(const char* variable, const char* fallback_under_home) {
  if (auto dir = env(variable)) return fs::path(*dir) / "synfire";
  const std::string home = env("HOME").value_or("/tmp");
  return fs::path(home) / fallback_under_home / "synfire";
}

std::optional<std::string> config_value(const fs::path& file, const std::string& key) {
  std::ifstream in(file);
  if (!in) return std::nullopt;
  try {
    for (const auto& item : CLI::ConfigTOML().from_config(in))
      if (item.name == key && item.parents.empty() && !item.inputs.empty()) return item.inputs.front();
  } catch (const CLI::Error& e) {
    throw ClientFailure("invalid_input", std::string("cannot read the configuration: ") + e.what(), file.string());
  }
  return std::nullopt;
}

nlohmann::json read_credentials(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return nlohmann::json::object();
  auto credentials = nlohmann::json::parse(in, nullptr, false);
  if (!credentials.is_object())
    throw ClientFailure("invalid_input", "the credentials file is not a JSON object; remove it and run 'synfire login'",
                        file.string());
  return credentials;
}

void write_private_file(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  const fs::path temp = file.string() + ".tmp";
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw ClientFailure("io_error", "cannot write the credentials file", temp.string());
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || ::rename(temp.c_str(), file.c_str()) != 0)
    throw ClientFailure("io_error", "cannot write the credentials file", file.string());
}

std::string trim_endpoint(std::string endpoint) {
  while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
  if (endpoint.rfind("http://", 0) != 0 && endpoint.rfind("https://", 0) != 0)
    throw ClientFailure("invalid_input", "the endpoint must start with http:// or https://, not '" + endpoint + "'");
  return endpoint;
}

}  // namespace

std::uint64_t parse_rate(const std::string& text) {
  std::size_t used = 0;
  double value = 0;
  try {
    value = std::stod(text, &used);
  } catch (...) {
  }
  const std::string unit = text.substr(std::min(used, text.size()));
  const double scale = unit.empty() ? 1 : unit == "K" || unit == "k" ? 1024 : unit == "M" || unit == "m" ? 1 << 20
                                      : unit == "G" || unit == "g"     ? 1 << 30 : -1;
  if (used == 0 || scale < 0 || value <= 0)
    throw ClientFailure("invalid_input", "a rate is bytes per second with an optional K, M or G (500K, 20M), not '" + text + "'");
  return static_cast<std::uint64_t>(value * scale);
}

Settings load_settings(const std::optional<std::string>& endpoint, const std::optional<std::string>& token) {
  Settings settings;
  settings.config_dir = xdg_dir("XDG_CONFIG_HOME", ".config");
  settings.cache_dir = xdg_dir("XDG_CACHE_HOME", ".cache");
  if (auto chosen = endpoint ? endpoint : env("SYNFIRE_ENDPOINT")) settings.endpoint = *chosen;
  else if (auto configured = config_value(settings.config_dir / "config.toml", "endpoint")) settings.endpoint = *configured;
  settings.endpoint = trim_endpoint(settings.endpoint);

  if (auto chosen = token ? token : env("SYNFIRE_TOKEN")) {
    settings.token = *chosen;
  } else {
    const auto credentials = read_credentials(settings.config_dir / "credentials");
    if (auto it = credentials.find(settings.endpoint); it != credentials.end() && it->is_object())
      settings.token = it->value("token", "");
  }
  if (auto rate = env("SYNFIRE_LIMIT_RATE")) settings.max_rate = parse_rate(*rate);
  const std::string offline = env("SYNFIRE_OFFLINE").value_or("");
  settings.offline = !offline.empty() && offline != "0" && offline != "false";
  return settings;
}

void save_credentials(const Settings& settings, const std::string& token, const std::string& user) {
  const fs::path file = settings.config_dir / "credentials";
  auto credentials = read_credentials(file);
  credentials[settings.endpoint] = {{"token", token}, {"user", user}};
  write_private_file(file, credentials.dump(2) + "\n");
}

bool forget_credentials(const Settings& settings) {
  const fs::path file = settings.config_dir / "credentials";
  auto credentials = read_credentials(file);
  if (!credentials.erase(settings.endpoint)) return false;
  write_private_file(file, credentials.dump(2) + "\n");
  return true;
}

}  // namespace synfire::client
