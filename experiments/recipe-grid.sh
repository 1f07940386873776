#!/usr/bin/env bash
# The grid behind the README's "defaults" table: train with every option at its default except the
# ones named here, on one dataset, for each (head, lr), and print the selected dev score and test score.
#
# Usage: experiments/recipe-grid.sh NAME TRAIN DEV TEST "HEADS" "LRS" [extra train options...]
#   e.g. experiments/recipe-grid.sh e2e-ff ff-train.jsonl ff-dev.jsonl ff-test.jsonl "cls mean" "5e-4 2e-3" --epochs 2
# Environment: BACKBONE (default data/minilm), OUT (default runs/grid), SEEDS (default "42").
# Prints one TSV line per run: name backbone head lr seed dev_metric dev_value test_metrics examples/s.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NAME="$1"; TRAIN="$2"; DEV="$3"; TEST="$4"; HEADS="$5"; LRS="$6"; shift 6
BACKBONE="${BACKBONE:-$ROOT/data/minilm}"
OUT="${OUT:-$ROOT/runs/grid}"
mkdir -p "$OUT"
for seed in ${SEEDS:-42}; do
  for head in $HEADS; do
    for lr in $LRS; do
      run="$OUT/$NAME-$(basename "$BACKBONE")-$head-lr$lr-s$seed"
      if [ ! -f "$run/_SUCCESS" ]; then
        rm -rf "$run"
        "$ROOT/bin/adamix" train --backbone "$BACKBONE" --train "$TRAIN" --dev "$DEV" --output "$run" \
          --head "$head" --lr "$lr" --seed "$seed" --workers 2 --master 'local[2]' "$@" > "$run.log" 2>&1 || { echo "FAILED $run (see $run.log)" >&2; continue; }
      fi
      if [ ! -f "$run/test.json" ]; then
        "$ROOT/bin/adamix" evaluate --model "$run" --backbone "$BACKBONE" --data "$TEST" --output "$run/test.json" \
          --master 'local[2]' $(grep -o -- '--task [a-z]*\|--pair-column [a-z]*' <<< "$*" || true) > "$run.eval.log" 2>&1 || echo "EVAL FAILED $run" >&2
      fi
      python3 - "$run" "$NAME" "$head" "$lr" "$seed" "$(basename "$BACKBONE")" <<'PY'
import json, sys
run, name, head, lr, seed, backbone = sys.argv[1:]
s = json.load(open(run + "/summary.json"))
sel = s.get("selected")
t = json.load(open(run + "/test.json"))["scores"]
by = sel["by"] if isinstance(sel, dict) else "last"
val = sel["value"] if isinstance(sel, dict) else float("nan")
keys = [k for k in ("accuracy", "f1", "mcc", "pearson", "spearman") if k in t]
print("\t".join([name, backbone, head, lr, seed, by, "%.4f" % val] + ["test_%s=%.4f" % (k, t[k]) for k in keys]
                + ["ex/s=%.1f" % s["examples_per_s"]]), flush=True)
PY
    done
  done
done
