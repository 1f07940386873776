#!/usr/bin/env bash
# experiments/attention-bench.sh [SEQ ...] — the fused attention kernels alone (AttentionBench.java:
# MiniLM's heads, batch 16, dropout on), default lengths 128 512. JAR: the job jar to measure (default
# the built one), so two builds can take turns: JAR=a.jar …; JAR=b.jar …
set -euo pipefail
cd "$(dirname "$0")/.."
jar="${JAR:-spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar}"
cp="$jar:$(cat spark-jobs/target/provided-classpath.txt)"
[ $# -gt 0 ] || set -- 128 512
java --add-modules=jdk.incubator.vector -cp "$cp" experiments/AttentionBench.java "$@" 2>&1 | grep '^ATTENTION'
