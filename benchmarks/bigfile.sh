#!/usr/bin/env bash
# One big file through chunkstore with a small heap: does memory stay bounded, how fast is it?
# Generates a seeded file (default 4 GiB; half random bytes, half low-entropy bytes that zstd
# halves, in 1 MiB pieces: partly compressible, no dedup), puts it into a fresh store with
# JAVA_OPTS=-Xmx512m under /usr/bin/time, then gets it back and compares SHA-256.
#
# usage: benchmarks/bigfile.sh [--size SIZE] [--dir DIR] [--no-get] [--keep]
#   --size SIZE   e.g. 4G (default), 512M, 100K (binary units)
#   --dir DIR     work dir (default /tmp/chunkstore-bigfile); the generated file stays there and is
#                 reused (same seed, same bytes); the store and the copy are removed unless --keep
#   --no-get      skip the get and the comparison
# JAVA_OPTS, if set, goes after -Xmx512m (so it can override it).
set -euo pipefail
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/measure.sh"

SIZE=4G DIR=/tmp/chunkstore-bigfile GET=1 KEEP=
while [ $# -gt 0 ]; do
  case $1 in
    --size) SIZE=${2:?--size needs a value}; shift 2 ;;
    --dir) DIR=${2:?--dir needs a value}; shift 2 ;;
    --no-get) GET=; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1'; see --help." ;;
  esac
done
BYTES=$(numfmt --from=iec -- "$SIZE" 2>/dev/null) || die "cannot read size '$SIZE'; use e.g. 4G or 512M."
DIR=$(realpath -m -- "$DIR")
BIG=$DIR/big-$SIZE.bin STORE=$DIR/store OUT=$DIR/got.bin
mkdir -p "$DIR"
rm -rf "$STORE" "$OUT"

# Room for the file, the store (at most about the file) and the copy got back.
need_bytes=$(( (BYTES * (GET ? 3 : 2)) - ($([ -f "$BIG.sha256" ] && echo "$BYTES" || echo 0)) ))
avail=$(( $(df -Pk "$DIR" | awk 'NR == 2 {print $4}') * 1024 ))
[ "$avail" -gt "$need_bytes" ] ||
  die "needs about $(numfmt --to=iec "$need_bytes") free in $DIR, has $(numfmt --to=iec "$avail"); use --dir or a smaller --size."

if [ ! -f "$BIG.sha256" ] || [ ! -f "$BIG" ] || [ "$(stat -c %s "$BIG")" != "$BYTES" ]; then
  say "generating $BIG ($SIZE)..."
  t0=$(date +%s.%N)
  python3 - "$BIG.tmp" "$BYTES" <<'PY'
import hashlib, random, sys
path, size = sys.argv[1], int(sys.argv[2])
r = random.Random(20240601)
low = bytes(b"etaoinshrdlucmfw"[i % 16] for i in range(256))  # 4 bits of entropy per byte
h = hashlib.sha256(); n = 0; piece = 1 << 20
with open(path, "wb", buffering=0) as f:
    while n < size:
        b = r.randbytes(min(piece, size - n))
        if (n // piece) % 2: b = b.translate(low)
        f.write(b); h.update(b); n += len(b)
open(path + ".sha256", "w").write(h.hexdigest() + "\n")
PY
  mv "$BIG.tmp" "$BIG"; mv "$BIG.tmp.sha256" "$BIG.sha256"
  say "   done in $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}') s"
fi
SUM=$(cat "$BIG.sha256")

need /usr/bin/time:time
ensure_built
export JAVA_OPTS="-Xmx512m${JAVA_OPTS:+ $JAVA_OPTS}"
"$CS" init "$STORE" >&2 || die "chunkstore init $STORE failed."

# report OP TIMES : one line of figures for a timed step.
report() {
  read -r wall cpu rss < <(sum_times "$2")
  printf '| %s | %.2f | %.2f | %.0f | %s |\n' "$1" "$wall" "$cpu" "$rss" \
    "$(awk -v b="$BYTES" -v w="$wall" 'BEGIN {if (w > 0) printf "%.0f", b / 1048576 / w; else print "n/a"}')"
}

say "== put ($SIZE, JAVA_OPTS=$JAVA_OPTS)"
timed "$DIR/put.times" "$DIR/put.log" "$CS" put "$STORE" "$BIG" -q || { cat "$DIR/put.log" >&2; die "chunkstore put failed."; }
rows=$(report put "$DIR/put.times")
stored=$(du -sb "$STORE" | cut -f1)
check="round trip: skipped (--no-get)"
if [ -n "$GET" ]; then
  say "== get"
  timed "$DIR/get.times" "$DIR/get.log" "$CS" get "$STORE" "/$(basename -- "$BIG")" "$OUT" ||
    { cat "$DIR/get.log" >&2; die "chunkstore get failed."; }
  rows+=$'\n'$(report get "$DIR/get.times")
  got=$(sha256sum "$OUT" | cut -d' ' -f1)
  [ "$got" = "$SUM" ] || die "round trip: DIFFERENT (sha256 $got, expected $SUM)."
  check="round trip: identical (sha256 $SUM)"
fi

echo "## one big file ($(date -u '+%Y-%m-%d %H:%M UTC'))"
echo
echo "- machine: $(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB RAM; java: $(java_line); chunkstore $(code_version)"
echo "- file: $SIZE ($BYTES bytes, seeded: half random, half 4-bit-entropy bytes, no dedup); JAVA_OPTS=$JAVA_OPTS"
echo
echo "| step | wall s | CPU s | peak RSS MiB | MiB/s |"
echo "|---|---:|---:|---:|---:|"
echo "$rows"
echo
echo "stored: $(mib "$stored") MiB (du -sb of the store; $(awk -v s="$stored" -v b="$BYTES" 'BEGIN {printf "%.2f", b / s}')× smaller than the file)"
echo
echo "$check"
rm -f "$DIR/put.times" "$DIR/put.log" "$DIR/get.times" "$DIR/get.log"
[ -n "$KEEP" ] || rm -rf "$STORE" "$OUT"
