"""The exceptions of the synfire package: one hierarchy under SynfireError.

Every exception carries the machine-readable ``code`` the server or the client
used (``release_exists``, ``checksum_mismatch`` ...), ``where`` (the file, JSON
pointer or repository at fault) and ``details`` (every individual problem).
"""


class SynfireError(Exception):
    """Base class of every error raised by synfire."""

    def __init__(self, message, code="error", where="", details=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.where = where
        self.details = list(details or [])

    def __str__(self):
        text = self.message
        if self.where:
            text += f" (at {self.where})"
        for detail in self.details:
            text += f"\n  {detail.get('where', '')}: {detail.get('code', '')}: {detail.get('message', '')}"
        return text


class CardWarning(UserWarning):
    """A card that is valid but could be better (a deprecated license id ...): push
    publishes it and warns (``warnings.warn``)."""


class AuthenticationError(SynfireError):
    """Not logged in, or the token is unknown, expired or revoked."""


class PermissionDenied(AuthenticationError):
    """Logged in, but not allowed to do this (scope or role)."""


class NotFound(SynfireError):
    """No such repository, release or file (private repositories look absent)."""


class ReleaseExists(SynfireError):
    """The version exists: releases are immutable, publish a new version."""


class ValidationError(SynfireError):
    """The model, card, version or request is invalid; ``errors`` lists every problem."""

    @property
    def errors(self):
        return self.details or [{"code": self.code, "message": self.message, "where": self.where}]


class ChecksumMismatch(SynfireError):
    """Downloaded bytes do not match the release's SHA-256; nothing was kept."""


class NetworkError(SynfireError):
    """The server could not be reached, or failed (5xx) after the retries."""


class OfflineMiss(NotFound):
    """SYNFIRE_OFFLINE=1 and the cache does not hold what was asked for."""


_BY_CODE = {
    "not_logged_in": AuthenticationError,
    "unauthorized": AuthenticationError,
    "too_many_attempts": AuthenticationError,
    "forbidden": PermissionDenied,
    "not_found": NotFound,
    "offline_miss": OfflineMiss,
    "release_exists": ReleaseExists,
    "checksum_mismatch": ChecksumMismatch,
    "connection_failed": NetworkError,
    "server_error": NetworkError,
    "storage_error": NetworkError,
}


def error_class(code):
    """The exception class for an error code (used by the C++ core)."""
    if code in _BY_CODE:
        return _BY_CODE[code]
    if code.startswith("invalid") or code in ("blob_unknown", "too_large", "digest_mismatch", "size_mismatch"):
        return ValidationError
    return SynfireError
