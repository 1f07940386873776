#!/usr/bin/env bash
# experiments/speed-scaling.sh [PRESET] [SEQ ...] — how the in-process training step's cost grows with the
# sequence length against its FLOPs (bench's StepFlops: matrix products of the necessary work), and
# the share of ND4J's GEMM peak it reaches. AdaMix-adapter M = 4 + consistency, batch 16 (BATCH),
# default PRESET minilm, SEQ 64 128 256 512. The GEMM peak is measured once, first, in the same way
# as `bin/adamix bench --gemm-peak` (best of 10 products of 2048 x 2048 x 2048 on this machine's threads).
# Prints per length: ex/s, seconds per step, GFLOP/s, share of the peak, and cost and FLOPs relative
# to the first length. The lengths take turns step by step in one JVM. of_turn_peak: the median of
# each step's share of the square GEMM timed just before its turn (the machine's drift within a run
# is larger than the goal's margin; this compares each step with the GEMM of its own moment).
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
# One JVM, the lengths taking turns step by step (bench's ROW@T rows, --interleaved): the machine's
# drift slows every length alike, where separate runs minutes apart differed by up to 1.5x here.
rows="$(printf 'adamix-adapter+consistency@%s,' "${lengths[@]}")"
max="$(printf '%s\n' "${lengths[@]}" | sort -n | tail -1)"
o="$(bin/adamix bench --preset "$preset" --seq "$max" --batch "$batch" --config "${rows%,}" --interleaved \
  --steps "$steps" --warmup "$warm" --gemm-peak)"
peak="$(sed -n 's/^GEMM square=[^ ]* gflops=\([0-9.]*\).*/\1/p' <<<"$o")"
echo "# $(grep '^GEMM' <<<"$o")"
printf 'seq\ttrain_ex_per_s\ts_per_step\tgflops\tof_peak\tof_turn_peak\tcost_vs_first\tflops_vs_first\n'
for t in "${lengths[@]}"; do
  b="$(grep "^BENCH method=adamix-adapter+consistency@$t " <<<"$o")"
  tok="$(field train_tok_per_s "$b")" g="$(field train_gflops "$b")"
  # seconds per step from tokens/s (4 significant digits where ex/s has 2 at 512 tokens)
  step="$(bc -l <<<"$batch*$t/$tok")" flops="$(bc -l <<<"$g*$batch*$t/$tok")"
  [ -z "${step0:-}" ] && step0="$step" flops0="$flops"
  printf '%s\t%.2f\t%.3f\t%s\t%.2f\t%.2f\t%.2f\t%.2f\n' "$t" "$(bc -l <<<"$batch/$step")" "$step" "$g" \
    "$(bc -l <<<"$g/$peak")" "$(field train_of_turn_peak "$b")" "$(bc -l <<<"$step/$step0")" "$(bc -l <<<"$flops/$flops0")"
done
