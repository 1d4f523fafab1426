"""Fixtures for the end-to-end suites of the CLI (tests/client) and the Python SDK
(tests/python): a real synfire-server on a free port, a user in org nrg-lab, a
private home (XDG config and cache) per test, and generated NIR files."""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

import pytest

TESTS = pathlib.Path(__file__).resolve().parent
ROOT = TESTS.parent
BUILD = pathlib.Path(os.environ.get("SYNFIRE_BUILD_DIR", ROOT / "build"))
sys.path.insert(0, str(TESTS / "server"))
sys.path.insert(0, os.environ.get("SYNFIRE_PYTHON_DIR", str(BUILD / "python")))
os.environ.setdefault("SYNFIRE_SERVER_BIN", str(BUILD / "bin" / "synfire-server"))

from server_process import ServerProcess  # noqa: E402

CLI = os.environ.get("SYNFIRE_BIN", str(BUILD / "bin" / "synfire"))
GEN = os.environ.get("SYNFIRE_GEN_BIN", str(BUILD / "bin" / "synfire-bench-gen"))
PASSWORD = "correct horse battery"

CARD = {
    "description": "A spiking MNIST classifier: two convolutions, LIF neurons, trained with snnTorch.",
    "license": "MIT",
    "tags": ["mnist", "vision"],
    "authors": [{"name": "Ada Lovelace"}],
}


class Server(ServerProcess):
    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def metric(self, name):
        _, _, body = self.request("GET", "/metrics")
        match = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.e+]+)$", body.decode(), re.M)
        return float(match.group(1)) if match else 0.0

    def blob_path(self, sha256):
        return pathlib.Path(self.data) / "blobs" / "sha256" / sha256[:2] / sha256[2:4] / sha256

    def settle(self, quiet=0.5, timeout=30):
        """Waits until no access-log line has arrived for `quiet` seconds (every request
        so far, a dropped one included, is logged and counted); returns the count."""
        deadline = time.time() + timeout
        count = len(self.access_log)
        while time.time() < deadline:
            time.sleep(quiet)
            if len(self.access_log) == count:
                return count
            count = len(self.access_log)
        return count

    def upload_session_sizes(self):
        return [p.stat().st_size for p in (pathlib.Path(self.data) / "uploads").glob("*/data")]


@pytest.fixture
def server():
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def account(server):
    """User ada (a full-session token) who owns org nrg-lab."""
    token = server.user("ada", PASSWORD)
    status, body = server.json("POST", "/api/v1/orgs", {"name": "nrg-lab"}, token)
    assert status == 201, body
    return token


@pytest.fixture(scope="session")
def models(tmp_path_factory):
    """conv_classifier.nir, recurrent_cubalif.nir and weight_64mib.nir (about 59 MiB)."""
    folder = tmp_path_factory.mktemp("models")
    subprocess.run([GEN, str(folder), "conv_classifier", "recurrent_cubalif", "weight_64mib"], check=True,
                   stdout=subprocess.DEVNULL)
    return folder


class Home:
    """A user's machine: own config and cache folders, the CLI on PATH, a work folder."""

    def __init__(self, root, server):
        self.root = root
        self.work = root / "work"
        self.work.mkdir(parents=True)
        self.config = root / "config"
        self.cache = root / "cache"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SYNFIRE_")}
        self.env.update(XDG_CONFIG_HOME=str(self.config), XDG_CACHE_HOME=str(self.cache),
                        SYNFIRE_ENDPOINT=server.url, PATH=os.path.dirname(CLI) + os.pathsep + os.environ["PATH"],
                        PYTHONPATH=os.environ.get("SYNFIRE_PYTHON_DIR", str(BUILD / "python")))

    def run(self, *args, input=None, expect=0, env=None):
        """Runs `synfire ARGS`; asserts the exit code; returns the completed process."""
        proc = subprocess.run([CLI, *map(str, args)], cwd=self.work, env=dict(self.env, **(env or {})),
                              input=input, capture_output=True, text=True, timeout=300)
        if expect is not None:
            assert proc.returncode == expect, (args, proc.returncode, proc.stdout, proc.stderr)
        return proc

    def json(self, *args, **kwargs):
        return json.loads(self.run(*args, "--json", **kwargs).stdout)

    def popen(self, *args, env=None):
        return subprocess.Popen([CLI, *map(str, args)], cwd=self.work, env=dict(self.env, **(env or {})),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def login(self, token):
        self.run("login", input=token + "\n")

    def release_files(self, model, card=None, notes=None):
        """model.nir, nir-card.json (and RELEASE_NOTES.md) in the work folder."""
        (self.work / "model.nir").write_bytes(pathlib.Path(model).read_bytes())
        (self.work / "nir-card.json").write_text(json.dumps(card or CARD))
        if notes is not None:
            (self.work / "RELEASE_NOTES.md").write_text(notes)


@pytest.fixture
def home(tmp_path, server):
    return Home(tmp_path, server)


def wait_until(condition, timeout=60, step=0.02):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("timed out waiting")
