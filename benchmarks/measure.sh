# shellcheck shell=bash
# Helpers sourced by benchmarks/compare.sh and benchmarks/bigfile.sh. They time chunkstore the way
# ../shared/bench/peers.sh times restic and borg: one whole process per step under
# /usr/bin/time -f "%e %U %S %M" (wall s, user s, sys s, max RSS KiB).

BENCH_DIR=$(cd -P -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd -P -- "$BENCH_DIR/.." && pwd)
CS=$ROOT/bin/chunkstore

say() { printf '%s\n' "$*" >&2; }
die() { say "$(basename -- "$0"): $*"; exit 1; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

# need CMD:PACKAGE... : apt-get installs the packages whose command is missing.
need() {
  local spec pkgs=()
  for spec in "$@"; do
    command -v "${spec%%:*}" >/dev/null 2>&1 || [ -x "${spec%%:*}" ] || pkgs+=("${spec#*:}")
  done
  [ ${#pkgs[@]} -gt 0 ] || return 0
  say "installing ${pkgs[*]}..."
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q "${pkgs[@]}" >&2 ||
    { as_root apt-get update -q >&2 && as_root apt-get install -y -q "${pkgs[@]}" >&2; } ||
    die "could not install ${pkgs[*]}; install them (apt-get install ${pkgs[*]}) and run again."
}

# The JVM bin/chunkstore runs, and the first line of its -version.
java_cmd() { if [ -n "${JAVA:-}" ]; then echo "$JAVA"; elif [ -n "${JAVA_HOME:-}" ]; then echo "$JAVA_HOME/bin/java"; else echo java; fi; }
java_line() { "$(java_cmd)" -version 2>&1 | head -1; }

# Builds the jar if it is missing, then lets the launcher rebuild it if it is stale, outside any
# timing; afterwards CHUNKSTORE_NO_BUILD=1 so no timed run can start a build.
ensure_built() {
  if [ ! -f "$ROOT/chunkstore-cli/target/chunkstore.jar" ]; then
    command -v mvn >/dev/null 2>&1 || die "chunkstore is not built and Maven is missing: apt-get install maven, then run again."
    say "building chunkstore (mvn -q -DskipTests package)..."
    (cd "$ROOT" && mvn -q -DskipTests package >&2) || die "the build failed; see Maven's messages above."
  fi
  "$CS" --version >/dev/null || die "bin/chunkstore does not run; try '$CS --version'."
  export CHUNKSTORE_NO_BUILD=1
}

# A short name for the code being measured: commit, and -dirty with uncommitted changes.
code_version() {
  local c
  c=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null) || { echo unknown; return; }
  git -C "$ROOT" diff --quiet HEAD -- 2>/dev/null || c=$c-dirty
  echo "$c"
}

# timed TIMES LOG CMD... : runs CMD (stdout and stderr to LOG) under /usr/bin/time and appends
# "wall user sys maxrss_kib" to TIMES. Returns CMD's status.
timed() {
  local times=$1 log=$2; shift 2
  local t rc=0
  t=$(mktemp)
  /usr/bin/time -f "%e %U %S %M" -o "$t" "$@" >"$log" 2>&1 || rc=$?
  tail -n 1 "$t" >>"$times"   # on failure time writes "Command exited with..." first
  rm -f "$t"
  return $rc
}

# sum_times TIMES : "wall_s cpu_s peak_rss_mib" over its lines: summed wall, summed user+sys,
# largest RSS (KiB / 1024, as peers.sh does).
sum_times() {
  awk '{w += $1; c += $2 + $3; if ($4 > m) m = $4} END {printf "%.2f %.2f %.1f\n", w, c, m / 1024}' "$1"
}

# median : the median of the numbers on stdin (the mean of the middle two for an even count).
median() {
  sort -g | awk '{v[NR] = $1} END {if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# mib BYTES : bytes as MiB with one decimal.
mib() { awk -v b="$1" 'BEGIN {printf "%.1f", b / 1048576}'; }
