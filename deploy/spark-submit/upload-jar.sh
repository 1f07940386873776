#!/usr/bin/env bash
# deploy/spark-submit/upload-jar.sh [--print] [LOCAL_JAR] [HDFS_URI]
# Puts the job jar on HDFS for YARN cluster mode (submit-yarn.sh's default --jar). Defaults: this
# checkout's spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar, and
# hdfs:///apps/adamix/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar (ADAMIX_JAR overrides it). World-readable,
# so YARN caches it once per node (public localization) instead of once per application.
set -euo pipefail
REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
print=0
if [ "${1:-}" = --print ]; then print=1; shift; fi
case "${1:-}" in -h|--help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;; esac
src="${1:-$REPO_DIR/spark-jobs/target/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar}"
dst="${2:-${ADAMIX_JAR:-hdfs:///apps/adamix/adamix-spark-jobs-0.1.0-SNAPSHOT-job.jar}}"
hdfs="${HDFS:-hdfs}"
cmds=("$hdfs dfs -mkdir -p $(dirname "$dst")" "$hdfs dfs -put -f $src $dst" "$hdfs dfs -chmod 755 $(dirname "$dst")"
      "$hdfs dfs -chmod 644 $dst")
if [ "$print" = 1 ]; then printf '%s\n' "${cmds[@]}"; exit 0; fi
[ -f "$src" ] || { echo "upload-jar.sh: $src not found: build it with mvn -DskipTests package (mvn -Pcuda ... for GPUs)" >&2; exit 2; }
"$hdfs" dfs -mkdir -p "$(dirname "$dst")"
"$hdfs" dfs -put -f "$src" "$dst"
"$hdfs" dfs -chmod 755 "$(dirname "$dst")"
"$hdfs" dfs -chmod 644 "$dst"
echo "$dst"
