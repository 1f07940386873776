#!/usr/bin/env bash
# deploy/spark-submit/submit-k8s.sh --master k8s://https://API-SERVER:443 --image IMAGE [options] <subcommand> [job args]
# spark-submit to Kubernetes in cluster mode: driver and executors are pods of IMAGE (build it with
# deploy/kubernetes/Dockerfile: Spark 3.5 on Java 17 with the job jar and the GPU discovery script).
# To read and write HDFS, run it with HADOOP_CONF_DIR set (Spark mounts that configuration in the pods)
# or pass --conf spark.kubernetes.hadoop.configMapName=NAME. --help lists the options.
set -euo pipefail
# shellcheck source=deploy/spark-submit/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
CM=k8s
CM_TEXT="Kubernetes"
MASTER_TEXT="required: k8s://https://API-SERVER:PORT"
MODE_TEXT="default cluster"
DEFAULT_JAR=local:///opt/adamix/adamix-spark-jobs-job.jar
JAR_TEXT="default $DEFAULT_JAR, inside the image"
DEFAULT_DISCOVERY=/opt/adamix/getGpusResources.sh
DISCOVERY_TEXT="default $DEFAULT_DISCOVERY, inside the image"
EXTRA_USAGE="  --image IMAGE             ADAMIX_K8S_IMAGE         container image (required)
  --namespace NS            ADAMIX_K8S_NAMESPACE     namespace (default default)
  --service-account SA      ADAMIX_K8S_SERVICE_ACCOUNT driver's service account (default spark)
"
IMAGE="${ADAMIX_K8S_IMAGE:-}" NAMESPACE="${ADAMIX_K8S_NAMESPACE:-default}" SERVICE_ACCOUNT="${ADAMIX_K8S_SERVICE_ACCOUNT:-spark}"

cm_option() {
  case "$1" in
    --image) IMAGE="${2:?--image needs a value}"; CM_SHIFT=2 ;;
    --namespace) NAMESPACE="${2:?--namespace needs a value}"; CM_SHIFT=2 ;;
    --service-account) SERVICE_ACCOUNT="${2:?--service-account needs a value}"; CM_SHIFT=2 ;;
    *) return 1 ;;
  esac
}

cm_configure() {
  [[ "$MASTER" == k8s://* ]] || die "--master k8s://https://API-SERVER:PORT (or ADAMIX_MASTER) is required, got '${MASTER:-nothing}'"
  [ -n "$IMAGE" ] || die "--image (or ADAMIX_K8S_IMAGE) is required: an image built from deploy/kubernetes/Dockerfile"
  DEPLOY_MODE="${DEPLOY_MODE:-cluster}"
  [ "$DEPLOY_MODE" = cluster ] || die "submit-k8s.sh submits in cluster mode only"
  JAR="${JAR:-$DEFAULT_JAR}"
  unset_conf spark.yarn.maxAppAttempts
  set_conf spark.kubernetes.container.image "$IMAGE"
  set_conf spark.kubernetes.namespace "$NAMESPACE"
  set_conf spark.kubernetes.authenticate.driver.serviceAccountName "$SERVICE_ACCOUNT"
  set_conf spark.driver.cores "$DRIVER_CORES"
  set_conf spark.kubernetes.driverEnv.OMP_NUM_THREADS "$DRIVER_CORES"
  set_conf spark.kubernetes.submission.waitAppCompletion true
}

adamix_submit "$@"
