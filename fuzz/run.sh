#!/usr/bin/env bash
# Runs each fuzz target for SECONDS, seeded from the conformance fixtures (read in
# place from ../shared/fixtures) and generated sample models. Crashes land in
# BUILD/artifacts/<target>/; copy a reproducer to tests/regress/fuzz/{nir,card}/.
#   fuzz/run.sh BUILD SECONDS
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
root=$(cd "$(dirname "$0")/.." && pwd)
fixtures="$root/../shared/fixtures"
export LSAN_OPTIONS="suppressions=$root/fuzz/lsan.supp:print_suppressions=0"
# libhdf5 has no frame pointers (the slow unwinder sees its frames), and it asks
# malloc for absurd sizes on corrupt headers, then handles NULL: let malloc say no.
export ASAN_OPTIONS="fast_unwind_on_malloc=0:allocator_may_return_null=1"

run_target() {
  local target=$1; shift
  local corpus="$build/corpus/$target" artifacts="$build/artifacts/$target"
  mkdir -p "$corpus" "$artifacts"
  local seeds=()
  for dir in "$@"; do [ -d "$dir" ] && seeds+=("$dir"); done
  echo "== $target for ${seconds}s (seeds: ${seeds[*]:-none})"
  # Fork mode keeps fuzzing past a hang or crash (each lands in $artifacts).
  "$build/bin/$target" "$corpus" "${seeds[@]}" -fork=1 -ignore_timeouts=1 -ignore_crashes=1 -ignore_ooms=1 \
    -max_total_time="$seconds" -rss_limit_mb=2048 -malloc_limit_mb=1048576 -timeout=10 -max_len=262144 \
    -artifact_prefix="$artifacts/" > "$build/$target.log" 2>&1 || true
  grep -E '^#[0-9]+: cov' "$build/$target.log" | tail -1
  grep -E 'ERROR: (Address|Leak|Undefined)|SUMMARY:' "$build/$target.log" | sort | uniq -c | head -20
  echo "artifacts: $(ls "$artifacts" | wc -l) in $artifacts"
}

[ -d "$fixtures" ] || echo "note: $fixtures not found; fuzzing from the generated seeds only"
mkdir -p "$build/seeds/nir"
if [ -x build/bin/synfire-bench-gen ]; then
  build/bin/synfire-bench-gen "$build/seeds/gen" >/dev/null && cp "$build/seeds/gen/"{conv_classifier,recurrent_cubalif}.nir "$build/seeds/nir/"
fi
targets=${FUZZ_TARGETS:-nir_reader_fuzz card_fuzz}
for target in $targets; do
  case $target in
    nir_reader_fuzz) run_target nir_reader_fuzz "$fixtures/nir" "$build/seeds/nir" "$root/tests/regress/fuzz/nir" ;;
    card_fuzz) run_target card_fuzz "$fixtures/cards" "$root/tests/regress/fuzz/card" ;;
  esac
done
