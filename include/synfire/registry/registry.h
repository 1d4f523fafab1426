#pragma once
// The registry core: accounts, tokens, organizations, repositories and immutable
// semver releases, with every permission rule. It knows no HTTP and no SQL: it is
// given a MetadataStore, a BlobStore, a ModelChecker and a clock (set once at start).
// Failures are synfire::Failure with a code from errors.h (each maps to one HTTP
// status). Thread-safe when its stores are.
//
// Start here: a caller is authenticated once (authenticate), then passed to every
// operation; an anonymous caller is a Caller without a user.

#include <atomic>
#include <nlohmann/json.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "synfire/crypto/sha256.h"
#include "synfire/error.h"
#include "synfire/registry/model_checker.h"
#include "synfire/storage/blob_store.h"
#include "synfire/storage/metadata_store.h"

namespace synfire::registry {

using Clock = std::function<std::int64_t()>;  // Unix seconds
std::int64_t system_clock_now();

struct Caller {
  std::optional<storage::User> user;  // unset: anonymous
  storage::Scope scope = storage::Scope::read;
  bool anonymous() const { return !user; }
};

struct NewToken {
  storage::Token token;
  std::string secret;  // shown once; only its SHA-256 is stored
};

// Names of users, organizations and repositories: 1-64 of [a-z0-9._-], not starting
// with '.' or '-', no "..", not reserved. Returns why a name is refused, or nullopt.
std::optional<std::string> name_problem(const std::string& name);

struct ReleaseRequest {
  std::string ns, repo, version;
  std::map<std::string, std::string> files;  // file name -> "sha256:<hex>"
  bool create_private = false;              // visibility when the push creates the repo
};

class Registry {
 public:
  Registry(storage::MetadataStore& metadata, storage::BlobStore& blobs, ModelChecker& checker,
           Clock clock = system_clock_now);

  // ---- accounts ------------------------------------------------------------
  storage::User sign_up(const std::string& name, const std::string& password, bool admin = false);
  // A token for a username and password (scope admin, named "login").
  NewToken log_in(const std::string& name, const std::string& password);
  // The caller a token secret stands for; "unauthorized" when unknown, revoked or expired.
  Caller authenticate(const std::string& secret);
  NewToken create_token(const Caller& caller, const std::string& name, storage::Scope scope,
                        std::optional<std::int64_t> expires_at);
  std::vector<storage::Token> list_tokens(const Caller& caller);
  void revoke_token(const Caller& caller, std::int64_t token_id);

  // ---- organizations -------------------------------------------------------
  storage::Org create_org(const Caller& caller, const std::string& name);
  void set_member(const Caller& caller, const std::string& org, const std::string& user, storage::Role role);
  void remove_member(const Caller& caller, const std::string& org, const std::string& user);
  std::vector<storage::Member> list_members(const Caller& caller, const std::string& org);

  // ---- repositories and releases ---------------------------------------------
  storage::Repo create_repo(const Caller& caller, const std::string& ns, const std::string& name, bool is_private,
                            const std::string& description);
  // "not_found" for a private repository the caller may not read.
  storage::Repo get_repo(const Caller& caller, const std::string& ns, const std::string& name);
  // Validates the version, the card and the model (through the ModelChecker), and
  // creates the release at once; "release_exists" when the version exists (build
  // metadata ignored). `warnings`, when given, gets the card's warnings (a deprecated
  // license id ...), each with where = "nir-card.json#<pointer>".
  storage::Release publish(const Caller& caller, const ReleaseRequest& request, std::vector<Error>* warnings = nullptr);
  std::vector<storage::Release> list_releases(const Caller& caller, const std::string& ns, const std::string& repo);
  storage::Release get_release(const Caller& caller, const std::string& ns, const std::string& repo,
                               const std::string& version);
  // The highest release that is neither a pre-release nor yanked; else the highest
  // pre-release that is not yanked.
  storage::Release latest(const Caller& caller, const std::string& ns, const std::string& repo);
  // The highest non-yanked release matching a requirement ("^1.2", ">=1, <2" ...).
  storage::Release resolve(const Caller& caller, const std::string& ns, const std::string& repo,
                           const std::string& requirement);
  void set_yanked(const Caller& caller, const std::string& ns, const std::string& repo, const std::string& version,
                  bool yanked, const std::string& reason);

  // ---- search -------------------------------------------------------------------------
  // Full text over names, descriptions, tags and capabilities, with facet filters
  // (tag, capability, neuron_type, linear_op, license, size, platform,
  // compatible_with); private repositories only for those who may read them.
  storage::SearchResult search(const Caller& caller, storage::SearchQuery query);
  // Changes whenever a search could answer differently (a release published or
  // yanked, a repository created, a membership changed): lets callers cache answers.
  std::uint64_t search_generation() const { return search_generation_.load(); }
  // Refreshes what search knows of a repository from its latest release.
  void reindex(const storage::Repo& repo);

  // ---- audit -------------------------------------------------------------------------
  // Who did what in a namespace (publish, yank, repository, membership, token ...),
  // newest first; for the namespace's own user, an org's owners and admins, and
  // server admins. `before`: an entry id, to page back.
  std::vector<storage::AuditEntry> audit_log(const Caller& caller, const std::string& ns, int limit,
                                             std::int64_t before);

  // ---- maintenance ------------------------------------------------------------------
  struct GarbageReport {
    std::size_t blobs_removed = 0, uploads_removed = 0, temporaries_removed = 0;
  };
  // Removes blobs no release references and untouched for `grace`, upload sessions
  // idle for `grace`, and temporary files of interrupted writes. Never a blob a
  // release references: references are read again right before each removal.
  GarbageReport collect_garbage(std::chrono::seconds grace);

  struct VerifyReport {
    std::size_t blobs_checked = 0;
    std::uint64_t bytes_read = 0;
    std::vector<std::string> missing;                         // digests ("sha256:<hex>") not in the store
    std::vector<std::pair<std::string, std::string>> damaged;  // digest, what its bytes hash to
  };
  // Reads every blob a release references and checks it against its SHA-256 (a scrub:
  // damage on disk is found before someone downloads it). `on_blob` is told each
  // digest as it is checked.
  VerifyReport verify_blobs(const std::function<void(const std::string&)>& on_blob = {});

  // Whether the caller may write to a namespace (its own, or an org where it has write).
  bool can_write(const Caller& caller, const std::string& ns);

 private:
  std::atomic<std::uint64_t> search_generation_{0};
  storage::MetadataStore& metadata_;
  storage::BlobStore& blobs_;
  ModelChecker& checker_;
  Clock clock_;

  bool can_read(const Caller& caller, const storage::Repo& repo);
  void audit(const Caller& caller, std::string action, std::string ns, std::string target,
             const nlohmann::json& detail = nullptr);
  std::optional<storage::Role> org_role(const Caller& caller, const std::string& ns);
  void require_user(const Caller& caller);
  void require_scope(const Caller& caller, storage::Scope scope);
  storage::Org require_org(const std::string& name);
  void require_org_role(const Caller& caller, const storage::Org& org, storage::Role role);
  std::string read_blob(const crypto::Digest& digest, std::uint64_t max_bytes);
};

}  // namespace synfire::registry
