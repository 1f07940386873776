#!/usr/bin/env bash
# deploy/spark-submit/submit-standalone.sh --master spark://HOST:7077 [options] <subcommand> [job args]
# spark-submit to a Spark standalone cluster: one executor per worker slot of --executor-cores cores,
# --executors of them (spark.cores.max = executors x cores). --help lists the options.
set -euo pipefail
# shellcheck source=deploy/spark-submit/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CM=standalone
CM_TEXT="a Spark standalone cluster"
MASTER_TEXT="required: spark://HOST:7077[,HOST2:7077]"
MODE_TEXT="default client; cluster needs a jar URI every worker can read, e.g. hdfs:///"
JAR_TEXT="default: this checkout's $LOCAL_JAR (client mode ships it)"
DEFAULT_DISCOVERY=/opt/adamix/getGpusResources.sh
DISCOVERY_TEXT="default $DEFAULT_DISCOVERY; workers also need spark.worker.resource.gpu.*"
EXTRA_USAGE=""

cm_configure() {
  [[ "$MASTER" == spark://* ]] || die "--master spark://HOST:7077 (or ADAMIX_MASTER) is required, got '${MASTER:-nothing}'"
  DEPLOY_MODE="${DEPLOY_MODE:-client}"
  case "$DEPLOY_MODE" in client|cluster) ;; *) die "--deploy-mode client or cluster, got '$DEPLOY_MODE'" ;; esac
  JAR="${JAR:-$LOCAL_JAR}"
  if [ "$DEPLOY_MODE" = cluster ] && [[ "$JAR" != *://* ]]; then
    die "cluster mode: the driver starts on a worker, so --jar must be a URI every worker can read (hdfs://, http://), got '$JAR'"
  fi
  # Standalone sizes the application by cores: executors = spark.cores.max / spark.executor.cores.
  unset_conf spark.executor.instances
  unset_conf spark.yarn.maxAppAttempts
  set_conf spark.cores.max "$(( EXECUTORS * EXECUTOR_CORES ))"
  set_conf spark.driver.cores "$DRIVER_CORES"
  if [ "$DEPLOY_MODE" = client ]; then ENV_PREFIX=("OMP_NUM_THREADS=$DRIVER_CORES"); fi
}

adamix_submit "$@"
