"""The `synfire` CLI against a live server: the publishing guide verbatim, resumable
push and pull, verified downloads, local validation, and every remote command."""
import hashlib
import http.server
import json
import os
import pty
import re
import select
import signal
import subprocess
import threading
import time

import pytest

from conftest import CLI, PASSWORD, wait_until

GUIDE = """\
synfire push nrg-lab/snn-classifier --version 1.0.0 --model ./model.nir --card ./nir-card.json
synfire push nrg-lab/snn-classifier --version 1.0.0 --model ./model.nir --card ./nir-card.json --notes ./RELEASE_NOTES.md
"""


def sha256(path):
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def login_on_a_terminal(home, user, password):
    """`synfire login` on a pseudo-terminal: answers the two prompts; returns the output."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([CLI, "login"], cwd=home.work, env=home.env, stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    seen = b""

    def read_until(text):
        nonlocal seen
        deadline = time.time() + 20
        while text not in seen and time.time() < deadline:
            if select.select([master], [], [], 0.1)[0]:
                try:
                    seen += os.read(master, 4096)
                except OSError:
                    break
        assert text in seen, seen

    read_until(b"Username: ")
    os.write(master, user.encode() + b"\n")
    read_until(b"Password: ")
    os.write(master, password.encode() + b"\n")
    read_until(b"Logged in")
    assert proc.wait(timeout=20) == 0
    os.close(master)
    return seen.decode()


def test_the_publishing_guide_verbatim(server, account, home, models):
    home.release_files(models / "conv_classifier.nir", notes="# 1.0.0\nInitial release with MNIST-trained model\n")
    output = login_on_a_terminal(home, "ada", PASSWORD)
    assert PASSWORD not in output  # the password is not echoed
    credentials = home.config / "synfire" / "credentials"
    assert oct(credentials.stat().st_mode & 0o777) == "0o600"

    first, second = GUIDE.splitlines()
    published = subprocess.run(first, shell=True, cwd=home.work, env=home.env, capture_output=True, text=True)
    assert published.returncode == 0, published.stderr
    assert "Published nrg-lab/snn-classifier 1.0.0" in published.stdout

    again = subprocess.run(second, shell=True, cwd=home.work, env=home.env, capture_output=True, text=True)
    assert again.returncode == 5
    assert "1.0.0 already exists" in again.stderr and "immutable" in again.stderr
    assert "--version 1.0.1" in again.stderr
    assert again.stderr.count("\n") == 1  # one clear line

    status, release = server.json("GET", "/api/v1/repos/nrg-lab/snn-classifier/releases/1.0.0")
    assert status == 200
    files = {f["name"]: f["sha256"] for f in release["files"]}
    assert files == {"model.nir": sha256(home.work / "model.nir"), "nir-card.json": sha256(home.work / "nir-card.json")}


def test_login_with_a_token_on_stdin_logout_and_whoami(server, account, home):
    home.run("whoami", expect=3)
    home.login(account)
    assert home.json("whoami")["name"] == "ada"
    home.run("logout")
    missing = home.run("whoami", expect=3)
    assert "synfire login" in missing.stderr
    home.run("login", "--token", "not-a-token", expect=3)


def test_push_then_pull_round_trip_and_a_cached_second_pull(server, account, home, models):
    home.login(account)
    home.release_files(models / "recurrent_cubalif.nir", notes="Second model\n")
    pushed = home.json("push", "nrg-lab/recurrent", "--version", "0.3.0", "--model", "model.nir", "--card",
                       "nir-card.json", "--notes", "RELEASE_NOTES.md")
    assert pushed["version"] == "0.3.0" and pushed["extract"]["has_cycles"] is True
    assert pushed["url"].endswith("/api/v1/repos/nrg-lab/recurrent/releases/0.3.0")
    assert pushed["warnings"] == []

    pulled = home.json("pull", "nrg-lab/recurrent@^0.3", "-o", "out")
    assert pulled["version"] == "0.3.0" and pulled["from_cache"] is False
    for name in ("model.nir", "nir-card.json", "RELEASE_NOTES.md"):
        assert sha256(home.work / "out" / name) == sha256(home.work / name)

    sent_before = server.metric("synfire_http_sent_file_bytes_total")
    again = home.json("pull", "nrg-lab/recurrent", "-o", "again")
    assert again["from_cache"] is True and again["bytes_received"] == 0
    assert server.metric("synfire_http_sent_file_bytes_total") == sent_before
    assert sha256(home.work / "again" / "model.nir") == sha256(home.work / "model.nir")

    cache = home.json("cache", "info")
    assert cache["files"] == 3 and cache["partial_bytes"] == 0
    assert [(r["repository"], r["version"]) for r in cache["releases"]] == [("nrg-lab/recurrent", "0.3.0")]
    assert "nrg-lab/recurrent 0.3.0" in home.run("cache").stdout
    assert home.run("cache", "clear").stdout.startswith("Freed ")
    assert home.json("cache", "info")["files"] == 0
    assert sha256(home.work / "again" / "model.nir") == sha256(home.work / "model.nir")  # pulled folders keep theirs
    assert home.json("pull", "nrg-lab/recurrent", "-o", "after-clear")["from_cache"] is False

    # Offline: resolved from the cache with the server gone.
    server.kill()
    offline = home.json("pull", "nrg-lab/recurrent@^0.3", "-o", "offline", env={"SYNFIRE_OFFLINE": "1"})
    assert offline["version"] == "0.3.0"
    assert sha256(home.work / "offline" / "model.nir") == sha256(home.work / "model.nir")
    miss = home.run("pull", "nrg-lab/recurrent@^2", env={"SYNFIRE_OFFLINE": "1"}, expect=4)
    assert "cached: 0.3.0" in miss.stderr
    unreachable = home.run("pull", "nrg-lab/recurrent", expect=7)
    assert "cannot talk to" in unreachable.stderr


def test_a_card_warning_is_shown_and_the_release_published(server, account, home, models):
    home.login(account)
    home.release_files(models / "conv_classifier.nir", card={"license": "GPL-3.0"})
    warned = home.run("push", "nrg-lab/gpl", "--version", "1.0.0", "--model", "model.nir", "--card", "nir-card.json")
    assert "warning: 'GPL-3.0' is a deprecated SPDX id; write 'GPL-3.0-only' or 'GPL-3.0-or-later'" in warned.stderr
    assert "Published nrg-lab/gpl 1.0.0" in warned.stdout
    as_json = home.json("push", "nrg-lab/gpl", "--version", "1.0.1", "--model", "model.nir", "--card", "nir-card.json")
    assert [w["code"] for w in as_json["warnings"]] == ["deprecated_license"]
    assert as_json["warnings"][0]["where"] == "nir-card.json#/license"


def test_an_interrupted_push_resumes_and_sends_less_than_60_percent(server, account, home, models):
    home.login(account)
    big = models / "weight_64mib.nir"
    size = big.stat().st_size
    home.release_files(models / "conv_classifier.nir")
    args = ["push", "nrg-lab/big", "--version", "1.0.0", "--model", big, "--card", "nir-card.json"]

    proc = home.popen(*args, "--limit-rate", "8M")
    received = wait_until(lambda: max(server.upload_session_sizes() or [0]) >= size * 0.45 and server.upload_session_sizes())
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0.4 * size <= max(received) < 0.8 * size

    server.settle()  # the server has noticed the dropped connection and counted its bytes
    before = server.metric("synfire_http_received_bytes_total")
    result = home.json(*args)
    sent = server.metric("synfire_http_received_bytes_total") - before
    assert result["version"] == "1.0.0"
    assert result["bytes_sent"] < 0.6 * size and sent < 0.6 * size, (result["bytes_sent"], sent, size)
    assert {f["name"]: f["sha256"] for f in result["files"]}["model.nir"] == sha256(big)
    assert sha256(server.blob_path(sha256(big))) == sha256(big)


def test_an_interrupted_pull_resumes_and_receives_less_than_60_percent(server, account, home, models):
    home.login(account)
    big = models / "weight_64mib.nir"
    size, digest = big.stat().st_size, sha256(big)
    home.release_files(models / "conv_classifier.nir")
    home.run("push", "nrg-lab/big", "--version", "1.0.0", "--model", big, "--card", "nir-card.json")

    puller = home.__class__(home.root / "second-machine", server)
    part = puller.cache / "synfire" / "blobs" / "sha256" / (digest + ".part")
    proc = puller.popen("pull", "nrg-lab/big", "-o", "models", "--limit-rate", "8M")
    wait_until(lambda: part.exists() and part.stat().st_size >= size * 0.45)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert 0.4 * size <= part.stat().st_size < 0.8 * size
    assert not (puller.work / "models" / "model.nir").exists()

    server.settle()
    before = server.metric("synfire_http_sent_file_bytes_total")
    result = puller.json("pull", "nrg-lab/big", "-o", "models")
    received = server.metric("synfire_http_sent_file_bytes_total") - before
    assert result["bytes_received"] < 0.6 * size and received < 0.6 * size, (result["bytes_received"], received)
    assert sha256(puller.work / "models" / "model.nir") == digest
    assert not part.exists()


def test_a_corrupted_blob_on_the_server_is_refused_and_nothing_is_left(server, account, home, models):
    home.login(account)
    home.release_files(models / "conv_classifier.nir")
    home.run("push", "nrg-lab/snn-classifier", "--version", "1.0.0", "--model", "model.nir", "--card", "nir-card.json")
    digest = sha256(home.work / "model.nir")
    stored = server.blob_path(digest)
    data = bytearray(stored.read_bytes())
    data[len(data) // 2] ^= 0xFF
    stored.write_bytes(bytes(data))  # same size, one bit pattern changed
    bad = hashlib.sha256(bytes(data)).hexdigest()

    puller = home.__class__(home.root / "second-machine", server)
    failed = puller.run("pull", "nrg-lab/snn-classifier@1.0.0", "-o", "models", expect=6)
    assert "model.nir" in failed.stderr and digest in failed.stderr and bad in failed.stderr
    assert not (puller.work / "models").exists() or not any((puller.work / "models").iterdir())
    cached = list((puller.cache / "synfire" / "blobs" / "sha256").glob(digest + "*"))
    assert cached == []


@pytest.mark.parametrize("broken", ["card", "model"])
def test_a_bad_card_or_model_fails_locally_before_any_upload(server, account, home, models, broken):
    home.login(account)
    home.release_files(models / "conv_classifier.nir", card={"license": "Not-A-License", "tags": "x"})
    if broken == "model":
        home.release_files(models / "conv_classifier.nir")
        (home.work / "model.nir").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 100)
    requests_before = server.settle()
    failed = home.run("push", "nrg-lab/snn-classifier", "--version", "1.0.0", "--model", "model.nir", "--card",
                      "nir-card.json", expect=1)
    if broken == "card":
        assert "nir-card.json#/license" in failed.stderr and "Not-A-License" in failed.stderr
        assert "nir-card.json#/tags" in failed.stderr
    else:
        assert "model.nir" in failed.stderr and "not_hdf5" in failed.stderr
    assert server.settle() == requests_before  # not one request was sent
    assert server.upload_session_sizes() == []


def test_errors_have_exit_codes_and_one_clear_line(server, account, home, models):
    home.release_files(models / "conv_classifier.nir")
    anonymous = home.run("push", "nrg-lab/x", "--version", "1.0.0", "--model", "model.nir", "--card", "nir-card.json",
                         expect=3)
    assert "synfire login" in anonymous.stderr
    home.login(account)
    home.run("show", "nrg-lab/nothing-here", expect=4)
    bad_version = home.run("push", "nrg-lab/x", "--version", "1.0", "--model", "model.nir", "--card", "nir-card.json",
                           expect=1)
    assert "not a semantic version" in bad_version.stderr
    home.run("push", "no-slash", "--version", "1.0.0", "--model", "model.nir", "--card", "nir-card.json", expect=1)
    home.run("pull", "nrg-lab/x@^1", "--output", expect=2)
    other = home.__class__(home.root / "intruder", server)
    other.login(server.user("eve", PASSWORD))
    denied = other.run("push", "nrg-lab/x", "--version", "1.0.0", "--model", home.work / "model.nir", "--card",
                       home.work / "nir-card.json", expect=3)
    assert "nrg-lab" in denied.stderr


class BusyFrontEnd(http.server.BaseHTTPRequestHandler):
    """A proxy in front of a registry that is busy twice, then answers."""
    answers = [(503, {"Retry-After": "1"}), (429, {}), (400, {})]
    seen = []

    def do_GET(self):
        BusyFrontEnd.seen.append(time.monotonic())
        status, headers = self.answers[min(len(self.seen), len(self.answers)) - 1]
        body = json.dumps({"error": {"code": "busy", "message": "try again", "details": []}}).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_busy_answers_are_retried_after_the_wait_the_server_asks_and_other_4xx_never(home):
    front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), BusyFrontEnd)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    try:
        endpoint = f"http://127.0.0.1:{front.server_address[1]}"
        failed = home.run("search", "lif", env={"SYNFIRE_ENDPOINT": endpoint}, expect=None)
    finally:
        front.shutdown()
    seen = BusyFrontEnd.seen
    assert len(seen) == 3, failed  # 503, 429, then the 400 ends it: not retried
    assert failed.returncode != 0 and "try again" in failed.stderr
    assert seen[1] - seen[0] >= 0.95  # Retry-After: 1
    assert seen[2] - seen[1] >= 0.45  # no Retry-After: backoff


def test_search_show_versions_yank_and_private_repositories(server, account, home, models):
    home.login(account)
    home.release_files(models / "conv_classifier.nir")
    for version in ("1.0.0", "1.1.0"):
        home.run("push", "nrg-lab/snn-classifier", "--version", version, "--model", "model.nir", "--card", "nir-card.json")
    home.run("push", "nrg-lab/secret", "--version", "0.1.0", "--model", "model.nir", "--card", "nir-card.json", "--private")

    found = home.json("search", "mnist", "--neuron-type", "LIF", "--license", "MIT")
    assert {r["name"] for r in found["results"]} == {"snn-classifier", "secret"}
    text = home.run("search", "mnist").stdout
    assert "nrg-lab/snn-classifier" in text and "1.1.0" in text
    assert home.run("search", "mnist", "--per-page", "1").stdout.startswith("2 model(s), 1-1 shown (next: --page 2)")
    assert home.run("search", "mnist", "--page", "3").stdout.startswith("2 model(s), none on page 3 (the last is 1)")
    assert "not in {tiny,small,medium,large}" in home.run("search", "--size", "huge", expect=2).stderr

    shown = home.run("show", "nrg-lab/snn-classifier").stdout
    for expected in ("nrg-lab/snn-classifier 1.1.0", "license     MIT", "compatibility", "findings",
                     "sha256:" + sha256(home.work / "model.nir"), "Ada Lovelace"):
        assert expected in shown, expected
    assert home.json("show", "nrg-lab/snn-classifier@1.0.0")["version"] == "1.0.0"

    assert [v["version"] for v in home.json("versions", "nrg-lab/snn-classifier")] == ["1.1.0", "1.0.0"]
    today = time.strftime("%Y-%m-%d", time.gmtime())
    assert re.search(r"published   ada, " + today + r" \d\d:\d\dZ", shown), shown
    home.run("yank", "nrg-lab/snn-classifier@1.1.0", "--reason", "wrong weights")
    listed = home.run("versions", "nrg-lab/snn-classifier").stdout
    assert "yanked: wrong weights" in listed and today in listed, listed
    assert home.json("pull", "nrg-lab/snn-classifier", "-o", "latest")["version"] == "1.0.0"
    exact = home.run("pull", "nrg-lab/snn-classifier@1.1.0", "-o", "exact")
    assert "yanked" in exact.stderr
    home.run("unyank", "nrg-lab/snn-classifier@1.1.0")
    assert home.json("show", "nrg-lab/snn-classifier")["version"] == "1.1.0"

    stranger = home.__class__(home.root / "stranger", server)
    stranger.run("show", "nrg-lab/secret", expect=4)
    assert {r["name"] for r in stranger.json("search", "mnist")["results"]} == {"snn-classifier"}


def test_orgs_and_tokens(server, account, home, models):
    home.login(account)
    server.user("bob", PASSWORD)
    home.run("org", "create", "spikes")
    home.run("org", "add", "spikes", "bob", "--role", "write")
    members = home.json("org", "members", "spikes")
    assert {(m.get("user") or m.get("name"), m["role"]) for m in members} >= {("ada", "owner"), ("bob", "write")}
    home.run("org", "remove", "spikes", "bob")
    assert "bob" not in home.run("org", "members", "spikes").stdout
    log = home.json("audit", "spikes")
    assert [(e["action"], e["target"]) for e in log] == [("member.remove", "bob"), ("member.set", "bob"),
                                                         ("org.create", "spikes")]
    assert "member.set" in home.run("audit", "spikes").stdout

    secret = home.run("token", "create", "ci", "--scope", "write").stdout.strip()
    tokens = home.json("token", "list")
    ci = next(t for t in tokens if t["name"] == "ci")
    assert ci["scope"] == "write" and secret not in json.dumps(tokens)

    machine = home.__class__(home.root / "ci-machine", server)
    assert machine.json("whoami", env={"SYNFIRE_TOKEN": secret})["name"] == "ada"
    machine.release_files(models / "conv_classifier.nir")
    machine.run("push", "spikes/model", "--version", "1.0.0", "--model", "model.nir", "--card", "nir-card.json",
                env={"SYNFIRE_TOKEN": secret})
    home.run("token", "revoke", ci["id"])
    machine.run("whoami", env={"SYNFIRE_TOKEN": secret}, expect=3)


def test_endpoint_from_the_config_file_and_the_flag(server, account, home):
    del home.env["SYNFIRE_ENDPOINT"]
    (home.config / "synfire").mkdir(parents=True)
    (home.config / "synfire" / "config.toml").write_text(f'endpoint = "{server.url}"\n')
    home.login(account)
    assert home.json("whoami")["name"] == "ada"
    home.run("--endpoint", "http://127.0.0.1:9", "whoami", expect=3)  # no token kept for that endpoint
    home.run("whoami", "--endpoint", "http://127.0.0.1:9", env={"SYNFIRE_TOKEN": account}, expect=7)


def test_bash_completion_offers_commands_and_options():
    from conftest import ROOT
    script = ROOT / "share" / "bash-completion" / "synfire"

    def complete(*words):
        line = " ".join(words)
        run = subprocess.run(["bash", "-c", f"source {script}; COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; "
                              "_synfire; echo ${COMPREPLY[@]}"], capture_output=True, text=True)
        return run.stdout.split()

    assert complete("synfire", "pu") == ["push", "pull"]
    assert "--neuron-type" in complete("synfire", "search", "--ne")
    assert complete("synfire", "token", "create", "ci", "--scope", "w") == ["write"]
    assert complete("synfire", "cache", "c") == ["clear"]


def on_a_terminal(home, *args):
    """Runs `synfire ARGS` with stderr on a pseudo-terminal; returns what it drew there."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([CLI, *map(str, args)], cwd=home.work, env=home.env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    drawn = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        drawn += chunk
    assert proc.wait(timeout=60) == 0, drawn
    os.close(master)
    return drawn


def test_progress_bars_on_a_terminal_only(server, account, home, models):
    home.login(account)
    home.release_files(models / "conv_classifier.nir")
    big = models / "weight_64mib.nir"
    pushed = on_a_terminal(home, "push", "nrg-lab/big", "--version", "1.0.0", "--model", big, "--card", "nir-card.json")
    assert b"hash" in pushed and b"upload" in pushed and b"ETA" in pushed and b"100%" in pushed

    drawn = on_a_terminal(home, "pull", "nrg-lab/big", "-o", "tty")
    assert b"download" in drawn and b"model.nir" in drawn and b"ETA" in drawn and b"100%" in drawn
    assert b"/s" in drawn

    piped = home.run("pull", "nrg-lab/big", "-o", "piped")
    assert "ETA" not in piped.stderr and "\r" not in piped.stderr
    quiet = home.run("pull", "nrg-lab/big", "-o", "quiet", "--quiet")
    assert quiet.stderr == ""
