#!/usr/bin/env bash
# Upload and download throughput of chunkstore's Tahoe backend beside Tahoe's own CLI, on the
# same local grid (an introducer, four storage nodes, a client; 2-of-4, happy 3) and the same
# pack files.
#
#   benchmarks/tahoe.sh [PACKS] [PACK_MIB]     (default: 8 packs of 32 MiB, incompressible)
#
# Steps: make PACKS pack files by storing random data in a local chunkstore store (so they are
# real super-chunks); then
#   ours:   TahoeThroughput puts them through TahoeBackend (write-back, 4 parallel uploads, timed
#           until the grid has all) and reads them back whole without a cache (4 at a time);
#   tahoe:  `tahoe put FILE` one after the other, and `tahoe get CAP` one after the other (how
#           the CLI is used), then the same with 4 at a time (xargs -P4), for fairness.
# Prints one table (MB/s = 10^6 bytes/s). Needs `tahoe` on PATH or in .venv (bin/setup --test).
set -euo pipefail
BENCH_DIR=$(cd -P -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
ROOT=$(cd -P -- "$BENCH_DIR/.." && pwd)
PACKS=${1:-8}
PACK_MIB=${2:-32}
source "$BENCH_DIR/tahoe-grid.sh"
[ -x "$TAHOE" ] || { echo "tahoe.sh: needs tahoe (1.20) on PATH or in $ROOT/.venv; run bin/setup --test" >&2; exit 1; }
W=$(mktemp -d /tmp/chunkstore-tahoe-bench.XXXXXX)
cleanup() { grid_stop; rm -rf "$W"; }
trap cleanup EXIT
say() { printf '%s\n' "$*" >&2; }

say "building..."
(cd "$ROOT" && mvn -B -q -o -Dstyle.color=never -pl chunkstore-core,tahoe-backend,chunkstore-fuse,chunkstore-cli,benchmarks -am \
  package -DskipTests >/dev/null)
CP="$ROOT/benchmarks/target/classes:$(ls "$ROOT"/chunkstore-cli/target/lib/*.jar | tr '\n' ':')"

say "starting a grid in $W..."
grid_start "$W" || exit 1

say "making $PACKS packs of $PACK_MIB MiB..."
mkdir -p "$W/data"
head -c $((PACKS * PACK_MIB * 1048576)) /dev/urandom >"$W/data/random.bin"
"$ROOT/bin/chunkstore" init "$W/local" --pack-size "${PACK_MIB}M" --compress none >/dev/null
"$ROOT/bin/chunkstore" put "$W/local" "$W/data/random.bin" -q
mkdir -p "$W/packs"
find "$W/local/packs" -type f -size +1M -exec cp {} "$W/packs/" \;
N=$(ls "$W/packs" | wc -l)
BYTES=$(du -cb "$W/packs"/* | tail -1 | cut -f1)

mbs() { python3 -c "print(f'{$1/$2/1e6:.1f}')"; }
row() { printf '| %-44s | %8.1f s | %7s MB/s |\n' "$1" "$2" "$(mbs "$BYTES" "$2")"; }
now() { date +%s.%N; }

say "ours..."
OURS=$(java -Xmx1g -cp "$CP" io.chunkstore.bench.TahoeThroughput "$URL" "$W/packs" "$W/ours" 4 2>"$W/ours.log")
UP=$(echo "$OURS" | awk '/^upload/ {print $3}')
DOWN=$(echo "$OURS" | awk '/^download/ {print $3}')

# Tahoe's encryption is convergent per client node: a second upload of the same bytes finds its
# shares on the servers and costs next to nothing. So each CLI run gets copies of the packs with
# 16 bytes changed (same sizes, same structure).
copies() { mkdir -p "$1"; for f in "$W/packs"/*; do cp "$f" "$1/"; dd if=/dev/urandom of="$1/$(basename "$f")" bs=16 count=1 conv=notrunc status=none; done; }
copies "$W/p1"; copies "$W/p4"
say "tahoe put/get, one at a time..."
t=$(now); for f in "$W/p1"/*; do "$TAHOE" -d "$W/client" put "$f" >"$f.cap" 2>/dev/null; done; TPUT=$(python3 -c "print($(now)-$t)")
t=$(now); for f in "$W/p1"/*.cap; do "$TAHOE" -d "$W/client" get "$(cat "$f")" "$W/got" 2>/dev/null; done; TGET=$(python3 -c "print($(now)-$t)")
say "tahoe put/get, four at a time..."
t=$(now); ls "$W/p4"/* | xargs -P4 -I{} sh -c "'$TAHOE' -d '$W/client' put {} > {}.cap 2>/dev/null"; TPUT4=$(python3 -c "print($(now)-$t)")
t=$(now); ls "$W/p4"/*.cap | xargs -P4 -I{} sh -c "'$TAHOE' -d '$W/client' get \$(cat {}) /dev/null 2>/dev/null"; TGET4=$(python3 -c "print($(now)-$t)")

echo
echo "$N packs, $BYTES bytes; grid: 4 storage nodes + client on 127.0.0.1, 2-of-4, happy 3; $(nproc) cores; $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| step | time | throughput |"
echo "|---|---:|---:|"
row "upload: chunkstore TahoeBackend, 4 parallel" "$UP"
row "upload: tahoe put, one at a time" "$TPUT"
row "upload: tahoe put, 4 at a time (xargs -P4)" "$TPUT4"
row "download: chunkstore TahoeBackend, 4 parallel" "$DOWN"
row "download: tahoe get, one at a time" "$TGET"
row "download: tahoe get, 4 at a time (xargs -P4)" "$TGET4"
