#include "synfire/registry/errors.h"

#include <array>

namespace synfire::registry {
namespace {

constexpr std::array<ErrorCode, 21> kCodes = {{
    {"invalid_request", 400, "the request is malformed (JSON, parameters, headers)"},
    {"invalid_name", 400, "a user, organization or repository name breaks the naming rules"},
    {"invalid_password", 400, "the password is too short or too long"},
    {"invalid_version", 400, "the version is not semantic versioning 2.0.0"},
    {"invalid_requirement", 400, "the version requirement cannot be parsed"},
    {"unauthorized", 401, "no valid credentials: unknown, revoked or expired token, or wrong password"},
    {"forbidden", 403, "the caller may not do this"},
    {"not_found", 404, "no such user, organization, repository, release or file (or it is private)"},
    {"name_taken", 409, "a user or organization already has this name"},
    {"repo_exists", 409, "the namespace already has a repository of this name"},
    {"release_exists", 409, "the version is already published; releases are immutable"},
    {"too_large", 413, "the body passes its size limit"},
    {"too_many_attempts", 429, "too many failed logins for this account from this address: wait as Retry-After says"},
    {"range_mismatch", 416, "an upload chunk does not start where the session stands (see the offset returned)"},
    {"blob_unknown", 422, "a release names a blob that was never uploaded"},
    {"invalid_release", 422, "the card or the model of a release is invalid (details list every error)"},
    {"digest_mismatch", 422, "the uploaded bytes do not hash to the digest given"},
    {"size_mismatch", 422, "the uploaded bytes are not of the size given"},
    {"insufficient_storage", 507, "the server's disk is full: nothing was kept (what an upload session holds stays)"},
    {"storage_error", 500, "the server could not read or write its storage"},
    {"io_error", 500, "the server could not read or write a file"},
}};

}  // namespace

std::span<const ErrorCode> error_codes() { return kCodes; }

int http_status_of(std::string_view code) {
  for (const auto& entry : kCodes)
    if (entry.code == code) return entry.http_status;
  return 500;
}

}  // namespace synfire::registry
