#!/usr/bin/env bash
# A Tahoe-backed dedup-mount beside what it is measured against, in one run on one local grid (an
# introducer, four storage nodes, a client; 2-of-4, happy 3; see tahoe-grid.sh):
#
#   (a) time to first byte: `head -c 1` of a large file through a freshly mounted Tahoe store with
#       an empty pack cache (STORE/cache deleted before each mount), against downloading a whole
#       pack of that store from the grid (curl GET /uri/$CAP of its 3 largest packs: what a front
#       end that fetches whole objects waits for before its first byte); 3 rounds each, medians;
#   (b) copying a tar file into a Tahoe-backed mount against a local-disk mount, each timed until
#       the store is closed: for Tahoe that is until the upload queue has drained (unmount waits
#       for it, and seals and uploads the last pack), for local disk until its packs are written.
#
#   benchmarks/tahoe-mount.sh [TAR] [MIB]   (default: /tmp/chunkstore-bench/tar/v1.tar, whole;
#                                            MIB: copy only its first MIB MiB)
#
# Prints the machine, the load average at each step, and one table. Needs FUSE (run as root) and
# tahoe (bin/setup --test).
set -euo pipefail
BENCH_DIR=$(cd -P -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
source "$BENCH_DIR/measure.sh"
source "$BENCH_DIR/tahoe-grid.sh"
TAR=${1:-/tmp/chunkstore-bench/tar/v1.tar}
MIB=${2:-}
ROUNDS=3
[ -f "$TAR" ] || die "no $TAR; make it with ../shared/bench/datasets.sh or give another file"
[ -x "$TAHOE" ] || die "needs tahoe (1.20) on PATH or in $ROOT/.venv; run bin/setup --test"
[ -e /dev/fuse ] || die "needs FUSE (/dev/fuse)"
W=$(mktemp -d /tmp/chunkstore-tahoe-mount.XXXXXX)
cleanup() {
  for m in "$W/lmnt" "$W/tmnt"; do fusermount -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  grid_stop
  rm -rf "$W"
}
trap cleanup EXIT
now() { date +%s.%N; }
since() { python3 -c "print(f'{$(now)-$1:.3f}')"; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
LOADS=()
note_load() { LOADS+=("$1: $(load)"); }

ensure_built
say "starting a grid in $W..."
grid_start "$W" || exit 1

SRC=$W/src
mkdir -p "$SRC"
if [ -n "$MIB" ]; then
  head -c $((MIB * 1048576)) "$TAR" >"$SRC/$(basename "$TAR")"
else
  ln -s "$TAR" "$SRC/$(basename "$TAR")"
fi
NAME=$(basename "$TAR")
BYTES=$(stat -L -c %s "$SRC/$NAME")
cat "$SRC/$NAME" >/dev/null # in the page cache for both sides

"$CS" init "$W/local" >/dev/null
"$CS" init "$W/tahoe" --backend "tahoe:$URL" >/dev/null
mkdir -p "$W/lmnt" "$W/tmnt"

# (b) the copy, local first, then Tahoe
say "copying $NAME ($(mib "$BYTES") MiB) into a local-disk mount..."
note_load "before the local copy"
"$CS" mount "$W/local" "$W/lmnt" 2>/dev/null
t=$(now); cp "$SRC/$NAME" "$W/lmnt/"; LCP=$(since "$t")
t=$(now); "$CS" umount "$W/lmnt" >/dev/null; LCLOSE=$(since "$t")
say "copying $NAME into a Tahoe-backed mount..."
note_load "before the Tahoe copy"
"$CS" mount "$W/tahoe" "$W/tmnt" 2>/dev/null
t=$(now); cp "$SRC/$NAME" "$W/tmnt/"; TCP=$(since "$t")
BACKLOG=$("$CS" stats "$W/tahoe" --json | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["uploadBacklogPacks"], s["uploadBacklogBytes"])')
t=$(now); "$CS" umount "$W/tmnt" >/dev/null; TCLOSE=$(since "$t")
note_load "after the copies"
STATS=$("$CS" stats "$W/tahoe" --json)
PACKS=$(echo "$STATS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["packs"])')
STORED=$(echo "$STATS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["storedBytes"])')
LEFT=$(echo "$STATS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uploadBacklogPacks"])')
[ "$LEFT" = 0 ] || die "the Tahoe store still has $LEFT pack(s) queued after unmount"

# (a) time to first byte, against whole-pack downloads of the same store's packs
say "time to first byte through the Tahoe mount, $ROUNDS rounds..."
note_load "before the first-byte rounds"
TTFB=()
for _ in $(seq $ROUNDS); do
  rm -rf "$W/tahoe/cache"
  "$CS" mount "$W/tahoe" "$W/tmnt" 2>/dev/null
  t=$(now); head -c 1 "$W/tmnt/$NAME" >/dev/null; TTFB+=("$(since "$t")")
  "$CS" umount "$W/tmnt" >/dev/null
done
say "whole-pack downloads (curl GET of the pack's cap), $ROUNDS packs..."
# the store's largest packs, from its directory on the grid (caps stay in these processes)
mapfile -t CAPS < <(python3 - "$W/tahoe/backend.json" "$URL" "$ROUNDS" <<'PY'
import json, sys, urllib.request
s = json.load(open(sys.argv[1])); url = sys.argv[2]; n = int(sys.argv[3])
def ls(cap): return json.load(urllib.request.urlopen(f"{url}/uri/{cap}?t=json"))[1]["children"]
packs = []
for name, (kind, d) in sorted(ls(s["dircap"]).items()):
    if kind == "dirnode":
        packs += [(c[1].get("size", 0), c[1]["ro_uri"]) for c in ls(d["rw_uri"]).values() if c[0] == "filenode"]
print("\n".join(cap for size, cap in sorted(packs, reverse=True)[:n]))
PY
)
PACKGET=(); PACKFIRST=(); PACKSIZES=()
for cap in "${CAPS[@]}"; do
  read -r total first size < <(curl -s -o /dev/null -w '%{time_total} %{time_starttransfer} %{size_download}\n' "$URL/uri/$cap")
  PACKGET+=("$total"); PACKFIRST+=("$first"); PACKSIZES+=("$size")
done
note_load "at the end"

med() { printf '%s\n' "$@" | median; }
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }
mbs() { python3 -c "print(f'{$1/$2/1e6:.1f}')"; }
TT=$(med "${TTFB[@]}"); PG=$(med "${PACKGET[@]}"); PF=$(med "${PACKFIRST[@]}")
LTOT=$(python3 -c "print(f'{$LCP+$LCLOSE:.3f}')"); TTOT=$(python3 -c "print(f'{$TCP+$TCLOSE:.3f}')")

echo
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(code_version); $(java_line)"
echo "grid: 4 storage nodes + client on 127.0.0.1, 2-of-4, happy 3; stores with default settings (32 MiB packs)"
echo "load average (1, 5, 15 min):"; printf '  %s\n' "${LOADS[@]}"
echo "file: $NAME, $BYTES bytes${MIB:+ (the first $MIB MiB of $TAR)}; Tahoe store: $PACKS packs, $STORED bytes stored;"
echo "  when cp returned $BACKLOG (packs, bytes) waited in the upload queue"
echo
echo "| step | time | ratio |"
echo "|---|---:|---:|"
echo "| first byte: \`head -c 1\` through the Tahoe mount, empty pack cache (median of $ROUNDS: ${TTFB[*]}) | $TT s | $(ratio "$TT" "$PG") |"
echo "| whole pack: GET of a pack's cap (the ${#PACKGET[@]} largest, ${PACKSIZES[*]} bytes: ${PACKGET[*]}; median) | $PG s | 1 |"
echo "| (Tahoe's own first byte of that GET: ${PACKFIRST[*]}) | $PF s | |"
echo "| copy into the local-disk mount: cp $LCP s + unmount $LCLOSE s | $LTOT s ($(mbs "$BYTES" "$LTOT") MB/s) | 1 |"
echo "| copy into the Tahoe mount: cp $TCP s + unmount (upload queue drained) $TCLOSE s | $TTOT s ($(mbs "$BYTES" "$TTOT") MB/s) | $(ratio "$TTOT" "$LTOT") |"
