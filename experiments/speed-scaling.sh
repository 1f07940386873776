#!/usr/bin/env bash
# experiments/speed-scaling.sh [PRESET] [SEQ ...] — how the in-process training step's cost grows with the
# sequence length against its FLOPs (bench's StepFlops: matrix products of the necessary work), and
# the share of ND4J's GEMM peak it reaches. AdaMix-adapter M = 4 + consistency, batch 16 (BATCH),
# default PRESET minilm, SEQ 64 128 256 512. The GEMM peak is measured once, first, in the same way
# as `bin/adamix bench --gemm-peak` (best of 10 products of 2048 x 2048 x 2048 on this machine's threads).
# Prints per length: ex/s, seconds per step, GFLOP/s, share of the peak, and cost and FLOPs relative
# to the first length.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-minilm}"
shift || true
lengths=("$@")
[ ${#lengths[@]} -gt 0 ] || lengths=(64 128 256 512)
batch="${BATCH:-16}" steps="${STEPS:-8}" warm="${WARMUP:-10}"
# The kernels bin/blas-core picks for this CPU (CORETYPE=X overrides; a value in the environment, e.g.
# Haswell on an AVX-512 machine, would slow both sides, ND4J's older OpenBLAS the more).
export OPENBLAS_CORETYPE="${CORETYPE:-$(bin/blas-core)}"
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }
peak=""
printf 'seq\ttrain_ex_per_s\ts_per_step\tgflops\tof_peak\tcost_vs_first\tflops_vs_first\n'
for t in "${lengths[@]}"; do
  extra=()
  [ -z "$peak" ] && extra=(--gemm-peak)
  o="$(bin/adamix bench --preset "$preset" --seq "$t" --batch "$batch" --config adamix-adapter+consistency \
    --steps "$steps" --warmup "$warm" "${extra[@]}")"
  [ -z "$peak" ] && peak="$(sed -n 's/^GEMM square=[^ ]* gflops=\([0-9.]*\).*/\1/p' <<<"$o")" && echo "# $(grep '^GEMM' <<<"$o")"
  b="$(grep '^BENCH ' <<<"$o")"
  ex="$(field train_ex_per_s "$b")" g="$(field train_gflops "$b")"
  step="$(bc -l <<<"$batch/$ex")" flops="$(bc -l <<<"$g*$batch/$ex")"
  [ -z "${step0:-}" ] && step0="$step" flops0="$flops"
  printf '%s\t%s\t%.3f\t%s\t%.2f\t%.2f\t%.2f\n' "$t" "$ex" "$step" "$g" "$(bc -l <<<"$g/$peak")" \
    "$(bc -l <<<"$step/$step0")" "$(bc -l <<<"$flops/$flops0")"
done
