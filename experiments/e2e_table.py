#!/usr/bin/env python3
"""Markdown table of an E2E learning run (experiments/e2e-learning.sh): per method variant, mean ± sample std
over seeds of BLEU and ROUGE-L on the E2E test MRs, trainable / served parameters, training seconds.

  experiments/e2e_table.py runs/e2e-learning/e2e-learning.json
"""
import json
import statistics
import sys
from collections import OrderedDict

d = json.load(open(sys.argv[1]))
rows = OrderedDict()
for r in d["runs"]:
    rows.setdefault(r["method"], []).append(r)


def stat(values):
    if len(values) < 2:
        return f"{values[0]:.4f}"
    return f"{statistics.mean(values):.4f} ± {statistics.stdev(values):.4f}"


o = d.get("options", {})
print(f"test MRs {o.get('testMrs', 'all')}, adaptation steps {o.get('adaptSteps', 600)}, vocabulary {d['vocabulary']}, "
      f"pre-train rows {d['pretrainRows']} ({d['pretrainMrs']} MRs), adaptation rows {d['adaptRows']} ({d['adaptMrs']} MRs)")
print()
print("| method | seeds | BLEU | ROUGE-L | trainable / served parameters | train s (per seed) |")
print("|---|---:|---:|---:|---:|---:|")
for method, runs in rows.items():
    bleu = [r["bleu"] for r in runs]
    rouge = [r["rougeL"] for r in runs]
    params = f"{runs[0].get('trainable', 0):,} / {runs[0].get('served', 0):,}" if "trainable" in runs[0] else "—"
    secs = f"{statistics.mean(r.get('trainSeconds', 0) for r in runs):.0f}" if "trainSeconds" in runs[0] else "—"
    print(f"| {method} | {len(runs)} | {stat(bleu)} | {stat(rouge)} | {params} | {secs} |")
