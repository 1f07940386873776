#!/bin/bash
# Peak RSS of a train JVM (driver and executor in one, local[1], one worker), polled from /proc.
# usage: experiments/peak-rss.sh TRAIN.jsonl OUT [train options...]
# env: BACKBONE (default data/minilm), JAVA_OPTS (default -Xmx1g -Dorg.bytedeco.javacpp.maxbytes=2g)
set -euo pipefail
train=${1:?TRAIN.jsonl}; out=${2:?OUT}; shift 2
cd "$(dirname "$0")/.."
rm -rf "$out"
JAVA_OPTS="${JAVA_OPTS:--Xmx1g -Dorg.bytedeco.javacpp.maxbytes=2g}" MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-2} \
  bin/adamix train --backbone "${BACKBONE:-data/minilm}" --train "$train" --epochs 1 --master 'local[1]' \
  --workers 1 --output "$out" "$@" > "$out.log" 2>&1 &
launcher=$!
peak=0
while kill -0 "$launcher" 2>/dev/null; do
  for p in $(pgrep -f -- "--output $out" || true); do
    v=$(awk '/VmHWM/{print $2}' "/proc/$p/status" 2>/dev/null || true)
    if [ -n "$v" ] && [ "$v" -gt "$peak" ]; then peak=$v; fi
  done
  sleep 1
done
wait "$launcher" || { echo "train failed, see $out.log" >&2; exit 1; }
echo "peak_rss_mb=$((peak / 1024)) $*"
