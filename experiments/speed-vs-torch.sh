#!/usr/bin/env bash
# experiments/speed-vs-torch.sh [ROUNDS] [SHAPE ...] — this project's in-process step against the same
# math in PyTorch (../shared/bench/torch_reference.py), alternating on the same cores, ROUNDS rounds.
# A SHAPE is PRESET:SEQ (minilm|e5small|bertbase, tokens); default: minilm:128 minilm:256
# e5small:128 e5small:256. Both sides: AdaMix-adapter M = 4, r = 16, the consistency loss (two routed
# passes), batch 16, frozen backbone, no dropout, the same OPENBLAS_CORETYPE, 2 threads.
# Prints one TSV line per (round, shape): torch and ours, train and inference ex/s, ratios, our
# GFLOP/s; then the median ratio per shape. Needs Debian's python3-torch (apt-get install python3-torch).
# STEPS / WARMUP set the measured and warm-up steps of both (default 10 / 10: our JIT needs ~10).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
shift || true
shapes=("$@")
[ ${#shapes[@]} -gt 0 ] || shapes=(minilm:128 minilm:256 e5small:128 e5small:256)
steps="${STEPS:-10}" warm="${WARMUP:-10}" batch="${BATCH:-16}"
torch_ref="${TORCH_REFERENCE:-../shared/bench/torch_reference.py}"
# The kernels bin/blas-core picks for this CPU (CORETYPE=X overrides; a value in the environment, e.g.
# Haswell on an AVX-512 machine, would slow both sides, ND4J's older OpenBLAS the more).
export OPENBLAS_CORETYPE="${CORETYPE:-$(bin/blas-core)}" OMP_NUM_THREADS=2
out="$(mktemp)"
printf 'round\tshape\ttorch_train\ttorch_infer\tours_train\tours_infer\ttrain_ratio\tinfer_ratio\tours_train_gflops\n' | tee "$out"
for r in $(seq 1 "$rounds"); do
  for s in "${shapes[@]}"; do
    preset="${s%%:*}" seq_len="${s##*:}"
    t="$(/usr/bin/python3 "$torch_ref" frozen "$steps" 3 --preset="$preset" --seq="$seq_len" --batch="$batch" \
      --experts=4 --consistency=1 --threads=2)"
    tt="$(sed -n 's/^RESULT train .*-> \([0-9.]*\) ex\/s.*/\1/p' <<<"$t")"
    ti="$(sed -n 's/^RESULT infer .*-> \([0-9.]*\) ex\/s.*/\1/p' <<<"$t")"
    o="$(bin/adamix bench --preset "$preset" --seq "$seq_len" --batch "$batch" --config adamix-adapter+consistency \
      --steps "$steps" --warmup "$warm" | grep '^BENCH ')"
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$o"; }
    ot="$(field train_ex_per_s)" oi="$(field infer_ex_per_s)" og="$(field train_gflops)"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%.2f\t%.2f\t%s\n' "$r" "$s" "$tt" "$ti" "$ot" "$oi" \
      "$(bc -l <<<"$ot/$tt")" "$(bc -l <<<"$oi/$ti")" "$og" | tee -a "$out"
  done
done
echo
echo "median ratio per shape (train / inference):"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for s in "${shapes[@]}"; do
  printf '%s\t%s\t%s\n' "$s" "$(awk -F'\t' -v s="$s" '$2 == s { print $7 }' "$out" | median)" \
    "$(awk -F'\t' -v s="$s" '$2 == s { print $8 }' "$out" | median)"
done
rm -f "$out"
