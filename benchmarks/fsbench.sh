#!/usr/bin/env bash
# File work in a dedup-mount beside the same work in a bindfs mount (a C passthrough FUSE file
# system), in one run: ../shared/bench/fsbench.sh on each, with tar/v1.tar as the big file and a
# tar of tree/v1 as the tree. Prints one markdown table with the ratios and the daemon's peak RSS.
#
# usage: benchmarks/fsbench.sh [DATA_DIR=/tmp/chunkstore-bench]    env: RUNS (default 3; medians)
set -euo pipefail
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/measure.sh"
DATA=${1:-/tmp/chunkstore-bench}
RUNS=${RUNS:-3}
SHARED=${SHARED:-$ROOT/../shared}
[ -d "$SHARED/bench" ] || SHARED=/work/shared
need bindfs:bindfs fusermount:fuse3
bash "$SHARED/bench/datasets.sh" "$DATA" >/dev/null
BIG=$DATA/tar/v1.tar
TREE_TAR=$DATA/tree-v1.tar
[ -f "$TREE_TAR" ] || tar -cf "$TREE_TAR" -C "$DATA/tree" v1
"$CS" --version >/dev/null   # build before timing
export CHUNKSTORE_NO_BUILD=1

W=${WORK:-/tmp/chunkstore-fsbench}
cleanup() {
  for m in "$W/mnt" "$W/bindfs-mnt"; do
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
  mkdir -p "$W/mnt" "$W/bindfs-src" "$W/bindfs-mnt"
  if [ "$kind" = chunkstore ]; then
    "$CS" init "$W/store" >/dev/null
    "$CS" mount "$W/store" "$W/mnt" 2>/dev/null
    dir=$W/mnt
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
  else
    T[$kind,rss,$run]=$(ps -o rss= -C bindfs | awk '{print int($1/1024); exit}')
    fusermount -u "$W/bindfs-mnt"
  fi
}

for r in $(seq 1 "$RUNS"); do
  run_one bindfs "$r"
  run_one chunkstore "$r"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
echo "## dedup-mount vs bindfs ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB RAM; $(java_line); chunkstore $(git -C "$ROOT" rev-parse --short HEAD)"
echo "- big file: $BIG ($(du -h "$BIG" | cut -f1)); tree: $TREE_TAR ($(tar -tf "$TREE_TAR" | wc -l) entries)"
echo "- ../shared/bench/fsbench.sh, $RUNS runs each, medians; page cache dropped before each run"
echo
echo "| step | bindfs s | dedup-mount s | ratio |"
echo "|---|---:|---:|---:|"
for step in seqwrite seqread untar walk cmp rm; do
  b=() c=()
  for r in $(seq 1 "$RUNS"); do b+=("${T[bindfs,$step,$r]}"); c+=("${T[chunkstore,$step,$r]}"); done
  mb=$(median "${b[@]}") mc=$(median "${c[@]}")
  printf '| %s | %.2f | %.2f | %.2f× |\n' "$step" "$mb" "$mc" "$(awk -v a="$mc" -v b="$mb" 'BEGIN {print (b > 0) ? a / b : 0}')"
done
rb=() rc=()
for r in $(seq 1 "$RUNS"); do rb+=("${T[bindfs,rss,$r]}"); rc+=("${T[chunkstore,rss,$r]}"); done
echo
echo "peak RSS of the daemon: dedup-mount $(median "${rc[@]}") MiB, bindfs $(median "${rb[@]}") MiB"
