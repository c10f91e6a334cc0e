#!/usr/bin/env bash
# End-to-end comparison with restic, borg and kopia on the shared benchmark data, as markdown for
# benchmarks/RESULTS.md (the report goes to stdout, progress to stderr).
#
# usage: benchmarks/compare.sh [DATA_DIR]         (default /tmp/chunkstore-bench)
#   RUNS=n        repeat everything n times and report the median of each figure (default 1)
#   WORK=dir      scratch space for the stores and the peers' repositories (default /tmp/chunkstore-compare)
#   SETS="tar tree"  which data sets (default both)
#   INIT_OPTS="--chunker ... --compress ..."   options for `chunkstore init` (default: the store defaults)
#   SHARED=dir    the shared folder (default: ../shared beside the repo, or beside its main checkout)
#
# For each data set: a fresh store, then one `chunkstore put STORE ITEM -q` process per item in
# `sort -V` order from inside the data set dir, each under /usr/bin/time exactly as peers.sh times
# the peers; wall and CPU seconds are summed, RSS is the largest, stored bytes are `du -sb`
# of the whole store. Then peers.sh runs restic, borg and kopia on the same data in the same session
# (kopia when ../shared/bench/peers-install.sh has built it into /opt/chunkstore-peers/bin or it is
# on PATH; the report says when it was missing).
set -euo pipefail
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/measure.sh"

DATA=$(realpath -m -- "${1:-/tmp/chunkstore-bench}")
WORK=$(realpath -m -- "${WORK:-/tmp/chunkstore-compare}")
RUNS=${RUNS:-1}
SETS=${SETS:-tar tree}
read -r -a INIT <<<"${INIT_OPTS:-}"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive whole number, not '$RUNS'."

if [ -z "${SHARED:-}" ]; then
  SHARED=$ROOT/../shared
  if [ ! -d "$SHARED/bench" ]; then   # a git worktree elsewhere: ../shared beside the main checkout
    common=$(git -C "$ROOT" rev-parse --path-format=absolute --git-common-dir 2>/dev/null || true)
    [ -n "$common" ] && SHARED=$(dirname -- "$common")/../shared
  fi
fi
[ -x "$SHARED/bench/peers.sh" ] || die "cannot find shared/bench/peers.sh (looked in $SHARED); set SHARED=/path/to/shared."
SHARED=$(cd -P -- "$SHARED" && pwd)

need restic:restic borg:borgbackup /usr/bin/time:time
PATH=$PATH:/opt/chunkstore-peers/bin
command -v kopia >/dev/null 2>&1 ||
  say "warning: kopia not found (run $SHARED/bench/peers-install.sh to build it); comparing with restic and borg only."
say "== data sets in $DATA"
"$SHARED/bench/datasets.sh" "$DATA" >&2
ensure_built
mkdir -p "$WORK"

declare -A V=()                        # "set metric" -> the figures of every run, space-separated
add() { V["$1 $2"]="${V["$1 $2"]:-} $3"; }
med() { local v=${V["$1 $2"]:-}; [ -n "$v" ] && printf '%s\n' $v | median || echo nan; }
declare -A NAME=() RAW=() NITEMS=() CHECK=() STATS=()

# chunkstore_set SET RUN : ingests SET into a fresh store, one put process per item.
chunkstore_set() {
  local set=$1 run=$2 ds=$DATA/$1 store=$WORK/chunkstore-$1 times=$WORK/times-$1 log=$WORK/put.log item wall cpu rss
  rm -rf "$store" "$times"
  "$CS" init "$store" ${INIT[@]+"${INIT[@]}"} >&2 || die "chunkstore init failed."
  for item in $(ls "$ds" | sort -V); do
    say "   chunkstore put $item"
    if ! (cd "$ds" && timed "$times" "$log" "$CS" put "$store" "$item" -q); then
      cat "$log" >&2
      die "chunkstore put $store $item failed (run $run); see above."
    fi
  done
  read -r wall cpu rss < <(sum_times "$times")
  add "$set" cs.wall "$wall"; add "$set" cs.cpu "$cpu"; add "$set" cs.rss "$rss"
  add "$set" cs.stored "$(du -sb "$store" | cut -f1)"
  STATS[$set]=$("$CS" stats "$store" --json 2>/dev/null || true)
  if [ "$run" = 1 ]; then round_trip "$set" "$store" "$item"; fi
}

# round_trip SET STORE ITEM : gets the last item back and compares it with the original.
round_trip() {
  local set=$1 store=$2 item=$3 out=$WORK/roundtrip
  rm -rf "$out"; mkdir -p "$out"
  say "   chunkstore get /$item"
  "$CS" get "$store" "/$item" "$out/$item" >&2 || die "chunkstore get $store /$item failed."
  if [ -d "$DATA/$set/$item" ]; then
    diff -r -q "$DATA/$set/$item" "$out/$item" >&2 || die "round trip of $set/$item: DIFFERENT (see above)."
  else
    cmp "$DATA/$set/$item" "$out/$item" >&2 || die "round trip of $set/$item: DIFFERENT."
  fi
  CHECK[$set]="round trip: identical (\`get /$item\` == $set/$item, $(du -sb "$out/$item" | cut -f1) bytes)"
  rm -rf "$out"
}

# peers_set SET : runs peers.sh on SET and records its figures.
peers_set() {
  local set=$1 out line tool k
  out=$("$SHARED/bench/peers.sh" "$DATA/$set" "$WORK/peers") || die "peers.sh failed on $DATA/$set."
  printf '   %s\n' "$out" >&2
  while read -r line; do
    case $line in
      dataset=*) for k in $line; do case $k in
          raw_bytes=*) RAW[$set]=${k#*=} ;; items=*) NITEMS[$set]=${k#*=} ;; esac; done ;;
      restic-* | borg-* | kopia-*)
        tool=${line%%-*}; k=${line%% *}; NAME[$tool]="$tool ${k#*-}"
        # kopia built from source calls itself v0-unofficial: name the version peers-install.sh built
        if [ "$tool" = kopia ] && [[ $k == *unofficial* ]]; then
          NAME[kopia]="kopia $(sed -n 's/^KOPIA=//p' "$SHARED/bench/peers-install.sh" | head -1) (built by peers-install.sh)"
        fi
        for k in $line; do case $k in
            wall_s=*) add "$set" "$tool.wall" "${k#*=}" ;;
            cpu_s=*) add "$set" "$tool.cpu" "${k#*=}" ;;
            peak_rss_mb=*) add "$set" "$tool.rss" "${k#*=}" ;;
            stored_bytes=*) add "$set" "$tool.stored" "${k#*=}" ;;
          esac; done ;;
    esac
  done <<<"$out"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
# Every tool reads warm data: read each set once before the first timed run.
for set in $SETS; do
  [ -d "$DATA/$set" ] || die "no data set $DATA/$set."
  find "$DATA/$set" -type f -exec cat {} + >/dev/null
done
for run in $(seq "$RUNS"); do
  for set in $SETS; do
    say "== run $run/$RUNS, $set: chunkstore"
    chunkstore_set "$set" "$run"
    say "== run $run/$RUNS, $set: the peers (peers.sh)"
    peers_set "$set"
  done
done
[ -n "${KEEP:-}" ] || rm -rf "$WORK"

# ---- report
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2f×", a / b}'; }
PEERS=(restic borg kopia)
# best SET METRIC : the peer with the smallest median of METRIC in SET ("" when none ran).
best() {
  local t b="" bv=""
  for t in "${PEERS[@]}"; do
    local v; v=$(med "$1" "$t.$2"); [ "$v" = nan ] && continue
    if [ -z "$bv" ] || awk -v a="$v" -v b="$bv" 'BEGIN {exit !(a < b)}'; then b=$t bv=$v; fi
  done
  echo "$b"
}
row() {   # row SET TOOL LABEL
  local s=$1 t=$2 stored fast small
  stored=$(med "$s" "$t.stored")
  [ "$stored" = nan ] && [ "$t" != cs ] && return 0   # a peer that did not run
  printf '| %s | %.2f | %.2f | %.0f | %s |' "$3" "$(med "$s" "$t.wall")" "$(med "$s" "$t.cpu")" \
    "$(med "$s" "$t.rss")" "$([ "$stored" = nan ] && echo n/a || mib "$stored")"
  if [ "$t" = cs ]; then
    fast=$(best "$s" wall) small=$(best "$s" stored)
    printf ' %s (%s) | %s (%s) |\n' \
      "$(ratio "$(med "$s" cs.wall)" "$(med "$s" "$fast.wall")")" "${fast:-none}" \
      "$(ratio "$stored" "$(med "$s" "$small.stored")")" "${small:-none}"
  else
    printf '  |  |\n'
  fi
}

echo "## chunkstore vs restic, borg and kopia ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores (nproc), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM (free -g total), $(uname -r)"
echo "- load average: $LOAD_BEFORE before the first run, $(cut -d' ' -f1-3 /proc/loadavg) after the last (other jobs share the machine)"
echo "- java: $(java_line)"
echo "- chunkstore: $(code_version), \`$("$CS" --version 2>&1 | head -1)\`, init options: ${INIT_OPTS:-defaults}, JAVA_OPTS: ${JAVA_OPTS:-none}"
echo "- runs: $RUNS$([ "$RUNS" -gt 1 ] && echo " (each figure is the median over the runs)")"
echo "- method: one process per item (\`put STORE ITEM -q\` / restic backup / borg create / kopia snapshot create) in \`sort -V\` order;" \
  "wall and CPU (user+sys) summed over the items, peak RSS = the largest process, stored = \`du -sb\` of the store/repository"
for set in $SETS; do
  echo
  echo "### $set: ${NITEMS[$set]:-?} items, $(mib "${RAW[$set]:-0}") MiB raw"
  echo
  echo "| tool | wall s | CPU s | peak RSS MiB | stored MiB | wall ÷ fastest peer | stored ÷ smallest peer |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  row "$set" cs chunkstore
  for t in "${PEERS[@]}"; do row "$set" "$t" "${NAME[$t]:-$t}"; done
  echo
  echo "${CHECK[$set]}"
  if [ -n "${STATS[$set]:-}" ]; then
    echo
    echo "chunkstore stats (last run): \`${STATS[$set]}\`"
  fi
done
