#!/usr/bin/env python3
"""Transfer and request benchmarks of synfire-server (a benchmark, not a test).

    python3 bench/server.py [--build build] [--size-mib 1024] [--runs 5]

Prints, next to each other: `openssl dgst -sha256` on a file of --size-mib random
bytes; a monolithic upload of it with curl to synfire-server (MB/s) and the server's
peak RSS (VmHWM) afterwards; its download with curl from synfire-server and from
nginx (apt's nginx, started here on 127.0.0.1); and, when wrk is installed, requests/s
and latency of GET .../releases/latest and of a filtered search (wrk -t2 -c32).
Targets: upload >= 70% of openssl's rate, download >= 70% of nginx's, peak RSS under
64 MiB, latest >= 20,000 requests/s. Transfers are the median of --runs, each after
a `sync` (so that one run's writeback does not land in the next).
"""
import argparse
import hashlib
import json
import os
import pathlib
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "server"))


def timed(argv, **kwargs):
    subprocess.run(["sync"], check=True)
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - start


def median_of(runs, argv, **kwargs):
    return statistics.median(timed(argv, **kwargs) for _ in range(runs))


def rate(size, seconds):
    return f"{size / seconds / 1e6:8.1f} MB/s"


def vm_hwm(pid):
    text = pathlib.Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", text).group(1)) / 1024


def start_nginx(folder, port):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not os.path.exists(nginx):
        return None
    conf = pathlib.Path(folder, "nginx.conf")
    conf.write_text(f"""daemon off; worker_processes 2; pid {folder}/nginx.pid; error_log {folder}/nginx.err;
events {{}}
http {{ access_log off; sendfile on; client_body_temp_path {folder}; proxy_temp_path {folder};
  fastcgi_temp_path {folder}; uwsgi_temp_path {folder}; scgi_temp_path {folder};
  server {{ listen 127.0.0.1:{port}; root {folder}; }} }}""")
    proc = subprocess.Popen([nginx, "-c", str(conf), "-p", folder], stderr=subprocess.DEVNULL)
    time.sleep(0.5)
    return proc


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ["SYNFIRE_SERVER_BIN"] = str(pathlib.Path(args.build) / "bin" / "synfire-server")
    from server_process import ServerProcess

    work = tempfile.mkdtemp(prefix="synfire-bench-")
    big = pathlib.Path(work, "big.bin")
    with open(big, "wb") as f:
        for _ in range(args.size_mib):
            f.write(os.urandom(1 << 20))
    size = big.stat().st_size
    print(f"file: {size / (1 << 20):.0f} MiB of random bytes")

    openssl = median_of(args.runs, ["openssl", "dgst", "-sha256", str(big)])
    print(f"openssl dgst -sha256      {rate(size, openssl)}")

    server = ServerProcess()
    try:
        token = server.user("bench")
        digest = "sha256:" + hashlib.sha256(big.read_bytes()).hexdigest() if size <= (256 << 20) else None
        if digest is None:
            h = hashlib.sha256()
            with open(big, "rb") as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    h.update(block)
            digest = "sha256:" + h.hexdigest()
        url = f"http://127.0.0.1:{server.port}"
        # Start the peak-RSS count at the upload (signing in ran argon2id, which uses 64 MiB).
        pathlib.Path(f"/proc/{server.proc.pid}/clear_refs").write_text("5")
        upload = median_of(args.runs, ["curl", "-sf", "-X", "PUT", "-H", f"Authorization: Bearer {token}",
                        "--upload-file", str(big), f"{url}/api/v1/blobs/{digest}"])
        rss = vm_hwm(server.proc.pid)
        print(f"upload (curl -> synfire)  {rate(size, upload)}  = {openssl / upload * 100:5.0f}% of openssl"
              f"   server peak RSS {rss:.1f} MiB")

        card = server.upload(b'{"license": "MIT"}', token)
        # a tiny model so that the release commits: the big blob is attached as release notes
        gen = pathlib.Path(args.build) / "bin" / "synfire-bench-gen"
        subprocess.run([str(gen), work, "conv_classifier"], check=True)
        model = server.upload(pathlib.Path(work, "conv_classifier.nir").read_bytes(), token)
        status, _ = server.json("PUT", "/api/v1/repos/bench/big/releases/1.0.0",
                                {"files": {"model.nir": model, "nir-card.json": card, "RELEASE_NOTES.md": digest}}, token)
        assert status == 201, status
        download = median_of(args.runs, ["curl", "-sf", "-o", os.devnull, f"{url}/api/v1/repos/bench/big/releases/1.0.0/files/RELEASE_NOTES.md"])
        line = f"download (synfire -> curl){rate(size, download)}"
        nginx = start_nginx(work, 18099)
        if nginx:
            try:
                served = median_of(args.runs, ["curl", "-sf", "-o", os.devnull, "http://127.0.0.1:18099/big.bin"])
                line += f"  = {served / download * 100:5.0f}% of nginx ({rate(size, served).strip()})"
            finally:
                nginx.terminate()
        else:
            line += "  (nginx not installed: apt-get install nginx)"
        print(line)

        wrk = shutil.which("wrk")
        if wrk:
            for name, path in (("GET releases/latest", "/api/v1/repos/bench/big/releases/latest"),
                               ("GET search?q=&license=", "/api/v1/search?q=big&license=MIT")):
                out = subprocess.run([wrk, "-t2", "-c32", "-d5s", "--latency", url + path], capture_output=True,
                                     text=True).stdout
                rps = re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)
                p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)
                p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)
                print(f"{name:26}{float(rps):8.0f} requests/s   p50 {p50}   p99 {p99}")
        else:
            print("wrk not installed (apt-get install wrk): request rates skipped")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
