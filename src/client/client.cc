// The JSON API calls of the client; push and pull are in their own files.

#include "synfire/client/client.h"

#include "api_calls.h"
#include "http.h"
#include "synfire/semver/semver.h"

namespace synfire::client {

RepoRef parse_repo_ref(const std::string& text, bool allow_requirement) {
  RepoRef ref;
  std::string path = text;
  if (const auto at = text.find('@'); at != std::string::npos) {
    if (!allow_requirement)
      throw ClientFailure("invalid_input", "give the repository as NAMESPACE/NAME without '@' here", text);
    path = text.substr(0, at);
    ref.requirement = text.substr(at + 1);
    if (ref.requirement->empty()) throw ClientFailure("invalid_input", "nothing after '@': give a version or a requirement such as ^1.0", text);
  }
  const auto slash = path.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == path.size() || path.find('/', slash + 1) != std::string::npos)
    throw ClientFailure("invalid_input", "a repository is NAMESPACE/NAME (for example nrg-lab/snn-classifier), not '" + path + "'", text);
  ref.ns = path.substr(0, slash);
  ref.name = path.substr(slash + 1);
  return ref;
}

std::string next_patch_version(const std::string& version) {
  auto parsed = semver::parse(version);
  if (!parsed) return version;
  return std::to_string(parsed->major) + "." + std::to_string(parsed->minor) + "." + std::to_string(parsed->patch + 1);
}

Client::Client(Settings settings) : settings_(std::move(settings)), http_(std::make_unique<Http>(settings_, cancel_)) {}
Client::~Client() = default;

std::string repo_path(const HttpSession& http, const RepoRef& ref) {
  return "/api/v1/repos/" + http.escape(ref.ns) + "/" + http.escape(ref.name);
}

nlohmann::json call_json(HttpSession& http, const Settings& settings, const CancelFn& cancel, const std::string& method,
                         const std::string& path, const nlohmann::json* body, const std::string& what) {
  Response response;
  const std::string text = body ? body->dump() : std::string();
  auto step = [&] {
    response = http.send(method, path, body ? &text : nullptr);
    if (!response.ok()) raise_for(response, what);
  };
  if (method == "POST") step();  // not idempotent: never repeated
  else with_retries(settings, cancel, step);
  if (response.body.empty()) return nullptr;
  auto parsed = nlohmann::json::parse(response.body, nullptr, false);
  if (parsed.is_discarded()) throw ClientFailure("server_error", what + ": the server's answer is not JSON");
  return parsed;
}

nlohmann::json Client::call(const std::string& method, const std::string& path, const nlohmann::json* body,
                            const std::string& what) {
  return call_json(*http_, settings_, cancel_, method, path, body, what);
}

void Client::require_token(const std::string& what) const {
  if (settings_.token.empty())
    throw ClientFailure("not_logged_in", what + " needs an account: run 'synfire login' (or set SYNFIRE_TOKEN)");
}

std::string Client::login(const std::string& user, const std::string& password) {
  const nlohmann::json body = {{"name", user}, {"password", password}};
  return call("POST", "/api/v1/auth/login", &body, "login").at("token").get<std::string>();
}

nlohmann::json Client::whoami() {
  require_token("whoami");
  return call("GET", "/api/v1/whoami", nullptr, "whoami");
}

nlohmann::json Client::create_token(const std::string& name, const std::string& scope,
                                    std::optional<std::int64_t> expires_at) {
  require_token("creating a token");
  nlohmann::json body = {{"name", name}, {"scope", scope}};
  if (expires_at) body["expires_at"] = *expires_at;
  return call("POST", "/api/v1/tokens", &body, "token create");
}

nlohmann::json Client::list_tokens() {
  require_token("listing tokens");
  return call("GET", "/api/v1/tokens", nullptr, "token list");
}

void Client::revoke_token(std::int64_t id) {
  require_token("revoking a token");
  call("DELETE", "/api/v1/tokens/" + std::to_string(id), nullptr, "token revoke");
}

nlohmann::json Client::create_org(const std::string& name) {
  require_token("creating an organization");
  const nlohmann::json body = {{"name", name}};
  return call("POST", "/api/v1/orgs", &body, "org create");
}

nlohmann::json Client::org_members(const std::string& org) {
  return call("GET", "/api/v1/orgs/" + http_->escape(org) + "/members", nullptr, "org members");
}

nlohmann::json Client::set_org_member(const std::string& org, const std::string& user, const std::string& role) {
  require_token("changing members");
  const nlohmann::json body = {{"role", role}};
  return call("PUT", "/api/v1/orgs/" + http_->escape(org) + "/members/" + http_->escape(user), &body, "org add");
}

void Client::remove_org_member(const std::string& org, const std::string& user) {
  require_token("changing members");
  call("DELETE", "/api/v1/orgs/" + http_->escape(org) + "/members/" + http_->escape(user), nullptr, "org remove");
}

nlohmann::json Client::repository(const std::string& repo) {
  return call("GET", repo_path(*http_, parse_repo_ref(repo, false)), nullptr, "show " + repo);
}

nlohmann::json Client::release(const std::string& repo, const std::string& requirement) {
  const RepoRef ref = parse_repo_ref(repo, false);
  const std::string base = repo_path(*http_, ref);
  std::string path;
  if (requirement.empty() || requirement == "latest") path = base + "/releases/latest";
  else if (semver::parse(requirement)) path = base + "/releases/" + http_->escape(requirement);  // exact, yanked too
  else path = base + "/resolve?req=" + http_->escape(requirement);
  nlohmann::json release = call("GET", path, nullptr, repo + "@" + requirement);
  release["repository"] = ref.ns + "/" + ref.name;
  release["url"] = release_url(repo, release.value("version", requirement));
  return release;
}

nlohmann::json Client::versions(const std::string& repo) {
  const RepoRef ref = parse_repo_ref(repo, false);
  nlohmann::json list = call("GET", repo_path(*http_, ref) + "/releases", nullptr, "versions " + repo);
  for (auto& release : list) {  // as release() gives them
    release["repository"] = ref.ns + "/" + ref.name;
    release["url"] = release_url(repo, release.value("version", ""));
  }
  return list;
}

nlohmann::json Client::search(const std::map<std::string, std::string>& params) {
  std::string query;
  for (const auto& [key, value] : params) {
    if (value.empty()) continue;
    query += (query.empty() ? "?" : "&") + http_->escape(key) + "=" + http_->escape(value);
  }
  return call("GET", "/api/v1/search" + query, nullptr, "search");
}

nlohmann::json Client::yank(const std::string& repo, const std::string& version, const std::string& reason, bool yanked) {
  require_token(yanked ? "yanking" : "unyanking");
  const nlohmann::json body = yanked ? nlohmann::json{{"reason", reason}} : nlohmann::json::object();
  return call("POST", repo_path(*http_, parse_repo_ref(repo, false)) + "/releases/" + http_->escape(version) +
                          (yanked ? "/yank" : "/unyank"),
              &body, yanked ? "yank" : "unyank");
}

nlohmann::json Client::audit(const std::string& ns, int limit, std::int64_t before) {
  require_token("reading the audit log");
  std::string path = "/api/v1/audit?namespace=" + http_->escape(ns) + "&limit=" + std::to_string(limit);
  if (before > 0) path += "&before=" + std::to_string(before);
  return call("GET", path, nullptr, "audit " + ns);
}

std::string Client::release_url(const std::string& repo, const std::string& version) const {
  const RepoRef ref = parse_repo_ref(repo, false);
  return settings_.endpoint + repo_path(*http_, ref) + "/releases/" + http_->escape(version);
}

}  // namespace synfire::client
