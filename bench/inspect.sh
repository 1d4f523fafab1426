#!/usr/bin/env bash
# make bench: runs the inspect benchmark against the given build directory.
set -euo pipefail
cd "$(dirname "$0")/.."
exec /usr/bin/python3 bench/inspect.py --build "${1:-build}" "${@:2}"
