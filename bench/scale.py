#!/usr/bin/env python3
"""Request rates, latencies and the server time of one release commit at 10,000 and
100,000 repositories of 3 releases each (a benchmark, not a test; needs wrk).

    python3 bench/scale.py [--build build] [--repos 10000 100000]

Searches repeat one query after one warm-up request (answers are cached until the
index changes, 10 s at most), then ask a different page each time (every request a
miss: the cost of a search itself). Targets (2 cores):
search p99 under 5 ms at 10,000 and under 20 ms at 100,000
repositories; a commit (validation included) under 50 ms at 100,000; GET latest at
least 20,000 requests/s.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "server"))


# Every request a different page: no two requests share a cached answer, across wrk's
# threads too (math.random gives every thread the same sequence: half the requests
# were duplicates that the answer cache served).
UNCACHED = """local threads = {}
function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end
local counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", "/api/v1/search?QUERY&page=" .. (id * 100000000 + counter))
end
"""


def wrk(url, script=None):
    argv = ["wrk", "-t2", "-c32", "-d5s", "--latency"] + (["-s", script] if script else []) + [url]
    out = subprocess.run(argv, capture_output=True, text=True).stdout
    return (float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1),
            re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--repos", type=int, nargs="+", default=[10000, 100000])
    args = parser.parse_args()
    bin_dir = pathlib.Path(args.build) / "bin"
    os.environ["SYNFIRE_SERVER_BIN"] = str(bin_dir / "synfire-server")
    from server_process import ServerProcess
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed (apt-get install wrk)")
    models = tempfile.mkdtemp(prefix="synfire-scale-models-")
    subprocess.run([str(bin_dir / "synfire-bench-gen"), models, "conv_classifier"], check=True)
    model = pathlib.Path(models, "conv_classifier.nir").read_bytes()
    for count in args.repos:
        folder = tempfile.mkdtemp(prefix="synfire-scale-")
        start = time.perf_counter()
        subprocess.run([str(bin_dir / "synfire-bench-seed"), os.path.join(folder, "data"), str(count)], check=True,
                       stdout=subprocess.DEVNULL)
        seeded = time.perf_counter() - start
        server = ServerProcess(directory=folder)
        try:
            url = f"http://127.0.0.1:{server.port}"
            print(f"== {count} repositories x 3 releases (seeded in {seeded:.0f} s)")
            for name, path in (("GET releases/latest", "/api/v1/repos/bench/model-7/releases/latest"),
                               ("GET search q + filter", "/api/v1/search?q=mnist&neuron_type=LIF"),
                               ("GET search filters only", "/api/v1/search?tag=braille&license=MIT&sort=downloads")):
                server.request("GET", path)  # warm: the first answer is computed, the rest are cached
                rps, p50, p99 = wrk(url + path)
                print(f"  {name:26}{rps:8.0f} requests/s   p50 {p50}   p99 {p99}")
            for name, query in (("q + filter", "q=mnist&neuron_type=LIF"),
                                ("filters only", "tag=braille&license=MIT&sort=downloads"),
                                ("all, by downloads", "sort=downloads")):
                script = pathlib.Path(folder, "uncached.lua")
                script.write_text(UNCACHED.replace("QUERY", query))
                rps, p50, p99 = wrk(url, str(script))
                print(f"  {'distinct ' + name:26}{rps:8.0f} requests/s   p50 {p50}   p99 {p99}   (no cache hits)")
            token = server.user("pusher")
            files = {"model.nir": server.upload(model, token),
                     "nir-card.json": server.upload(json.dumps({"license": "MIT"}).encode(), token)}
            times = []
            for i in range(5):
                server.access_log.clear()
                status, _ = server.json("PUT", f"/api/v1/repos/pusher/new/releases/1.0.{i}", {"files": files}, token)
                assert status == 201, status
                time.sleep(0.1)
                times.append(json.loads([l for l in server.access_log if "/releases/1.0." in l][-1])["ms"])
            print(f"  release commit (server time, validation included): median {sorted(times)[2]:.1f} ms")
        finally:
            server.stop()
    shutil.rmtree(models, ignore_errors=True)


if __name__ == "__main__":
    main()
