#!/usr/bin/env bash
# deploy/gpu/getGpusResources.sh — Spark GPU discovery script (spark.executor.resource.gpu.discoveryScript,
# spark.worker.resource.gpu.discoveryScript). Prints the resource JSON Spark expects, one address per GPU:
#   {"name": "gpu", "addresses": ["0", "1"]}
# Addresses are nvidia-smi's device indices. When CUDA_VISIBLE_DEVICES lists indices, only those GPUs are
# reported (org.adamix.jobs.gpu.GpuBinding maps an address to its position in that list). Fails (exit 1,
# message on stderr) when nvidia-smi is missing or sees no GPU: Spark then refuses to start the executor,
# which is clearer than an executor that trains on the CPU. NVIDIA_SMI overrides the nvidia-smi to run.
set -euo pipefail
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
smi="${NVIDIA_SMI:-nvidia-smi}"
command -v "$smi" >/dev/null 2>&1 || { echo "getGpusResources.sh: $smi not found: no NVIDIA driver on $(hostname)" >&2; exit 1; }
indices="$("$smi" --query-gpu=index --format=csv,noheader)" || { echo "getGpusResources.sh: $smi failed on $(hostname)" >&2; exit 1; }
visible="${CUDA_VISIBLE_DEVICES:-}"
addresses=()
while IFS= read -r i; do
  i="${i//[[:space:]]/}"
  [ -n "$i" ] || continue
  [[ "$i" =~ ^[0-9]+$ ]] || { echo "getGpusResources.sh: unexpected nvidia-smi index '$i'" >&2; exit 1; }
  if [ -n "$visible" ] && [ "$visible" != all ] && [[ "$visible" =~ ^[0-9,\ ]+$ ]]; then
    [[ ",${visible// /}," == *",$i,"* ]] || continue
  fi
  addresses+=("\"$i\"")
done <<<"$indices"
[ ${#addresses[@]} -gt 0 ] || { echo "getGpusResources.sh: no GPU on $(hostname) (CUDA_VISIBLE_DEVICES=${visible:-unset})" >&2; exit 1; }
joined="$(IFS=,; echo "${addresses[*]}")"
echo "{\"name\": \"gpu\", \"addresses\": [${joined//,/, }]}"
