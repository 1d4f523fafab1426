#!/usr/bin/env python3
"""Whole-process time and peak memory of `synfire inspect --json` on the fixture files
and on generated large cases (a 20,000-node chain, a 64 MiB weight, the gzip bomb).

    python3 bench/inspect.py [--build build] [--runs 15] [--reference /path/to/NIR]

Targets (2-core machine): the bomb and the 64 MiB file under 50 ms and 32 MiB peak;
the 20,000-node chain under 300 ms. With --reference (a checkout of the NIR Python
reference implementation; needs Debian's python3-h5py and python3-numpy) the same
files are read with `nir.read` in a fresh interpreter, and the ratio is printed.
"""
import argparse
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT.parent / "shared" / "fixtures" / "nir"


def measure(argv, runs, env=None):
    """Median wall time (ms) and the largest peak RSS (MiB) over `runs` fresh processes."""
    times, peaks = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        times.append((time.perf_counter() - start) * 1000)
        peaks.append(usage.ru_maxrss / 1024)
    return statistics.median(times), max(peaks)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build", default=str(ROOT / "build"))
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--reference", help="checkout of neuromorphs/NIR to compare with")
    args = parser.parse_args()

    synfire = pathlib.Path(args.build) / "bin" / "synfire"
    generated = pathlib.Path(args.build) / "bench-models"
    subprocess.run([str(pathlib.Path(args.build) / "bin" / "synfire-bench-gen"), str(generated)], check=True)

    cases = [("chain_20000 (generated)", generated / "chain_20000.nir", 300, None),
             ("weight_64mib (generated)", generated / "weight_64mib.nir", 50, 32)]
    if FIXTURES.is_dir():
        cases.append(("too_large_bomb (fixture)", FIXTURES / "too_large_bomb.nir", 50, 32))
        cases += [(p.stem, p, None, None) for p in sorted(FIXTURES.glob("*.nir")) if p.stem != "too_large_bomb"]
    else:
        print(f"note: fixtures not found at {FIXTURES}; benchmarking generated files only")

    env = None
    if args.reference:
        env = dict(os.environ, PYTHONPATH=args.reference)
    reference_code = "import sys, nir\ntry:\n    nir.read(sys.argv[1])\nexcept Exception:\n    pass\n"

    header = f"{'file':34} {'synfire ms':>10} {'peak MiB':>9} {'target':>14}"
    if args.reference:
        header += f" {'nir.read ms':>12} {'speed-up':>9}"
    print(header)
    failures = 0
    for name, path, ms_target, mib_target in cases:
        ms, mib = measure([str(synfire), "inspect", str(path), "--json"], args.runs)
        target = ""
        if ms_target:
            ok = ms < ms_target and (mib_target is None or mib < mib_target)
            failures += not ok
            target = f"<{ms_target}ms" + (f",<{mib_target}MiB" if mib_target else "") + (" ok" if ok else " MISS")
        line = f"{name:34} {ms:10.1f} {mib:9.1f} {target:>14}"
        if args.reference:
            ref_ms, _ = measure(["/usr/bin/python3", "-c", reference_code, str(path)], max(3, args.runs // 3), env)
            line += f" {ref_ms:12.1f} {ref_ms / ms:8.1f}x"
        print(line, flush=True)
    print(f"\n{failures} target(s) missed" if failures else "\nall targets met")


if __name__ == "__main__":
    sys.exit(main())
