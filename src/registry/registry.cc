#include "synfire/registry/registry.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>
#include <semaphore>
#include <set>
#include <thread>

#include "synfire/card/card.h"
#include "synfire/registry/compatibility.h"
#include "synfire/error.h"
#include "synfire/semver/semver.h"

namespace synfire::registry {
namespace {

using storage::Role;
using storage::Scope;

constexpr std::size_t kMinPassword = 8;
constexpr std::size_t kMaxPassword = 1024;
constexpr std::uint64_t kMaxNotesBytes = 1 << 20;
const std::set<std::string> kReleaseFileNames = {"model.nir", "nir-card.json", "RELEASE_NOTES.md"};
const std::set<std::string> kReservedNames = {
    "about", "account", "admin", "api", "assets", "blobs", "docs", "explore", "help", "login", "logout",
    "metrics", "new", "orgs", "organizations", "repos", "search", "settings", "signup", "static", "synfire",
    "tokens", "uploads", "users", "www", "healthz"};

[[noreturn]] void fail(const std::string& code, const std::string& message, const std::string& where = {}) {
  throw Failure(code, message, where);
}

void ensure_sodium() {
  static const int ready = sodium_init();
  if (ready < 0) fail("storage_error", "libsodium could not start");
}

std::string new_secret() {
  ensure_sodium();
  std::array<unsigned char, 32> bytes;
  randombytes_buf(bytes.data(), bytes.size());
  std::string hex(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return "sf_" + hex;
}

// argon2id takes 64 MiB per hash: at most one per core at a time, so that a burst of
// logins costs bounded memory and leaves the rest of the server its threads.
class PasswordHashSlot {
 public:
  PasswordHashSlot() { slots().acquire(); }
  ~PasswordHashSlot() { slots().release(); }
  PasswordHashSlot(const PasswordHashSlot&) = delete;
  PasswordHashSlot& operator=(const PasswordHashSlot&) = delete;

 private:
  static std::counting_semaphore<>& slots() {
    static std::counting_semaphore<> shared(std::max<std::ptrdiff_t>(1, std::thread::hardware_concurrency()));
    return shared;
  }
};

std::string hash_password(const std::string& password) {
  ensure_sodium();
  PasswordHashSlot slot;
  std::array<char, crypto_pwhash_STRBYTES> hashed{};
  if (crypto_pwhash_str(hashed.data(), password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    fail("storage_error", "cannot hash the password (out of memory)");
  return hashed.data();
}

bool password_matches(const std::string& hash, const std::string& password) {
  ensure_sodium();
  if (hash.empty()) return false;
  PasswordHashSlot slot;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

std::string not_found_message(const std::string& ns, const std::string& repo) {
  return "no repository " + ns + "/" + repo + " (or you may not see it)";
}

}  // namespace

std::int64_t system_clock_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::optional<std::string> name_problem(const std::string& name) {
  if (name.empty() || name.size() > 64) return "a name has 1 to 64 characters";
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return "a name holds only lower-case letters, digits, '-', '_' and '.'";
  if (name.front() == '.' || name.front() == '-') return "a name starts with a letter, a digit or '_'";
  if (name.find("..") != std::string::npos) return "a name cannot contain '..'";
  if (kReservedNames.count(name)) return "'" + name + "' is reserved";
  return std::nullopt;
}

Registry::Registry(storage::MetadataStore& metadata, storage::BlobStore& blobs, ModelChecker& checker, Clock clock)
    : metadata_(metadata), blobs_(blobs), checker_(checker), clock_(std::move(clock)) {}

// ---- accounts ---------------------------------------------------------------

storage::User Registry::sign_up(const std::string& name, const std::string& password, bool admin) {
  if (auto problem = name_problem(name)) fail("invalid_name", *problem, name);
  if (password.size() < kMinPassword || password.size() > kMaxPassword)
    fail("invalid_password", "a password has 8 to 1024 characters");
  auto user = metadata_.create_user(name, hash_password(password), admin, clock_());
  if (!user) fail("name_taken", "the name '" + name + "' is taken", name);
  return *user;
}

NewToken Registry::log_in(const std::string& name, const std::string& password) {
  const auto user = metadata_.find_user(name);
  if (!user || !password_matches(user->password_hash, password)) fail("unauthorized", "wrong username or password");
  const std::string secret = new_secret();
  // A password login is a full session, as on a web page: scope admin.
  auto token = metadata_.create_token(user->id, "login", crypto::sha256_hex(secret), Scope::admin, std::nullopt, clock_());
  return {token, secret};
}

Caller Registry::authenticate(const std::string& secret) {
  const auto token = metadata_.find_token(crypto::sha256_hex(secret));
  if (!token || token->revoked) fail("unauthorized", "the token is unknown or revoked");
  if (token->expires_at && *token->expires_at <= clock_()) fail("unauthorized", "the token has expired");
  auto user = metadata_.find_user_by_id(token->user_id);
  if (!user) fail("unauthorized", "the token's user no longer exists");
  return Caller{std::move(user), token->scope};
}

void Registry::require_user(const Caller& caller) {
  if (caller.anonymous()) fail("unauthorized", "sign in first: send 'Authorization: Bearer <token>'");
}

void Registry::require_scope(const Caller& caller, Scope scope) {
  require_user(caller);
  if (caller.scope < scope)
    fail("forbidden", std::string("this needs a token with scope '") + storage::scope_name(scope) + "'");
}

NewToken Registry::create_token(const Caller& caller, const std::string& name, Scope scope,
                                std::optional<std::int64_t> expires_at) {
  require_scope(caller, scope);
  if (name.empty() || name.size() > 64) fail("invalid_request", "a token name has 1 to 64 characters");
  if (expires_at && *expires_at <= clock_()) fail("invalid_request", "the expiry is in the past");
  const std::string secret = new_secret();
  auto token = metadata_.create_token(caller.user->id, name, crypto::sha256_hex(secret), scope, expires_at, clock_());
  audit(caller, "token.create", caller.user->name, std::to_string(token.id),
        {{"name", name}, {"scope", storage::scope_name(scope)}});
  return {token, secret};
}

std::vector<storage::Token> Registry::list_tokens(const Caller& caller) {
  require_user(caller);
  return metadata_.list_tokens(caller.user->id);
}

void Registry::revoke_token(const Caller& caller, std::int64_t token_id) {
  require_user(caller);
  if (!metadata_.revoke_token(caller.user->id, token_id)) fail("not_found", "you have no token " + std::to_string(token_id));
  audit(caller, "token.revoke", caller.user->name, std::to_string(token_id));
}

// ---- organizations ------------------------------------------------------------

storage::Org Registry::require_org(const std::string& name) {
  auto org = metadata_.find_org(name);
  if (!org) fail("not_found", "no organization '" + name + "'", name);
  return *org;
}

void Registry::require_org_role(const Caller& caller, const storage::Org& org, Role role) {
  const auto held = metadata_.member_role(org.id, caller.user->id);
  if (caller.user->admin) return;
  if (!held) fail("not_found", "no organization '" + org.name + "'", org.name);
  if (*held < role)
    fail("forbidden", std::string("this needs the role '") + storage::role_name(role) + "' in " + org.name);
}

storage::Org Registry::create_org(const Caller& caller, const std::string& name) {
  require_scope(caller, Scope::write);
  if (auto problem = name_problem(name)) fail("invalid_name", *problem, name);
  auto org = metadata_.create_org(name, caller.user->id, clock_());
  if (!org) fail("name_taken", "the name '" + name + "' is taken", name);
  audit(caller, "org.create", name, name);
  return *org;
}

void Registry::set_member(const Caller& caller, const std::string& org_name, const std::string& user_name,
                          Role role) {
  require_scope(caller, Scope::admin);
  const storage::Org org = require_org(org_name);
  require_org_role(caller, org, role == Role::owner ? Role::owner : Role::admin);
  const auto user = metadata_.find_user(user_name);
  if (!user) fail("not_found", "no user '" + user_name + "'", user_name);
  const auto current = metadata_.member_role(org.id, user->id);
  if (current == Role::owner && role != Role::owner) require_org_role(caller, org, Role::owner);
  metadata_.set_member(org.id, user->id, role);
  ++search_generation_;  // what the member may find changed
  audit(caller, "member.set", org_name, user_name, {{"role", storage::role_name(role)}});
}

void Registry::remove_member(const Caller& caller, const std::string& org_name, const std::string& user_name) {
  require_scope(caller, Scope::admin);
  const storage::Org org = require_org(org_name);
  require_org_role(caller, org, Role::admin);
  const auto user = metadata_.find_user(user_name);
  if (!user) fail("not_found", "no user '" + user_name + "'", user_name);
  if (metadata_.member_role(org.id, user->id) == Role::owner) {
    require_org_role(caller, org, Role::owner);
    const auto members = metadata_.list_members(org.id);
    if (std::count_if(members.begin(), members.end(), [](const auto& m) { return m.role == Role::owner; }) == 1)
      fail("forbidden", "an organization keeps at least one owner");
  }
  if (!metadata_.remove_member(org.id, user->id)) fail("not_found", user_name + " is not a member of " + org_name);
  ++search_generation_;
  audit(caller, "member.remove", org_name, user_name);
}

std::vector<storage::Member> Registry::list_members(const Caller& caller, const std::string& org_name) {
  require_user(caller);
  const storage::Org org = require_org(org_name);
  require_org_role(caller, org, Role::read);
  return metadata_.list_members(org.id);
}

// ---- repositories ---------------------------------------------------------------

std::optional<Role> Registry::org_role(const Caller& caller, const std::string& ns) {
  if (caller.anonymous()) return std::nullopt;
  const auto org = metadata_.find_org(ns);
  if (!org) return std::nullopt;
  return metadata_.member_role(org->id, caller.user->id);
}

bool Registry::can_write(const Caller& caller, const std::string& ns) {
  if (caller.anonymous() || caller.scope < Scope::write) return false;
  if (caller.user->admin || caller.user->name == ns) return true;
  const auto role = org_role(caller, ns);
  return role && *role >= Role::write;
}

bool Registry::can_read(const Caller& caller, const storage::Repo& repo) {
  if (!repo.is_private) return true;
  if (caller.anonymous()) return false;
  return caller.user->admin || caller.user->name == repo.ns || org_role(caller, repo.ns).has_value();
}

storage::Repo Registry::create_repo(const Caller& caller, const std::string& ns, const std::string& name,
                                    bool is_private, const std::string& description) {
  require_scope(caller, Scope::write);
  if (auto problem = name_problem(name)) fail("invalid_name", *problem, name);
  if (!metadata_.find_user(ns) && !metadata_.find_org(ns)) fail("not_found", "no user or organization '" + ns + "'", ns);
  if (!can_write(caller, ns)) fail("forbidden", "you may not create repositories in '" + ns + "'", ns);
  auto repo = metadata_.create_repo(ns, name, is_private, description, clock_());
  if (!repo) fail("repo_exists", ns + "/" + name + " exists already", ns + "/" + name);
  ++search_generation_;
  audit(caller, "repo.create", ns, name, {{"private", is_private}});
  return *repo;
}

storage::Repo Registry::get_repo(const Caller& caller, const std::string& ns, const std::string& name) {
  auto repo = metadata_.find_repo(ns, name);
  if (!repo || !can_read(caller, *repo)) fail("not_found", not_found_message(ns, name), ns + "/" + name);
  return *repo;
}

// ---- releases -----------------------------------------------------------------------

std::string Registry::read_blob(const crypto::Digest& digest, std::uint64_t max_bytes) {
  auto reader = blobs_.open(digest);
  if (!reader) fail("blob_unknown", "no uploaded blob " + digest.to_string());
  std::string bytes;
  std::array<std::byte, 1 << 16> buffer;
  for (std::size_t n; (n = reader->read(buffer)) > 0;) {
    bytes.append(reinterpret_cast<const char*>(buffer.data()), n);
    if (bytes.size() > max_bytes) break;  // the validator reports it as too large
  }
  return bytes;
}

storage::Release Registry::publish(const Caller& caller, const ReleaseRequest& request, std::vector<Error>* warnings) {
  require_scope(caller, Scope::write);
  std::string error;
  const auto version = semver::parse(request.version, &error);
  if (!version) fail("invalid_version", "'" + request.version + "' is not a semantic version: " + error, request.version);

  std::map<std::string, crypto::Digest> files;
  for (const auto& [name, digest_text] : request.files) {
    if (!kReleaseFileNames.count(name))
      fail("invalid_request", "a release holds model.nir, nir-card.json and optionally RELEASE_NOTES.md, not '" + name + "'",
           "/files/" + name);
    const auto digest = crypto::Digest::parse(digest_text);
    if (!digest) fail("invalid_request", "'" + digest_text + "' is not a digest of the form sha256:<64 hex digits>", "/files/" + name);
    if (!blobs_.size(*digest)) fail("blob_unknown", name + ": no uploaded blob " + digest->to_string() + "; upload it first", "/files/" + name);
    files.emplace(name, *digest);
  }
  for (const char* required : {"model.nir", "nir-card.json"})
    if (!files.count(required)) fail("invalid_request", std::string("a release needs ") + required, "/files");

  auto repo = metadata_.find_repo(request.ns, request.repo);
  if (repo && !can_read(caller, *repo)) fail("not_found", not_found_message(request.ns, request.repo));
  if (!can_write(caller, request.ns))
    fail("forbidden", "you may not publish to '" + request.ns + "'", request.ns + "/" + request.repo);
  const std::string identity = version->to_string_without_build();
  if (repo && metadata_.find_release(repo->id, identity))
    fail("release_exists", "version " + identity + " of " + request.ns + "/" + request.repo +
                               " exists; releases are immutable: publish a new version instead");

  // Validate everything and report every error at once.
  Error invalid{"invalid_release", "the release is invalid", request.ns + "/" + request.repo, {}};
  const card::Result card = card::validate(read_blob(files.at("nir-card.json"), card::kMaxCardBytes + 1));
  for (const auto& e : card.errors) invalid.details.push_back({e.code, e.message, "nir-card.json#" + e.pointer, {}});
  const ModelReport model = checker_.check(blobs_, files.at("model.nir"));
  if (!model.readable)
    invalid.details.push_back({model.error_class, "model.nir: " + model.error_message, "model.nir" + (model.error_path.rfind('/', 0) == 0 ? model.error_path : ""), {}});
  if (!invalid.details.empty()) throw Failure(invalid);
  if (warnings)
    for (const auto& w : card.warnings) warnings->push_back({w.code, w.message, "nir-card.json#" + w.pointer, {}});

  if (!repo) repo = metadata_.create_repo(request.ns, request.repo, request.create_private, "", clock_());
  if (!repo) repo = metadata_.find_repo(request.ns, request.repo);  // created by a concurrent push

  for (const auto& [name, digest] : files) blobs_.touch(digest);  // restart the collector's grace period
  const auto report = nlohmann::json::parse(model.report_json);
  storage::Release release;
  release.repo_id = repo->id;
  release.version = identity;
  release.version_full = version->to_string();
  release.sort_key = semver::sort_key(*version);
  release.prerelease = version->is_prerelease();
  release.card_json = card.normalized_json;
  release.extract_json = report["extract"].dump();
  release.findings_json = report["findings"].dump();
  release.license = card.license.value_or("");
  release.created_by = caller.user->name;
  release.created_at = clock_();
  for (const auto& [name, digest] : files) release.files.push_back({name, *blobs_.size(digest), digest.hex});
  if (metadata_.create_release(release) == storage::CreateResult::exists)
    fail("release_exists", "version " + identity + " of " + request.ns + "/" + request.repo +
                               " exists; releases are immutable: publish a new version instead");
  reindex(*repo);
  nlohmann::json files_detail = nlohmann::json::object();
  for (const auto& f : release.files) files_detail[f.name] = "sha256:" + f.sha256;
  audit(caller, "release.publish", request.ns, request.repo + "@" + identity, {{"files", files_detail}});
  return release;
}

std::vector<storage::Release> Registry::list_releases(const Caller& caller, const std::string& ns,
                                                      const std::string& repo) {
  return metadata_.list_releases(get_repo(caller, ns, repo).id);
}

storage::Release Registry::get_release(const Caller& caller, const std::string& ns, const std::string& repo,
                                       const std::string& version) {
  const storage::Repo found = get_repo(caller, ns, repo);
  const auto parsed = semver::parse(version);
  if (!parsed) fail("not_found", "no release " + version + " of " + ns + "/" + repo);
  auto release = metadata_.find_release(found.id, parsed->to_string_without_build());
  if (!release) fail("not_found", "no release " + version + " of " + ns + "/" + repo);
  return *release;
}

storage::Release Registry::latest(const Caller& caller, const std::string& ns, const std::string& repo) {
  auto release = metadata_.latest_release(get_repo(caller, ns, repo).id);
  if (!release) fail("not_found", ns + "/" + repo + " has no release that is not yanked");
  return *release;
}

storage::Release Registry::resolve(const Caller& caller, const std::string& ns, const std::string& repo,
                                   const std::string& requirement) {
  std::string error;
  const auto req = semver::Requirement::parse(requirement, &error);
  if (!req) fail("invalid_requirement", "'" + requirement + "' is not a version requirement: " + error);
  for (const auto& r : list_releases(caller, ns, repo))
    if (!r.yanked && req->matches(*semver::parse(r.version))) return r;
  fail("not_found", "no release of " + ns + "/" + repo + " matches '" + requirement + "'");
}

void Registry::set_yanked(const Caller& caller, const std::string& ns, const std::string& repo,
                          const std::string& version, bool yanked, const std::string& reason) {
  require_scope(caller, Scope::write);
  const storage::Release release = get_release(caller, ns, repo, version);
  const bool own = caller.user->name == ns || caller.user->admin;
  const auto role = org_role(caller, ns);
  if (!own && !(role && *role >= Role::admin))
    fail("forbidden", "only an owner or admin of '" + ns + "' may yank or unyank releases");
  if (yanked && reason.empty()) fail("invalid_request", "say why the release is yanked (a reason is required)");
  metadata_.set_yanked(release.repo_id, release.version, yanked, reason);
  reindex(get_repo(caller, ns, repo));
  audit(caller, yanked ? "release.yank" : "release.unyank", ns, repo + "@" + release.version,
        yanked ? nlohmann::json{{"reason", reason}} : nlohmann::json(nullptr));
}

void Registry::audit(const Caller& caller, std::string action, std::string ns, std::string target,
                     const nlohmann::json& detail) {
  metadata_.append_audit({0, clock_(), caller.user ? caller.user->name : "", std::move(action), std::move(ns),
                          std::move(target), detail.is_null() ? "" : detail.dump()});
}

std::vector<storage::AuditEntry> Registry::audit_log(const Caller& caller, const std::string& ns, int limit,
                                                     std::int64_t before) {
  require_scope(caller, Scope::read);
  if (limit < 1 || limit > 1000) fail("invalid_request", "limit is 1 to 1000");
  const bool own = caller.user->name == ns || caller.user->admin;
  const auto role = org_role(caller, ns);
  if (!own && !(role && *role >= Role::admin))
    fail("forbidden", "the audit log of '" + ns + "' is for its owners and admins", ns);
  return metadata_.list_audit(ns, limit, before);
}

void Registry::reindex(const storage::Repo& repo) {
  ++search_generation_;
  storage::SearchEntry entry;
  entry.repo_id = repo.id;
  entry.description = repo.description;
  const auto releases = metadata_.list_releases(repo.id);
  const storage::Release* latest = nullptr;
  for (const auto& r : releases)
    if (!r.yanked && (!latest || (latest->prerelease && !r.prerelease))) latest = &r;
  if (latest) {
    const auto card = nlohmann::json::parse(latest->card_json.empty() ? "{}" : latest->card_json);
    const auto extract = nlohmann::json::parse(latest->extract_json.empty() ? "{}" : latest->extract_json);
    entry.description = card.value("description", repo.description);
    entry.updated_at = latest->created_at;
    auto add = [&](const char* kind, const std::string& value) { entry.facets.emplace_back(kind, value); };
    for (const char* field : {"tags", "capabilities"})
      if (card.contains(field) && card[field].is_array())
        for (const auto& v : card[field])
          if (v.is_string()) {
            add(std::string(field) == "tags" ? "tag" : "capability", v.get<std::string>());
            entry.keywords += v.get<std::string>() + " ";
          }
    if (card.contains("tested_platforms") && card["tested_platforms"].is_array())
      for (const auto& p : card["tested_platforms"])
        if (p.is_object() && p.contains("name") && p["name"].is_string()) add("platform", p["name"].get<std::string>());
    for (const auto& v : extract.value("neuron_types", nlohmann::json::array())) add("neuron_type", v.get<std::string>());
    for (const auto& v : extract.value("linear_ops", nlohmann::json::array())) add("linear_op", v.get<std::string>());
    if (extract.contains("model_size_category")) add("size", extract["model_size_category"].get<std::string>());
    if (!latest->license.empty()) add("license", latest->license);
    const nlohmann::json compatible = compatibility(extract);
    for (const auto& [framework, result] : compatible["frameworks"].items())
      if (result["can_load"].get<bool>()) add("compatible_with", framework);
  }
  metadata_.index_repo(entry);
}

storage::SearchResult Registry::search(const Caller& caller, storage::SearchQuery query) {
  if (query.page < 1 || query.per_page < 1 || query.per_page > 100)
    fail("invalid_request", "page starts at 1; per_page is 1 to 100");
  static const std::set<std::string> kSorts = {"relevance", "downloads", "updated", "name"};
  if (!kSorts.count(query.sort)) fail("invalid_request", "sort is relevance, downloads, updated or name");
  static const std::set<std::string> kFacets = {"tag", "capability", "neuron_type", "linear_op", "license",
                                                "size", "platform", "compatible_with"};
  for (const auto& [kind, value] : query.filters)
    if (!kFacets.count(kind)) fail("invalid_request", "there is no filter '" + kind + "'");
  query.viewer_admin = !caller.anonymous() && caller.user->admin;
  query.viewer_namespaces.clear();
  if (!caller.anonymous()) {
    query.viewer_namespaces = metadata_.user_orgs(caller.user->id);
    query.viewer_namespaces.push_back(caller.user->name);
  }
  return metadata_.search(query);
}

Registry::GarbageReport Registry::collect_garbage(std::chrono::seconds grace) {
  GarbageReport report;
  report.uploads_removed = blobs_.purge_uploads(grace);
  report.temporaries_removed = blobs_.purge_incomplete(std::min(grace, std::chrono::seconds(3600)));
  const std::int64_t cutoff = clock_() - grace.count();
  std::set<std::string> referenced;
  for (auto& hex : metadata_.referenced_blobs()) referenced.insert(std::move(hex));
  for (const auto& digest : blobs_.list()) {
    if (referenced.count(digest.hex)) continue;
    const auto touched = blobs_.touched_at(digest);
    if (!touched || *touched > cutoff) continue;
    // A release committed since the list was read may reference it now: look again.
    if (metadata_.blob_referenced(digest.hex)) continue;
    if (blobs_.remove(digest)) ++report.blobs_removed;
  }
  return report;
}

Registry::VerifyReport Registry::verify_blobs(const std::function<void(const std::string&)>& on_blob) {
  VerifyReport report;
  std::vector<std::string> referenced = metadata_.referenced_blobs();
  std::sort(referenced.begin(), referenced.end());
  referenced.erase(std::unique(referenced.begin(), referenced.end()), referenced.end());
  std::vector<std::byte> buffer(1 << 20);
  for (const auto& hex : referenced) {
    const crypto::Digest digest{hex};
    if (on_blob) on_blob(digest.to_string());
    auto reader = blobs_.open(digest);
    if (!reader) {
      report.missing.push_back(digest.to_string());
      continue;
    }
    crypto::Sha256 hasher;
    for (std::size_t n; (n = reader->read(buffer)) > 0;) {
      hasher.update(std::span(buffer.data(), n));
      report.bytes_read += n;
    }
    const std::string actual = hasher.finish_hex();
    if (actual != hex) report.damaged.emplace_back(digest.to_string(), "sha256:" + actual);
    ++report.blobs_checked;
  }
  return report;
}

}  // namespace synfire::registry
