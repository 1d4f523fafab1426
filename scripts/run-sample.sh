#!/usr/bin/env bash
# `make run` until the registry server exists: writes a few sample models with the
# project's own NIR writer and describes them with `synfire inspect`.
set -euo pipefail
build=${1:-build}
samples="$build/samples"
mkdir -p "$samples"
"$build/bin/synfire-bench-gen" "$samples" >/dev/null
for model in conv_classifier recurrent_cubalif; do
  "$build/bin/synfire" inspect "$samples/$model.nir"
  echo
done
echo "Sample models are in $samples. Try: $build/bin/synfire inspect --json $samples/recurrent_cubalif.nir"
