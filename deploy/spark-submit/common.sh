# shellcheck shell=bash
# Shared by submit-local.sh, submit-standalone.sh, submit-yarn.sh and submit-k8s.sh: parses the
# script options, reads spark-defaults.conf, sizes the executors and builds the spark-submit line.
# Sourced, not run. Each script sets CM (local|standalone|yarn|k8s) and calls adamix_submit "$@".

DEPLOY_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REPO_DIR="$(cd "$DEPLOY_DIR/.." && pwd)"
MAIN_CLASS=org.adamix.jobs.AdaMix
LOCAL_JAR="$REPO_DIR/spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar"
# --add-modules: the Vector API runs the model's fused element-wise kernels (without it ND4J ops do, slower).
JAVA17_OPTS="-XX:+IgnoreUnrecognizedVMOptions --add-modules=jdk.incubator.vector"
for p in java.lang java.lang.invoke java.lang.reflect java.io java.net java.nio java.util java.util.concurrent \
         java.util.concurrent.atomic jdk.internal.ref sun.nio.ch sun.nio.cs sun.security.action sun.util.calendar; do
  JAVA17_OPTS="$JAVA17_OPTS --add-opens=java.base/$p=ALL-UNNAMED"
done
JAVA17_OPTS="$JAVA17_OPTS -Djdk.reflect.useDirectMethodHandle=false"

die() { echo "$(basename "$0"): $*" >&2; exit 2; }

usage() {
  cat <<EOF
Usage: $(basename "$0") [options] [--] <subcommand> [job args...]

Submits the AdaMix job jar ($MAIN_CLASS) with spark-submit to $CM_TEXT.
<subcommand> is train, merge, evaluate, predict or encode; everything from it on is passed to the job
(see: java -jar <job jar> <subcommand> --help).

Options (each also settable by the environment variable shown):
  --print                   print the spark-submit command instead of running it
  --master URL              ADAMIX_MASTER            Spark master ($MASTER_TEXT)
  --deploy-mode MODE        ADAMIX_DEPLOY_MODE       client or cluster ($MODE_TEXT)
  --jar PATH|URI            ADAMIX_JAR               job jar ($JAR_TEXT)
  --output URI              ADAMIX_OUTPUT            appended to the job args as --output URI
  --executors N             ADAMIX_EXECUTORS         executors = training workers (default 2)
  --executor-cores N        ADAMIX_EXECUTOR_CORES    cores = ND4J threads per executor (default 4)
  --executor-memory SIZE    ADAMIX_EXECUTOR_MEMORY   executor heap (default 2g)
  --nd4j-offheap SIZE       ADAMIX_ND4J_OFFHEAP      ND4J off-heap budget per executor (default 3g)
  --driver-memory SIZE      ADAMIX_DRIVER_MEMORY     driver heap (default 4g)
                            ADAMIX_DRIVER_CORES      driver cores = its ND4J threads (default 2)
                            ADAMIX_DRIVER_OFFHEAP    ND4J off-heap budget of the driver (default 4g)
  --blas-core NAME          ADAMIX_BLAS_CORE         OpenBLAS kernels (OPENBLAS_CORETYPE) of driver and executors:
                                                     Haswell (any AVX2 CPU; default), SkylakeX (AVX-512 fleets,
                                                     2x faster GEMMs), or "" to let OpenBLAS guess (see below)
  --gpus N                  ADAMIX_GPUS_PER_EXECUTOR 0 (CPU) or 1: one GPU per executor, GPU job jar (mvn -Pcuda)
                            ADAMIX_GPU_DISCOVERY     discovery script as the executor sees it ($DISCOVERY_TEXT)
  --name NAME               ADAMIX_APP_NAME          application name (default "adamix <subcommand>")
  --conf KEY=VALUE          (repeatable) extra Spark setting, wins over everything else
  --defaults FILE           ADAMIX_DEFAULTS          settings file (default deploy/spark-submit/spark-defaults.conf)
$EXTRA_USAGE                            SPARK_SUBMIT             spark-submit to run (default \$SPARK_HOME/bin/spark-submit, else on PATH)
  -h, --help                this text

OpenBLAS: the bundled 0.3.19 mistakes CPUs newer than itself for old ones and runs its SSE3 kernels
(GEMMs 4-6x slower, measured); naming the kernels avoids that. Local runs default to the kernels
bin/blas-core detects on this machine.

Sizes: heap H, ND4J off-heap O, JVM native N = max(1g, H/10): memoryOverhead = O + N,
-Dorg.bytedeco.javacpp.maxbytes = O, -Dorg.bytedeco.javacpp.maxphysicalbytes = H + O + N/2.
EOF
}

# "4g", "512m", "1t", "2048" (MiB) -> MiB
to_mib() {
  local v="${1,,}" n
  n="${v%[kmgt]}"
  n="${n%b}"
  [[ "$n" =~ ^[0-9]+$ ]] || die "not a size: '$1' (use e.g. 4g or 4096m)"
  case "$v" in
    *t|*tb) echo $((n * 1024 * 1024)) ;;
    *g|*gb) echo $((n * 1024)) ;;
    *k|*kb) echo $(( (n + 1023) / 1024 )) ;;
    *) echo "$n" ;;
  esac
}

# Settings in insertion order: CONF_KEYS (order), CONF (values).
declare -a CONF_KEYS=()
declare -A CONF=()
set_conf() {
  [ -n "${CONF[$1]+x}" ] || CONF_KEYS+=("$1")
  CONF[$1]="$2"
}
unset_conf() {
  local k
  unset "CONF[$1]"
  local keep=()
  for k in "${CONF_KEYS[@]}"; do [ "$k" = "$1" ] || keep+=("$k"); done
  CONF_KEYS=("${keep[@]}")
}

read_defaults() {
  local file="$1" line key value
  [ -f "$file" ] || die "settings file not found: $file"
  while IFS= read -r line || [ -n "$line" ]; do
    line="${line#"${line%%[![:space:]]*}"}"
    [ -z "$line" ] || [ "${line:0:1}" = "#" ] && continue
    key="${line%%[[:space:]]*}"
    value="${line#"$key"}"
    value="${value#"${value%%[![:space:]]*}"}"
    set_conf "$key" "$value"
  done <"$file"
}

# Shell-quotes one word for printing (plain words stay as they are).
q() {
  if [[ "$1" =~ ^[A-Za-z0-9_./:=,+@%^-]+$ ]]; then printf '%s' "$1"; else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}

adamix_submit() {
  local print=0 extra_conf=() job=()
  MASTER="${ADAMIX_MASTER:-}" DEPLOY_MODE="${ADAMIX_DEPLOY_MODE:-}" JAR="${ADAMIX_JAR:-}" OUTPUT="${ADAMIX_OUTPUT:-}"
  EXECUTORS="${ADAMIX_EXECUTORS:-2}" EXECUTOR_CORES="${ADAMIX_EXECUTOR_CORES:-4}" EXECUTOR_MEMORY="${ADAMIX_EXECUTOR_MEMORY:-2g}"
  ND4J_OFFHEAP="${ADAMIX_ND4J_OFFHEAP:-3g}" DRIVER_MEMORY="${ADAMIX_DRIVER_MEMORY:-4g}" DRIVER_CORES="${ADAMIX_DRIVER_CORES:-2}"
  DRIVER_OFFHEAP="${ADAMIX_DRIVER_OFFHEAP:-4g}" GPUS="${ADAMIX_GPUS_PER_EXECUTOR:-0}" APP_NAME="${ADAMIX_APP_NAME:-}"
  DEFAULTS="${ADAMIX_DEFAULTS:-$DEPLOY_DIR/spark-submit/spark-defaults.conf}"
  GPU_DISCOVERY="${ADAMIX_GPU_DISCOVERY:-$DEFAULT_DISCOVERY}"
  BLAS_CORE="${ADAMIX_BLAS_CORE-Haswell}"
  # OpenBLAS's idle threads spin ~0.1 s after each GEMM (2^28 cycles), slowing the Java kernels that
  # run between GEMMs ~1.7x (measured); 2^4 cycles makes them sleep at once.
  BLAS_THREAD_TIMEOUT="${OPENBLAS_THREAD_TIMEOUT:-4}"
  # ND4J's OpenMP threads likewise: PASSIVE, they sleep after each op instead of spinning on a core
  # (MiniLM's real weights trained 1.2x faster, measured).
  OMP_WAIT="${OMP_WAIT_POLICY:-PASSIVE}"
  # Local runs: the kernels this machine's CPU takes (an OPENBLAS_CORETYPE already set wins).
  [ "$CM" = local ] && BLAS_CORE="${ADAMIX_BLAS_CORE-${OPENBLAS_CORETYPE:-$("$REPO_DIR/bin/blas-core")}}"
  while [ $# -gt 0 ]; do
    case "$1" in
      --print) print=1; shift ;;
      --master) MASTER="${2:?--master needs a value}"; shift 2 ;;
      --deploy-mode) DEPLOY_MODE="${2:?--deploy-mode needs a value}"; shift 2 ;;
      --jar) JAR="${2:?--jar needs a value}"; shift 2 ;;
      --output) OUTPUT="${2:?--output needs a value}"; shift 2 ;;
      --executors) EXECUTORS="${2:?--executors needs a value}"; shift 2 ;;
      --executor-cores) EXECUTOR_CORES="${2:?--executor-cores needs a value}"; shift 2 ;;
      --executor-memory) EXECUTOR_MEMORY="${2:?--executor-memory needs a value}"; shift 2 ;;
      --nd4j-offheap) ND4J_OFFHEAP="${2:?--nd4j-offheap needs a value}"; shift 2 ;;
      --driver-memory) DRIVER_MEMORY="${2:?--driver-memory needs a value}"; shift 2 ;;
      --gpus) GPUS="${2:?--gpus needs a value}"; shift 2 ;;
      --blas-core) BLAS_CORE="${2?--blas-core needs a value}"; shift 2 ;;
      --name) APP_NAME="${2:?--name needs a value}"; shift 2 ;;
      --conf) [[ "${2:-}" == *=* ]] || die "--conf needs KEY=VALUE"; extra_conf+=("$2"); shift 2 ;;
      --defaults) DEFAULTS="${2:?--defaults needs a value}"; shift 2 ;;
      -h|--help) usage; exit 0 ;;
      --) shift; break ;;
      -*) if declare -F cm_option >/dev/null && cm_option "$@"; then shift "$CM_SHIFT"; else die "unknown option $1 (see --help)"; fi ;;
      *) break ;;
    esac
  done
  [ $# -gt 0 ] || { usage >&2; die "missing <subcommand> (train, merge, evaluate, predict, encode)"; }
  job=("$@")
  [ -n "$OUTPUT" ] && job+=(--output "$OUTPUT")
  [[ "$EXECUTORS" =~ ^[1-9][0-9]*$ ]] || die "executors must be a positive integer, got '$EXECUTORS'"
  [[ "$EXECUTOR_CORES" =~ ^[1-9][0-9]*$ ]] || die "executor cores must be a positive integer, got '$EXECUTOR_CORES'"
  [[ "$DRIVER_CORES" =~ ^[1-9][0-9]*$ ]] || die "driver cores must be a positive integer, got '$DRIVER_CORES'"
  case "$GPUS" in 0|1) ;; *) die "--gpus must be 0 or 1 (one GPU per executor: a task trains on one device), got '$GPUS'" ;; esac
  [ -n "$APP_NAME" ] || APP_NAME="adamix $1"

  # Sizes (MiB).
  local h o n dh do_ dn
  h=$(to_mib "$EXECUTOR_MEMORY"); o=$(to_mib "$ND4J_OFFHEAP"); n=$(( h / 10 > 1024 ? h / 10 : 1024 ))
  dh=$(to_mib "$DRIVER_MEMORY"); do_=$(to_mib "$DRIVER_OFFHEAP"); dn=$(( dh / 10 > 1024 ? dh / 10 : 1024 ))

  read_defaults "$DEFAULTS"
  set_conf spark.executor.cores "$EXECUTOR_CORES"
  set_conf spark.task.cpus "$EXECUTOR_CORES"
  set_conf spark.executorEnv.OMP_NUM_THREADS "$EXECUTOR_CORES"
  [ -n "$BLAS_CORE" ] && set_conf spark.executorEnv.OPENBLAS_CORETYPE "$BLAS_CORE"
  set_conf spark.executorEnv.OPENBLAS_THREAD_TIMEOUT "$BLAS_THREAD_TIMEOUT"
  set_conf spark.executorEnv.OMP_WAIT_POLICY "$OMP_WAIT"
  set_conf spark.executor.memory "${h}m"
  set_conf spark.executor.memoryOverhead "$(( o + n ))m"
  set_conf spark.executor.extraJavaOptions "$JAVA17_OPTS -Dorg.bytedeco.javacpp.maxbytes=${o}m -Dorg.bytedeco.javacpp.maxphysicalbytes=$(( h + o + n / 2 ))m"
  set_conf spark.driver.memory "${dh}m"
  set_conf spark.driver.memoryOverhead "$(( do_ + dn ))m"
  set_conf spark.driver.extraJavaOptions "$JAVA17_OPTS -Dorg.bytedeco.javacpp.maxbytes=${do_}m -Dorg.bytedeco.javacpp.maxphysicalbytes=$(( dh + do_ + dn / 2 ))m"
  set_conf spark.executor.instances "$EXECUTORS"
  # One partition per executor: the train job's default --workers is Spark's default parallelism.
  set_conf spark.default.parallelism "$EXECUTORS"
  if [ "$GPUS" = 1 ]; then
    set_conf spark.executor.resource.gpu.amount 1
    set_conf spark.task.resource.gpu.amount 1
    set_conf spark.executor.resource.gpu.discoveryScript "$GPU_DISCOVERY"
    set_conf spark.executor.resource.gpu.vendor nvidia.com
    set_conf spark.plugins org.adamix.jobs.gpu.GpuPlugin
  fi

  local submit
  if [ -n "${SPARK_SUBMIT:-}" ]; then submit="$SPARK_SUBMIT"
  elif [ -n "${SPARK_HOME:-}" ]; then submit="$SPARK_HOME/bin/spark-submit"
  else submit=spark-submit; fi
  CM_ARGS=() ENV_PREFIX=()
  # Per cluster manager: defaults and checks of MASTER, DEPLOY_MODE, JAR; its own settings; CM_ARGS
  # (spark-submit options such as --queue, --files); ENV_PREFIX (environment of the spark-submit process).
  cm_configure
  # The driver's OpenBLAS: its environment (client mode) or the cluster manager's driver environment.
  local var driver_env=("OPENBLAS_THREAD_TIMEOUT=$BLAS_THREAD_TIMEOUT" "OMP_WAIT_POLICY=$OMP_WAIT")
  [ -n "$BLAS_CORE" ] && driver_env+=("OPENBLAS_CORETYPE=$BLAS_CORE")
  for var in "${driver_env[@]}"; do
    case "$CM/$DEPLOY_MODE" in
      yarn/cluster) set_conf "spark.yarn.appMasterEnv.${var%%=*}" "${var#*=}" ;;
      k8s/*) set_conf "spark.kubernetes.driverEnv.${var%%=*}" "${var#*=}" ;;
      *) ENV_PREFIX+=("$var") ;;
    esac
  done
  local kv k
  for kv in "${extra_conf[@]}"; do set_conf "${kv%%=*}" "${kv#*=}"; done

  local opts=(--master "$MASTER" --deploy-mode "$DEPLOY_MODE" --name "$APP_NAME" --class "$MAIN_CLASS" "${CM_ARGS[@]}")
  for k in "${CONF_KEYS[@]}"; do opts+=(--conf "$k=${CONF[$k]}"); done

  if [ "$print" = 1 ]; then
    local out="" i=0 a
    for a in "${ENV_PREFIX[@]}"; do out+="$(q "$a") "; done
    out+="$(q "$submit")"
    while [ $i -lt ${#opts[@]} ]; do
      a="${opts[$i]}"
      if [ $((i + 1)) -lt ${#opts[@]} ] && [[ "${opts[$((i + 1))]}" != --* ]]; then
        out+=" \\"$'\n'"  $a $(q "${opts[$((i + 1))]}")"; i=$((i + 2))
      else
        out+=" \\"$'\n'"  $a"; i=$((i + 1))
      fi
    done
    out+=" \\"$'\n'"  $(q "$JAR")"
    for a in "${job[@]}"; do out+=" $(q "$a")"; done
    printf '%s\n' "$out"
    return 0
  fi
  if [ ${#ENV_PREFIX[@]} -gt 0 ]; then
    exec env "${ENV_PREFIX[@]}" "$submit" "${opts[@]}" "$JAR" "${job[@]}"
  fi
  exec "$submit" "${opts[@]}" "$JAR" "${job[@]}"
}
