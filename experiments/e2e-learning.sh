#!/usr/bin/env bash
# The NLG learning experiment (org.adamix.jobs.generation.E2eLearning), e.g.
#   experiments/e2e-learning.sh runs/e2e-learning pretrainSteps=1000 adaptSteps=300 seeds=3 testMrs=200
#   experiments/e2e-learning.sh runs/e2e-w1 backbone=runs/e2e-learning/pretrained methods=adamix-lora consistencyWeight=1
# Needs ../shared/data/e2e and GPT-2's tokenizer (bin/fetch-gpt2-tokenizer); builds the job jar if needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$1"; shift
JAR="$ROOT/spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar"
[ -f "$JAR" ] || (cd "$ROOT" && mvn -B -q -DskipTests install)
[ -f "$ROOT/data/gpt2/vocab.json" ] || "$ROOT/bin/fetch-gpt2-tokenizer"
CP="$JAR:$(cat "$ROOT/spark-jobs/target/provided-classpath.txt")"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-$("$ROOT/bin/blas-core" 2>/dev/null || echo Haswell)}"
mkdir -p "$OUT"
# the vector API module turns on the project's float32 kernels (LayerNorm, GELU, bias rows)
exec java --add-modules=jdk.incubator.vector -cp "$CP" org.adamix.jobs.generation.E2eLearning \
  "$ROOT/../shared/data/e2e" "$ROOT/data/gpt2" "$OUT" "$@"
