#!/usr/bin/env python3
"""Push and pull of a 1 GiB NIR file: the `synfire` CLI (whole process) next to curl
doing the same transfer against the same server (a benchmark, not a test).

    python3 bench/transfer.py [--build build] [--runs 3] [--work /var/tmp/synfire-bench-transfer]

push: curl PUTs the blob (`curl -T`, its SHA-256 computed beforehand and not timed;
`openssl dgst -sha256` + curl is printed beside it, since a curl user needs the digest);
synfire runs `push` (validates the model and card, hashes the file, asks the server,
uploads through a resumable session, publishes the release). Each run starts a fresh
server, so nothing is skipped.
pull: curl GETs the file (`curl -o`); synfire runs `pull -o DIR` with an empty cache
(resolves the release, downloads, verifies the SHA-256, puts the file in place).
Target: synfire within 10% of curl (ratio <= 1.10). Prints medians, against curl
alone and against curl doing the same work: `openssl dgst` to name the blob before
the PUT, and to check the file after the GET (synfire hashes every byte both ways).
Then the resume check on the same file: a push killed at about half way (SIGKILL,
--limit-rate 256M so that half way can be caught), run again: the second run must
send under 60% of the file (the server's received-bytes metric); same for a pull.
"""
import argparse
import hashlib
import json
import os
import pathlib
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "server"))

CARD = {"description": "A 1 GiB benchmark model.", "license": "MIT"}


def timed(argv, **kwargs):
    subprocess.run(["sync"], check=True)  # earlier writes are not written back during this one
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def fresh_server(build, work, name):
    os.environ["SYNFIRE_SERVER_BIN"] = str(build / "bin" / "synfire-server")
    from server_process import ServerProcess
    folder = work / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    server = ServerProcess(directory=str(folder))
    token = server.user("bench")
    status, _ = server.json("POST", "/api/v1/orgs", {"name": "bench-lab"}, token)
    assert status == 201
    return server, token


def metric(server, name):
    _, _, body = server.request("GET", "/metrics")
    match = re.search(rf"^{re.escape(name)}(?:{{[^}}]*}})? ([0-9.e+]+)$", body.decode(), re.M)
    return float(match.group(1)) if match else 0.0


def kill_at_half(argv, env, progress, size):
    """Starts argv, SIGKILLs it once progress() passes half of size; returns the fraction reached."""
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and proc.poll() is None and progress() < size * 0.5:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    time.sleep(1)  # the server notices the dropped connection and counts its bytes
    return progress() / size


def resume_check(build, work, cli, model, card, size):
    server, token = fresh_server(build, work, "server-resume")
    try:
        url = f"http://127.0.0.1:{server.port}"
        env = dict(os.environ, XDG_CONFIG_HOME=str(work / "resume-home" / "config"),
                   XDG_CACHE_HOME=str(work / "resume-home" / "cache"), SYNFIRE_ENDPOINT=url, SYNFIRE_TOKEN=token)
        push = [cli, "push", "bench-lab/resume", "--version", "1.0.0", "--model", str(model), "--card", str(card), "-q"]
        sessions = pathlib.Path(server.data) / "uploads"
        reached = kill_at_half(push + ["--limit-rate", "256M"], env,
                               lambda: max([p.stat().st_size for p in sessions.glob("*/data")] or [0]), size)
        before = metric(server, "synfire_http_received_bytes_total")
        subprocess.run(push, env=env, check=True, stdout=subprocess.DEVNULL)
        sent = metric(server, "synfire_http_received_bytes_total") - before
        print(f"resumed push 1 GiB: killed at {reached:.0%}; the second run sent {sent / size:.0%} of the file "
              f"[target < 60%: {'met' if sent < 0.6 * size else 'MISSED'}]")

        part = work / "resume-home" / "pull-cache" / "synfire" / "blobs" / "sha256" / (file_sha256(model) + ".part")
        env["XDG_CACHE_HOME"] = str(work / "resume-home" / "pull-cache")
        pull = [cli, "pull", "bench-lab/resume@1.0.0", "-o", str(work / "resume-home" / "out"), "-q"]
        reached = kill_at_half(pull + ["--limit-rate", "256M"], env, lambda: part.stat().st_size if part.exists() else 0,
                               size)
        before = metric(server, "synfire_http_sent_file_bytes_total")
        subprocess.run(pull, env=env, check=True, stdout=subprocess.DEVNULL)
        received = metric(server, "synfire_http_sent_file_bytes_total") - before
        print(f"resumed pull 1 GiB: killed at {reached:.0%}; the second run received {received / size:.0%} of the "
              f"file [target < 60%: {'met' if received < 0.6 * size else 'MISSED'}]")
    finally:
        server.stop()
        shutil.rmtree(work / "resume-home", ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", default="/var/tmp/synfire-bench-transfer")
    args = parser.parse_args()
    build, work = pathlib.Path(args.build).resolve(), pathlib.Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    cli = str(build / "bin" / "synfire")

    model = work / "weight_1gib.nir"
    if not model.exists():
        print("generating a 1 GiB NIR file (once) ...", flush=True)
        subprocess.run([str(build / "bin" / "synfire-bench-gen"), str(work), "weight_1gib"], check=True)
    card = work / "nir-card.json"
    card.write_text(json.dumps(CARD))
    size = model.stat().st_size
    digest = file_sha256(model)
    print(f"file: {size / 2**30:.3f} GiB, {args.runs} runs, medians\n")

    times = {"curl push": [], "synfire push": [], "curl pull": [], "synfire pull": [], "digest": [], "verify": []}
    for run in range(args.runs):
        times["digest"].append(timed(["openssl", "dgst", "-sha256", str(model)]))  # what names the blob for curl
        server, token = fresh_server(build, work, "server-curl")
        url = f"http://127.0.0.1:{server.port}"
        times["curl push"].append(timed(
            ["curl", "-sS", "-f", "-T", str(model), "-X", "PUT", "-H", f"Authorization: Bearer {token}",
             f"{url}/api/v1/blobs/sha256:{digest}"]))
        server.stop()

        server, token = fresh_server(build, work, "server-synfire")
        url = f"http://127.0.0.1:{server.port}"
        home = work / "home"
        shutil.rmtree(home, ignore_errors=True)
        env = dict(os.environ, XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"),
                   SYNFIRE_ENDPOINT=url, SYNFIRE_TOKEN=token)
        times["synfire push"].append(timed(
            [cli, "push", "bench-lab/big", "--version", "1.0.0", "--model", str(model), "--card", str(card), "-q"],
            env=env))

        out = work / "pulled"
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir()
        # The server writes blobs past the page cache (O_DIRECT): one untimed read puts
        # the file there, so that both pulls below start from the same state.
        subprocess.run(["curl", "-sS", "-f", "-o", os.devnull,
                        f"{url}/api/v1/repos/bench-lab/big/releases/1.0.0/files/model.nir"], check=True)
        times["curl pull"].append(timed(
            ["curl", "-sS", "-f", "-o", str(out / "curl.nir"),
             f"{url}/api/v1/repos/bench-lab/big/releases/1.0.0/files/model.nir"]))
        times["verify"].append(timed(["openssl", "dgst", "-sha256", str(out / "curl.nir")]))  # what synfire checks
        os.remove(out / "curl.nir")
        shutil.rmtree(home / "cache", ignore_errors=True)
        times["synfire pull"].append(timed([cli, "pull", "bench-lab/big@1.0.0", "-o", str(out / "synfire"), "-q"],
                                           env=env))
        assert file_sha256(out / "synfire" / "model.nir") == digest
        server.stop()
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items() if k not in ("digest", "verify")),
              flush=True)

    print()
    median = {k: statistics.median(v) for k, v in times.items()}
    # curl alone neither names the blob nor checks what it received; synfire hashes
    # every byte both ways. Both comparisons are printed; the second does the same work.
    same_work = {"push": ("openssl dgst, then curl PUT", median["digest"] + median["curl push"]),
                 "pull": ("curl GET, then openssl dgst", median["curl pull"] + median["verify"])}
    for what in ("push", "pull"):
        curl, ours = median[f"curl {what}"], median[f"synfire {what}"]
        print(f"{what} 1 GiB: curl {curl:6.2f} s ({size / curl / 1e6:7.1f} MB/s)   synfire {ours:6.2f} s "
              f"({size / ours / 1e6:7.1f} MB/s)   synfire/curl {ours / curl:.2f}x  "
              f"[<= 1.10: {'met' if ours / curl <= 1.10 else 'MISSED'}]")
        label, both = same_work[what]
        print(f"  same work ({label}) {both:6.2f} s   synfire/that {ours / both:.2f}x  "
              f"[<= 1.10: {'met' if ours / both <= 1.10 else 'MISSED'}]")
    print()
    resume_check(build, work, cli, model, card, size)
    shutil.rmtree(work / "pulled", ignore_errors=True)
    for name in ("server-curl", "server-synfire", "server-resume", "home"):
        shutil.rmtree(work / name, ignore_errors=True)


if __name__ == "__main__":
    main()
