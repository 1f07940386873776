#!/usr/bin/env bash
# deploy/spark-submit/submit-yarn.sh [options] <subcommand> [job args]
# spark-submit to YARN, cluster mode by default (the driver runs in the application master), job jar
# on HDFS (put it there with upload-jar.sh; YARN caches it on the nodes). Needs HADOOP_CONF_DIR (or
# YARN_CONF_DIR) pointing at the cluster's configuration. --help lists the options.
set -euo pipefail
# shellcheck source=deploy/spark-submit/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CM=yarn
CM_TEXT="YARN"
MASTER_TEXT="yarn"
MODE_TEXT="default cluster"
DEFAULT_JAR=hdfs:///apps/adamix/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar
JAR_TEXT="default $DEFAULT_JAR"
DEFAULT_DISCOVERY=./getGpusResources.sh
DISCOVERY_TEXT="default $DEFAULT_DISCOVERY, shipped with --files"
EXTRA_USAGE="  --queue NAME              ADAMIX_QUEUE             YARN queue
  --principal P             ADAMIX_PRINCIPAL         Kerberos principal (with --keytab)
  --keytab FILE             ADAMIX_KEYTAB            Kerberos keytab
"
QUEUE="${ADAMIX_QUEUE:-}" PRINCIPAL="${ADAMIX_PRINCIPAL:-}" KEYTAB="${ADAMIX_KEYTAB:-}"

cm_option() {
  case "$1" in
    --queue) QUEUE="${2:?--queue needs a value}"; CM_SHIFT=2 ;;
    --principal) PRINCIPAL="${2:?--principal needs a value}"; CM_SHIFT=2 ;;
    --keytab) KEYTAB="${2:?--keytab needs a value}"; CM_SHIFT=2 ;;
    *) return 1 ;;
  esac
}

cm_configure() {
  MASTER="${MASTER:-yarn}"
  [ "$MASTER" = yarn ] || die "submit-yarn.sh submits to master yarn, got '$MASTER'"
  # every job opens a SparkContext (merge too, though its work is driver-only): YARN's application
  # master fails a cluster-mode driver that never creates one
  DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
  case "$DEPLOY_MODE" in client|cluster) ;; *) die "--deploy-mode client or cluster, got '$DEPLOY_MODE'" ;; esac
  JAR="${JAR:-$DEFAULT_JAR}"
  [ -n "$QUEUE" ] && CM_ARGS+=(--queue "$QUEUE")
  if [ -n "$PRINCIPAL" ] || [ -n "$KEYTAB" ]; then
    [ -n "$PRINCIPAL" ] && [ -n "$KEYTAB" ] || die "--principal and --keytab go together"
    CM_ARGS+=(--principal "$PRINCIPAL" --keytab "$KEYTAB")
  fi
  [ "$GPUS" = 1 ] && [ "$GPU_DISCOVERY" = "$DEFAULT_DISCOVERY" ] && CM_ARGS+=(--files "$DEPLOY_DIR/gpu/getGpusResources.sh")
  set_conf spark.driver.cores "$DRIVER_CORES"
  if [ "$DEPLOY_MODE" = cluster ]; then
    set_conf spark.yarn.appMasterEnv.OMP_NUM_THREADS "$DRIVER_CORES"
    # spark-submit stays until the application ends and exits non-zero when it failed (Airflow relies on it).
    set_conf spark.yarn.submit.waitAppCompletion true
  else
    ENV_PREFIX=("OMP_NUM_THREADS=$DRIVER_CORES")
  fi
  if [ "$print" != 1 ] && [ -z "${HADOOP_CONF_DIR:-}${YARN_CONF_DIR:-}" ]; then
    echo "submit-yarn.sh: warning: neither HADOOP_CONF_DIR nor YARN_CONF_DIR is set; spark-submit needs one to find YARN" >&2
  fi
}

adamix_submit "$@"
