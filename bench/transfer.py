#!/usr/bin/env python3
"""Push and pull of a 1 GiB NIR file: the `synfire` CLI (whole process) next to curl
doing the same transfer against the same server (a benchmark, not a test).

    python3 bench/transfer.py [--build build] [--runs 3] [--work /var/tmp/synfire-bench-transfer]

push: curl PUTs the blob (`curl -T`, its SHA-256 computed beforehand and not timed);
synfire runs `push` (validates the model and card, hashes the file, asks the server,
uploads through a resumable session, publishes the release). Each run starts a fresh
server, so nothing is skipped.
pull: curl GETs the file (`curl -o`); synfire runs `pull -o DIR` with an empty cache
(resolves the release, downloads, verifies the SHA-256, puts the file in place).
Target: synfire within 10% of curl (ratio <= 1.10). Prints medians.
"""
import argparse
import hashlib
import json
import os
import pathlib
import shutil
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

    times = {"curl push": [], "synfire push": [], "curl pull": [], "synfire pull": []}
    for run in range(args.runs):
        server, token = fresh_server(build, work, "server-curl")
        url = f"http://127.0.0.1:{server.port}"
        times["curl push"].append(timed(
            ["curl", "-sS", "-f", "-T", str(model), "-X", "PUT", "-H", f"Authorization: Bearer {token}",
             "-H", "Expect:", f"{url}/api/v1/blobs/sha256:{digest}"]))
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
        times["curl pull"].append(timed(
            ["curl", "-sS", "-f", "-o", str(out / "curl.nir"),
             f"{url}/api/v1/repos/bench-lab/big/releases/1.0.0/files/model.nir"]))
        os.remove(out / "curl.nir")
        shutil.rmtree(home / "cache", ignore_errors=True)
        times["synfire pull"].append(timed([cli, "pull", "bench-lab/big@1.0.0", "-o", str(out / "synfire"), "-q"],
                                           env=env))
        assert file_sha256(out / "synfire" / "model.nir") == digest
        server.stop()
        print(f"run {run + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)

    print()
    for what in ("push", "pull"):
        curl, ours = statistics.median(times[f"curl {what}"]), statistics.median(times[f"synfire {what}"])
        ratio = ours / curl
        print(f"{what} 1 GiB: curl {curl:6.2f} s ({size / curl / 1e6:7.1f} MB/s)   synfire {ours:6.2f} s "
              f"({size / ours / 1e6:7.1f} MB/s)   synfire/curl {ratio:.2f}x  "
              f"[target <= 1.10: {'met' if ratio <= 1.10 else 'MISSED'}]")
    shutil.rmtree(work / "pulled", ignore_errors=True)
    for name in ("server-curl", "server-synfire", "home"):
        shutil.rmtree(work / name, ignore_errors=True)


if __name__ == "__main__":
    main()
