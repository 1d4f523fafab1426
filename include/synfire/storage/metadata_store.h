#pragma once
// The registry's metadata: accounts, tokens, organizations, repositories, releases
// and their files. The registry core talks to it only through this interface;
// drivers (SQLite, PostgreSQL) are leaves.
//
// Contracts common to every method:
// - each call is one transaction: it happens entirely or not at all;
// - a uniqueness conflict is reported in the return value (nullopt / false /
//   CreateResult::exists), never half-applied;
// - other failures throw synfire::Failure ("storage_error");
// - a store may be used from several threads at once.
// Times are Unix seconds.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace synfire::storage {

enum class Role { read, write, admin, owner };  // ascending rights
const char* role_name(Role role);
std::optional<Role> role_from_name(const std::string& name);

enum class Scope { read, write, admin };
const char* scope_name(Scope scope);
std::optional<Scope> scope_from_name(const std::string& name);

struct User {
  std::int64_t id = 0;
  std::string name;
  std::string password_hash;  // argon2id string (libsodium); empty: no password login
  bool admin = false;
  std::int64_t created_at = 0;
};

struct Token {
  std::int64_t id = 0;
  std::int64_t user_id = 0;
  std::string name;
  std::string secret_sha256;  // the secret itself is never stored
  Scope scope = Scope::read;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> expires_at;
  bool revoked = false;
};

struct Org {
  std::int64_t id = 0;
  std::string name;
  std::int64_t created_at = 0;
};

struct Member {
  std::string user;
  Role role = Role::read;
};

struct Repo {
  std::int64_t id = 0;
  std::string ns;  // the user or organization that owns it
  std::string name;
  bool is_private = false;
  std::string description;
  std::int64_t created_at = 0;
  std::int64_t downloads = 0;
};

struct ReleaseFile {
  std::string name;
  std::uint64_t size = 0;
  std::string sha256;  // hex
  friend bool operator==(const ReleaseFile&, const ReleaseFile&) = default;
};

struct Release {
  std::int64_t id = 0;
  std::int64_t repo_id = 0;
  std::string version;     // without build metadata: the release's identity
  std::string version_full;  // as pushed
  std::string sort_key;    // semver::sort_key: byte order is precedence
  bool prerelease = false;
  std::string card_json;
  std::string extract_json;
  std::string findings_json;
  std::string license;
  std::string created_by;
  std::int64_t created_at = 0;
  bool yanked = false;
  std::string yank_reason;
  std::int64_t downloads = 0;  // GETs of its files from the first byte
  std::vector<ReleaseFile> files;
};

// One line of the audit log: who did what to which namespace, and when.
struct AuditEntry {
  std::int64_t id = 0;
  std::int64_t at = 0;     // Unix seconds
  std::string actor;       // user name
  std::string action;      // "release.publish", "member.set", "token.create" ...
  std::string ns;          // the namespace concerned
  std::string target;      // "snn@1.0.0", a member's name, a token's id ...
  std::string detail;      // a JSON object, or empty
};

enum class CreateResult { created, exists };

// What search knows of a repository: its text and its facets (kind -> values), taken
// from its latest release.
struct SearchEntry {
  std::int64_t repo_id = 0;
  std::string description;
  std::string keywords;  // tags and capabilities, space-separated
  std::vector<std::pair<std::string, std::string>> facets;  // ("tag", "snn"), ("license", "MIT") ...
  std::int64_t updated_at = 0;
};

struct SearchQuery {
  std::string text;  // words, all of which must match (prefixes allowed)
  std::vector<std::pair<std::string, std::string>> filters;  // facet kind and value, all must hold
  std::string ns;  // only this namespace, when set
  std::string sort = "relevance";  // relevance | downloads | updated | name
  int page = 1;
  int per_page = 20;
  // Who asks: private repositories are found only by those who may read them.
  bool viewer_admin = false;
  std::vector<std::string> viewer_namespaces;  // the viewer's own name and organizations
};

struct SearchResult {
  std::vector<Repo> repos;
  std::uint64_t total = 0;
  std::map<std::string, std::map<std::string, std::uint64_t>> facets;  // kind -> value -> count
};

class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // Users and organizations share one namespace: a name taken by either is taken.
  virtual std::optional<User> create_user(const std::string& name, const std::string& password_hash,
                                          bool admin, std::int64_t now) = 0;
  virtual std::optional<User> find_user(const std::string& name) = 0;
  virtual std::optional<User> find_user_by_id(std::int64_t id) = 0;

  virtual Token create_token(std::int64_t user_id, const std::string& name, const std::string& secret_sha256,
                             Scope scope, std::optional<std::int64_t> expires_at, std::int64_t now) = 0;
  // The token with this secret hash, revoked or expired ones included.
  virtual std::optional<Token> find_token(const std::string& secret_sha256) = 0;
  virtual std::vector<Token> list_tokens(std::int64_t user_id) = 0;
  // False when the user has no such token.
  virtual bool revoke_token(std::int64_t user_id, std::int64_t token_id) = 0;

  // Creates the organization with `owner` as its owner; nullopt when the name is taken.
  virtual std::optional<Org> create_org(const std::string& name, std::int64_t owner_user_id, std::int64_t now) = 0;
  virtual std::optional<Org> find_org(const std::string& name) = 0;
  virtual void set_member(std::int64_t org_id, std::int64_t user_id, Role role) = 0;
  virtual bool remove_member(std::int64_t org_id, std::int64_t user_id) = 0;
  virtual std::optional<Role> member_role(std::int64_t org_id, std::int64_t user_id) = 0;
  virtual std::vector<Member> list_members(std::int64_t org_id) = 0;

  // nullopt when the namespace already has a repository of that name.
  virtual std::optional<Repo> create_repo(const std::string& ns, const std::string& name, bool is_private,
                                          const std::string& description, std::int64_t now) = 0;
  virtual std::optional<Repo> find_repo(const std::string& ns, const std::string& name) = 0;

  // Creates the release and its files at once; `exists` when the repository has a
  // release of that version already (whoever asks, however many ask at once).
  virtual CreateResult create_release(Release& release) = 0;
  virtual std::optional<Release> find_release(std::int64_t repo_id, const std::string& version) = 0;
  // Newest first (by sort key).
  virtual std::vector<Release> list_releases(std::int64_t repo_id) = 0;
  // The highest release that is neither yanked nor a pre-release; else the highest
  // pre-release that is not yanked; nullopt when every release is yanked.
  virtual std::optional<Release> latest_release(std::int64_t repo_id) = 0;
  // False when there is no such release.
  virtual bool set_yanked(std::int64_t repo_id, const std::string& version, bool yanked, const std::string& reason) = 0;
  // One more download of the release (and of its repository).
  virtual void count_download(std::int64_t repo_id, std::int64_t release_id) = 0;

  virtual void append_audit(const AuditEntry& entry) = 0;
  // The namespace's entries, newest first, with an id below `before` (0: from the newest).
  virtual std::vector<AuditEntry> list_audit(const std::string& ns, int limit, std::int64_t before) = 0;

  // Replaces what search knows of a repository.
  virtual void index_repo(const SearchEntry& entry) = 0;
  virtual SearchResult search(const SearchQuery& query) = 0;
  // The organizations a user belongs to.
  virtual std::vector<std::string> user_orgs(std::int64_t user_id) = 0;

  // Every blob a release references (hex, sorted), for the garbage collector.
  virtual std::vector<std::string> referenced_blobs() = 0;
  virtual bool blob_referenced(const std::string& sha256) = 0;
};

// SQLite in WAL mode; numbered migrations run on open. Creates the file if missing.
std::unique_ptr<MetadataStore> open_sqlite_metadata_store(const std::string& path);

}  // namespace synfire::storage
