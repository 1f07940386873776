#!/usr/bin/env bash
# deploy/spark-submit/submit-local.sh [options] <subcommand> [job args]
# spark-submit on one machine (master local[K]): K training workers run as threads of one JVM, each
# with cores/K ND4J threads. Needs a Spark 3.5 installation (SPARK_HOME or spark-submit on PATH);
# without one, bin/adamix runs the same job jar with an embedded Spark. --help lists the options.
set -euo pipefail
# shellcheck source=deploy/spark-submit/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CM=local
CM_TEXT="this machine (local[K]: K workers as threads of one JVM; --executors K sets K)"
MASTER_TEXT="default local[K], K = --executors"
MODE_TEXT="client only"
JAR_TEXT="default: this checkout's $LOCAL_JAR"
DEFAULT_DISCOVERY=""
DISCOVERY_TEXT="not used locally"
EXTRA_USAGE=""

cm_configure() {
  MASTER="${MASTER:-local[$EXECUTORS]}"
  local k
  case "$MASTER" in
    local) k=1 ;;
    'local[*]') k=$(nproc) ;;
    local\[[1-9]*\]) k="${MASTER#local[}"; k="${k%]}"; [[ "$k" =~ ^[0-9]+$ ]] || die "bad master '$MASTER'" ;;
    *) die "submit-local.sh runs local masters only (local, local[K], local[*]), got '$MASTER'" ;;
  esac
  DEPLOY_MODE="${DEPLOY_MODE:-client}"
  [ "$DEPLOY_MODE" = client ] || die "local masters run in client mode only"
  JAR="${JAR:-$LOCAL_JAR}"
  [ "$GPUS" = 0 ] || die "--gpus: Spark schedules GPUs on standalone, YARN and Kubernetes, not on local masters"
  # Executors are threads of the driver JVM: no executor sizing; the driver's heap and off-heap hold it all.
  local key
  for key in spark.executor.cores spark.task.cpus spark.executorEnv.OMP_NUM_THREADS spark.executorEnv.OPENBLAS_CORETYPE \
             spark.executorEnv.OPENBLAS_THREAD_TIMEOUT spark.executorEnv.OMP_WAIT_POLICY spark.executor.memory \
             spark.executor.memoryOverhead spark.executor.extraJavaOptions spark.executor.instances \
             spark.driver.memoryOverhead spark.yarn.maxAppAttempts; do
    unset_conf "$key"
  done
  set_conf spark.default.parallelism "$k"
  local threads=$(( $(nproc) / k ))
  [ "$threads" -ge 1 ] || threads=1
  ENV_PREFIX=("OMP_NUM_THREADS=$threads")
}

adamix_submit "$@"
