"""Synfire: publish, find and fetch neuromorphic models (NIR).

    from synfire import Client
    client = Client()                      # SYNFIRE_ENDPOINT / SYNFIRE_TOKEN, or `synfire login`
    client.push(repository="nrg-lab/snn-classifier", version="1.0.0",
                model_path="./model.nir", card_path="./nir-card.json",
                release_notes="Initial release with MNIST-trained model")
    paths = client.pull("nrg-lab/snn-classifier", "^1.0", dest="./models")

Everything runs in the same C++ client as the ``synfire`` command line tool.
"""
import datetime
import os
import pathlib
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Union

from . import _synfire
from .errors import (AuthenticationError, CardWarning, ChecksumMismatch, NetworkError, NotFound, OfflineMiss,
                     PermissionDenied, ReleaseExists, SynfireError, ValidationError)

__version__ = _synfire.__version__
__all__ = ["Client", "Release", "File", "inspect", "validate_card", "cache_info", "clear_cache",
           "SynfireError", "AuthenticationError", "PermissionDenied", "NotFound", "OfflineMiss", "ReleaseExists", "ValidationError",
           "ChecksumMismatch", "NetworkError", "CardWarning"]

PathLike = Union[str, os.PathLike]
# progress(phase, file, done, total): phase is "hash", "upload", "download" or "verify".
Progress = Callable[[str, str, int, int], None]


@dataclass(frozen=True)
class File:
    """A file of a release: its name, size in bytes and SHA-256 (hex)."""
    name: str
    size: int
    sha256: str


@dataclass(frozen=True)
class Release:
    """A published release: what the server extracted, checked and stores."""
    repository: str
    version: str
    files: List[File]
    metadata: Dict[str, Any]
    findings: List[Dict[str, Any]]
    card: Dict[str, Any]
    license: str
    yanked: bool
    url: str
    compatibility: Dict[str, Any] = field(default_factory=dict)
    yank_reason: Optional[str] = None
    created_at: Optional[datetime.datetime] = None  # when it was published (UTC)
    created_by: str = ""
    downloads: int = 0
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, data: Dict[str, Any]) -> "Release":
        published = data.get("created_at")
        return cls(repository=data.get("repository", ""), version=data["version"],
                   files=[File(f["name"], f["size"], f["sha256"]) for f in data.get("files", [])],
                   metadata=data.get("extract", {}), findings=data.get("findings", []),
                   card=data.get("card", {}), license=data.get("license", ""),
                   yanked=bool(data.get("yanked", False)), url=data.get("url", ""),
                   compatibility=data.get("compatibility", {}), yank_reason=data.get("yank_reason"),
                   created_at=(datetime.datetime.fromtimestamp(published, datetime.timezone.utc)
                               if isinstance(published, int) else None),
                   created_by=data.get("created_by", ""), downloads=int(data.get("downloads", 0)), raw=data)

    def file(self, name: str) -> File:
        for f in self.files:
            if f.name == name:
                return f
        raise KeyError(name)


class Client:
    """A connection to a Synfire server.

    ``endpoint`` defaults to SYNFIRE_ENDPOINT, then ``endpoint`` in
    $XDG_CONFIG_HOME/synfire/config.toml, then http://127.0.0.1:8080; ``token`` to
    SYNFIRE_TOKEN, then the token ``synfire login`` saved for that endpoint.
    Transfers release the GIL and stop on Ctrl-C (KeyboardInterrupt).
    """

    def __init__(self, endpoint: Optional[str] = None, token: Optional[str] = None):
        self._core = _synfire.Client(endpoint, token)

    @property
    def endpoint(self) -> str:
        """The server this client talks to."""
        return self._core.endpoint

    def __repr__(self) -> str:
        return f"Client(endpoint={self.endpoint!r}, signed_in={self._core.has_token})"

    def push(self, repository: str, version: str, model_path: PathLike, card_path: PathLike,
             release_notes: Optional[Union[str, os.PathLike]] = None, private: bool = False,
             progress: Optional[Progress] = None) -> Release:
        """Validate locally, upload what the server lacks (resumable), publish.

        ``release_notes`` is the Markdown text itself, or a ``pathlib.Path`` to a
        file holding it. Raises ValidationError before any upload when the model or
        card is invalid, ReleaseExists when the version is taken. ``progress`` (for
        example a tqdm updater) is called with (phase, file, done, total) at most ten
        times a second; an exception it raises stops the push.
        """
        notes_text = notes_path = None
        if isinstance(release_notes, os.PathLike):
            notes_path = os.fspath(release_notes)
        elif release_notes is not None:
            notes_text = str(release_notes)
        data = self._core.push(repository, version, os.fspath(model_path), os.fspath(card_path),
                               notes_text, notes_path, private, progress)
        for warning in data.pop("warnings", []):
            warnings.warn(f"{warning['message']} (at {warning['where']})", CardWarning, stacklevel=2)
        return Release.from_json(data)

    def pull(self, repository: str, version: str = "latest", dest: Optional[PathLike] = None,
             progress: Optional[Progress] = None) -> Dict[str, pathlib.Path]:
        """Download a release (verified by SHA-256, resumable, cached) and return
        {file name: local path}. ``version`` is "latest", an exact version or a
        requirement such as "^1.0"; without ``dest`` the files stay in the cache.
        ``progress`` as for push.
        """
        result = self._core.pull(repository, version, None if dest is None else os.fspath(dest), progress)
        return {name: pathlib.Path(path) for name, path in result["files"].items()}

    def info(self, repository: str, version: str = "latest") -> Release:
        """A release's card, extracted metadata, findings, compatibility and files."""
        return Release.from_json(self._core.info(repository, version))

    def repository(self, repository: str) -> Dict[str, Any]:
        """A repository: visibility, description, latest version, counts."""
        return self._core.repository(repository)

    def versions(self, repository: str) -> List[Release]:
        """Every release, newest first."""
        return [Release.from_json(r) for r in self._core.versions(repository)]

    def search(self, query: str = "", **filters: Any) -> Dict[str, Any]:
        """Search like the API: ``tag``, ``capability``, ``neuron_type``, ``linear_op``,
        ``license``, ``size``, ``platform``, ``compatible_with``, ``namespace``,
        ``sort``, ``page``, ``per_page``. Returns {"total", "results", "facets", ...}.
        """
        params = {key: str(value) for key, value in filters.items() if value is not None}
        if query:
            params["q"] = query
        return self._core.search(params)

    def yank(self, repository: str, version: str, reason: str = "") -> Release:
        """Flag a release as not to be used; it stays downloadable by exact version."""
        return Release.from_json(dict(self._core.yank(repository, version, reason, True), repository=repository))

    def unyank(self, repository: str, version: str) -> Release:
        return Release.from_json(dict(self._core.yank(repository, version, "", False), repository=repository))

    def login(self, username: str, password: str, save: bool = True) -> str:
        """Sign in with a user name and password: this client then acts as that user.
        ``save`` stores the token as ``synfire login`` does (the credentials file,
        mode 0600), so that a later ``Client()`` finds it. Returns the token.
        Raises AuthenticationError for a wrong name or password (and, after repeated
        failures, until the server's wait is over)."""
        token = self._core.login(username, password)
        self._core = _synfire.Client(self.endpoint, token)
        if save:
            self._core.save_credentials(username)
        return token

    def whoami(self) -> Dict[str, Any]:
        return self._core.whoami()

    def audit(self, namespace: str, limit: int = 100, before: int = 0) -> List[Dict[str, Any]]:
        """Who did what in a namespace, newest first: {"id", "at", "actor", "action",
        "namespace", "target", "detail"}. For the namespace's owners and admins."""
        return self._core.audit(namespace, limit, before)


def inspect(path: PathLike) -> Dict[str, Any]:
    """Read and check a NIR file offline: the ``synfire inspect --json`` object
    ({"ok": True, "extract": ..., "findings": [...]} or {"ok": False, "error": ...})."""
    return _synfire.inspect(os.fspath(path))


def cache_info() -> Dict[str, Any]:
    """What the local cache ($XDG_CACHE_HOME/synfire) holds: {"directory", "files",
    "file_bytes", "partial_bytes", "resumable_pushes", "releases": [{"server",
    "repository", "version"}]}."""
    return _synfire.cache_info()


def clear_cache() -> int:
    """Empty the local cache and return the bytes freed. Folders pulled into with
    ``dest=`` keep their files; paths returned by a pull without ``dest`` go."""
    return _synfire.clear_cache()


def validate_card(path: PathLike) -> Dict[str, Any]:
    """Validate a nir-card.json offline: {"valid", "license", "errors", "warnings"}."""
    return _synfire.validate_card(os.fspath(path))
