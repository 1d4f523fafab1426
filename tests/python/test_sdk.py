"""The Python SDK (`import synfire`) against a live server, in a fresh interpreter per
scenario where the environment matters (endpoint, token, cache)."""
import hashlib
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

import synfire
from conftest import CARD, PASSWORD, wait_until

SNIPPET = """\
from synfire import Client
client = Client()
client.push(repository="nrg-lab/snn-classifier", version="1.0.0",
            model_path="./model.nir", card_path="./nir-card.json",
            release_notes="Initial release with MNIST-trained model")
"""


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def python(home, code, env=None, expect=0):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=home.work, env=dict(home.env, **(env or {})),
                          capture_output=True, text=True, timeout=300)
    if expect is not None:
        assert proc.returncode == expect, (proc.stdout, proc.stderr)
    return proc


@pytest.fixture
def client(server, account, home, monkeypatch):
    """A Client of ada's in this process, with the test's own cache folder."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(home.cache))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home.config))
    return synfire.Client(endpoint=server.url, token=account)


def test_the_guide_snippet_verbatim(server, account, home, models):
    home.release_files(models / "conv_classifier.nir")
    home.login(account)  # Client() finds the token `synfire login` saved
    python(home, SNIPPET)
    status, release = server.json("GET", "/api/v1/repos/nrg-lab/snn-classifier/releases/1.0.0")
    assert status == 200
    files = {f["name"]: f["sha256"] for f in release["files"]}
    assert files["model.nir"] == sha256(home.work / "model.nir")
    notes = server.request("GET", "/api/v1/repos/nrg-lab/snn-classifier/releases/1.0.0/files/RELEASE_NOTES.md")[2]
    assert notes == b"Initial release with MNIST-trained model"


def test_push_returns_a_release_and_pull_returns_verified_paths(client, home, models, tmp_path):
    home.release_files(models / "recurrent_cubalif.nir")
    release = client.push(repository="nrg-lab/recurrent", version="0.1.0", model_path=home.work / "model.nir",
                          card_path=home.work / "nir-card.json")
    assert isinstance(release, synfire.Release)
    assert release.version == "0.1.0" and release.repository == "nrg-lab/recurrent"
    assert release.file("model.nir").sha256 == sha256(home.work / "model.nir")
    assert release.file("model.nir").size == (home.work / "model.nir").stat().st_size
    assert release.metadata["neuron_types"] == ["CubaLIF"] and release.metadata["has_cycles"] is True
    assert release.findings == [] and release.license == "MIT"
    assert release.url.endswith("/nrg-lab/recurrent/releases/0.1.0")

    paths = client.pull("nrg-lab/recurrent", "^0.1", dest=tmp_path / "models")
    assert set(paths) == {"model.nir", "nir-card.json"}
    assert sha256(paths["model.nir"]) == release.file("model.nir").sha256
    cached = client.pull("nrg-lab/recurrent")  # no dest: the cache's snapshot folder
    assert str(cached["model.nir"]).startswith(str(home.cache))
    info = synfire.cache_info()
    assert info["directory"] == str(home.cache / "synfire") and info["files"] == 2
    assert info["releases"][0]["repository"] == "nrg-lab/recurrent"
    assert synfire.clear_cache() >= info["file_bytes"]
    assert synfire.cache_info()["files"] == 0 and not cached["model.nir"].exists()
    assert sha256(paths["model.nir"]) == release.file("model.nir").sha256  # dest= folders keep their files

    assert client.info("nrg-lab/recurrent").version == "0.1.0"
    listed = client.versions("nrg-lab/recurrent")
    assert [r.version for r in listed] == ["0.1.0"]
    assert listed[0].url == release.url and listed[0].repository == "nrg-lab/recurrent"
    assert listed[0].created_by == "ada" and listed[0].downloads >= 1
    assert abs(listed[0].created_at.timestamp() - time.time()) < 600 and listed[0].created_at.tzinfo is not None
    assert repr(client) == f"Client(endpoint={client.endpoint!r}, signed_in=True)"
    assert client.search("mnist", neuron_type="CubaLIF")["total"] == 1
    assert client.search("mnist", neuron_type="IF")["total"] == 0
    assert client.yank("nrg-lab/recurrent", "0.1.0", reason="bad").yanked is True
    assert client.unyank("nrg-lab/recurrent", "0.1.0").yanked is False
    assert client.whoami()["name"] == "ada"
    assert [e["action"] for e in client.audit("nrg-lab", limit=3)] == ["release.unyank", "release.yank",
                                                                       "release.publish"]


def test_login_with_a_password_is_remembered_like_the_cli(server, account, home, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home.config))
    monkeypatch.delenv("SYNFIRE_TOKEN", raising=False)
    client = synfire.Client(endpoint=server.url, token="")
    with pytest.raises(synfire.AuthenticationError):
        client.login("ada", "wrong password")
    token = client.login("ada", PASSWORD)
    assert token and client.whoami()["name"] == "ada"
    assert synfire.Client(endpoint=server.url).whoami()["name"] == "ada"  # found in the credentials file
    assert (home.config / "synfire" / "credentials").stat().st_mode & 0o777 == 0o600


def test_errors_form_one_hierarchy(client, server, home, models):
    home.release_files(models / "conv_classifier.nir")
    kwargs = dict(model_path=home.work / "model.nir", card_path=home.work / "nir-card.json")
    client.push("nrg-lab/snn-classifier", "1.0.0", **kwargs)

    (home.work / "gpl.json").write_text(json.dumps({"license": "GPL-2.0"}))
    with pytest.warns(synfire.CardWarning, match="GPL-2.0-only"):
        client.push("nrg-lab/snn-classifier", "0.9.0", model_path=kwargs["model_path"], card_path=home.work / "gpl.json")

    with pytest.raises(synfire.ReleaseExists) as exists:
        client.push("nrg-lab/snn-classifier", "1.0.0", **kwargs)
    assert "immutable" in str(exists.value) and "1.0.1" in str(exists.value)
    assert exists.value.code == "release_exists"

    (home.work / "bad.json").write_text(json.dumps(dict(CARD, license="Not-A-License")))
    requests_before = server.settle()
    with pytest.raises(synfire.ValidationError) as invalid:
        client.push("nrg-lab/snn-classifier", "2.0.0", model_path=home.work / "nir-card.json",
                    card_path=home.work / "bad.json")
    codes = {e["code"] for e in invalid.value.errors}
    assert "not_hdf5" in codes and any(e["where"] == "nir-card.json#/license" for e in invalid.value.errors)
    assert server.settle() == requests_before

    with pytest.raises(synfire.NotFound):
        client.info("nrg-lab/missing")
    with pytest.raises(synfire.AuthenticationError):
        synfire.Client(endpoint=server.url, token="sf_wrong").whoami()
    with pytest.raises(synfire.NetworkError):
        synfire.Client(endpoint="http://127.0.0.1:9").info("nrg-lab/snn-classifier")
    for cls in (synfire.ReleaseExists, synfire.ValidationError, synfire.NotFound, synfire.AuthenticationError,
                synfire.ChecksumMismatch, synfire.NetworkError):
        assert issubclass(cls, synfire.SynfireError)


def test_a_corrupted_download_raises_checksum_mismatch_and_leaves_nothing(client, server, home, models, tmp_path):
    home.release_files(models / "conv_classifier.nir")
    client.push("nrg-lab/snn-classifier", "1.0.0", model_path=home.work / "model.nir",
                card_path=home.work / "nir-card.json")
    stored = server.blob_path(sha256(home.work / "model.nir"))
    stored.write_bytes(stored.read_bytes()[:-1] + b"!")
    with pytest.raises(synfire.ChecksumMismatch) as mismatch:
        client.pull("nrg-lab/snn-classifier", "1.0.0", dest=tmp_path / "out")
    assert "model.nir" in str(mismatch.value)
    assert not (tmp_path / "out" / "model.nir").exists()


def test_offline_inspect_and_validate_card(home, models):
    report = synfire.inspect(models / "conv_classifier.nir")
    assert report["ok"] is True and report["extract"]["node_count"] == 8
    broken = home.work / "broken.nir"
    broken.write_bytes(b"not hdf5")
    assert synfire.inspect(broken)["error"]["class"] == "not_hdf5"
    card = home.work / "card.json"
    card.write_text(json.dumps(CARD))
    assert synfire.validate_card(card) == {"valid": True, "license": "MIT", "errors": [], "warnings": []}
    card.write_text(json.dumps(dict(CARD, license="mit OR apache-2.0")))
    assert synfire.validate_card(card)["license"] == "MIT OR Apache-2.0"


def test_ctrl_c_stops_a_long_pull(server, account, home, models):
    home.login(account)
    home.release_files(models / "conv_classifier.nir")
    home.run("push", "nrg-lab/big", "--version", "1.0.0", "--model", models / "weight_64mib.nir", "--card",
             "nir-card.json")
    proc = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import synfire, sys
        print("started", flush=True)
        try:
            synfire.Client().pull("nrg-lab/big", dest="out")
        except KeyboardInterrupt:
            print("interrupted", flush=True)
            sys.exit(3)
        """)], cwd=home.work, env=dict(home.env, SYNFIRE_LIMIT_RATE="4M"), stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    wait_until(lambda: any(home.cache.rglob("*.part")))
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=10) == 3
    assert proc.stdout.read().strip() == "interrupted"
    assert not (home.work / "out" / "model.nir").exists()


def test_the_gil_is_released_during_transfers(client, server, account, home, models, tmp_path, monkeypatch):
    import threading
    home.release_files(models / "conv_classifier.nir")
    client.push("nrg-lab/big", "1.0.0", model_path=models / "weight_64mib.nir", card_path=home.work / "nir-card.json")
    monkeypatch.setenv("SYNFIRE_LIMIT_RATE", "32M")  # about two seconds of download
    client = synfire.Client(endpoint=server.url, token=account)
    ticks = []
    done = threading.Event()

    def tick():
        while not done.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.01)

    ticker = threading.Thread(target=tick)
    ticker.start()
    start = time.monotonic()
    client.pull("nrg-lab/big", dest=tmp_path / "out")
    elapsed = time.monotonic() - start
    done.set()
    ticker.join()
    # Python code kept running while the C++ client downloaded (with the GIL held: 0 or 1 tick).
    assert elapsed > 0.3
    assert len([t for t in ticks if start <= t <= start + elapsed]) >= 10


def test_progress_is_reported_and_an_exception_in_it_stops_the_transfer(client, home, models, tmp_path, monkeypatch):
    home.release_files(models / "conv_classifier.nir")
    seen = []
    client.push("nrg-lab/big", "1.0.0", model_path=models / "weight_64mib.nir", card_path=home.work / "nir-card.json",
                progress=lambda phase, name, done, total: seen.append((phase, name, done, total)))
    size = (models / "weight_64mib.nir").stat().st_size
    assert ("hash", "model.nir", size, size) in seen  # reported by the hashing thread
    uploads = [s for s in seen if s[0] == "upload" and s[1] == "model.nir"]
    assert uploads and uploads[-1][2:] == (size, size)
    assert all(a[2] <= b[2] for a, b in zip(uploads, uploads[1:]))

    seen.clear()
    client.pull("nrg-lab/big", dest=tmp_path / "ok", progress=lambda *args: seen.append(args))
    assert ("download", "model.nir", size, size) in seen

    class Stop(Exception):
        pass

    def stop_half_way(phase, name, done, total):
        if phase == "download" and done > total // 2:
            raise Stop(name)

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "other-cache"))  # nothing cached: a real download
    fresh = synfire.Client(endpoint=client.endpoint)
    with pytest.raises(Stop):
        fresh.pull("nrg-lab/big", dest=tmp_path / "stopped", progress=stop_half_way)
    assert not (tmp_path / "stopped" / "model.nir").exists()
