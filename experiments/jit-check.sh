#!/usr/bin/env bash
# experiments/jit-check.sh [SEQ] — did C2 compile every vector kernel whole? Runs the fused attention
# kernels alone (AttentionBench) and the training step (bench, MiniLM shape, AdaMix + consistency,
# batch 16) at SEQ tokens (default 512) with -XX:+LogCompilation, then lists the compilations of the
# project's code that left a call on vectors out of line (experiments/jit_check.py): each boxes its
# vectors on every call. Prints one JITCHECK line per run; exit status 1 when any run had one.
# C2's decisions depend on the order methods get hot, so run it a few times.
set -euo pipefail
cd "$(dirname "$0")/.."
seq="${1:-512}"
jar="${JAR:-spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar}"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
flags="-XX:+UnlockDiagnosticVMOptions -XX:+LogCompilation"
status=0
java --add-modules=jdk.incubator.vector $flags -XX:LogFile="$log/attention.xml" \
  -cp "$jar:$(cat spark-jobs/target/provided-classpath.txt)" experiments/AttentionBench.java "$seq" 2>&1 | grep '^ATTENTION'
python3 experiments/jit_check.py "$log/attention.xml" || status=1
JAVA_OPTS="-Xmx8g $flags -XX:LogFile=$log/step.xml" bin/adamix bench --preset minilm --seq "$seq" --batch 16 \
  --config adamix-adapter+consistency --steps 3 --warmup 3 2>&1 | grep -A1 '^method'
python3 experiments/jit_check.py "$log/step.xml" || status=1
exit "$status"
