#!/usr/bin/env bash
# chunkstore-fsck and gc beside restic and borg, on the tar pair, in one run; markdown on stdout.
#
# usage: benchmarks/maintenance.sh [DATA_DIR]     (default /tmp/chunkstore-bench; needs DATA_DIR/tar/v1.tar, v2.tar
#                                                 from ../shared/bench/datasets.sh)
#   WORK=dir       scratch space (default /tmp/chunkstore-maint)
#   MILLION=0      skip the structural check of a store of 1M blocks
#
# 1. The same two snapshots (v1.tar, v2.tar) into a store, a restic repository and a borg one.
# 2. --read-data: `chunkstore-fsck --read-data` vs `restic check --read-data` vs `borg check --verify-data`,
#    and the single-thread JMH rate of decompress+hash (VerifyBenchmark) in the same run.
# 3. gc after deleting v1.tar (through a mount) + `chunkstore gc` vs `restic forget --prune` vs
#    `borg delete` + `borg compact`: wall time and bytes freed (du of the store before and after).
# 4. A structural check of a store of 1M blocks (fixed:256 chunks of 256 MiB): time and peak RSS.
set -euo pipefail
. "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")/measure.sh"
DATA=$(realpath -m -- "${1:-/tmp/chunkstore-bench}")
WORK=$(realpath -m -- "${WORK:-/tmp/chunkstore-maint}")
FSCK=$ROOT/bin/chunkstore-fsck
[ -f "$DATA/tar/v1.tar" ] && [ -f "$DATA/tar/v2.tar" ] || die "no $DATA/tar/v1.tar and v2.tar; run ../shared/bench/datasets.sh first."
need restic:restic borg:borgbackup /usr/bin/time:time
ensure_built
export RESTIC_PASSWORD=x BORG_PASSPHRASE= BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes BORG_DELETE_I_KNOW_WHAT_I_AM_DOING=YES
rm -rf "$WORK"; mkdir -p "$WORK"
T=$WORK/times; L=$WORK/log
row() { local name=$1; shift; : >"$T"; timed "$T" "$L" "$@" || { cat "$L" >&2; die "$name failed"; }; read -r w u s m <"$T"; echo "$w $(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}') $((m / 1024))"; }
du_b() { du -sb "$1" | cut -f1; }

say "filling the store and the repositories..."
"$CS" init "$WORK/store" >/dev/null
(cd "$DATA/tar" && "$CS" put "$WORK/store" v1.tar -q && "$CS" put "$WORK/store" v2.tar -q)
restic init -r "$WORK/restic" >/dev/null 2>&1
(cd "$DATA/tar" && restic -r "$WORK/restic" backup --compression auto v1.tar >/dev/null && restic -r "$WORK/restic" backup --compression auto v2.tar >/dev/null)
borg init -e none "$WORK/borg" >/dev/null 2>&1
(cd "$DATA/tar" && borg create --compression zstd,3 "$WORK/borg::v1" v1.tar && borg create --compression zstd,3 "$WORK/borg::v2" v2.tar)

say "read-data..."
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
read -r ow oc om < <(row ours "$FSCK" "$WORK/store" --read-data --json)
ours_json=$(cat "$L")
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
read -r rw rc rm_ < <(row restic restic -r "$WORK/restic" check --read-data)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
read -r bw bc bm < <(row borg borg check --verify-data "$WORK/borg")
hashed=$(printf '%s' "$ours_json" | python3 -c 'import json,sys; f=json.load(sys.stdin)["figures"]; print(f["bytesHashed"], f["readDataMillis"])')
read -r hbytes hms <<<"$hashed"
say "JMH VerifyBenchmark (one thread)..."
(cd "$ROOT" && mvn -q -o -pl chunkstore-core,benchmarks -am package -DskipTests >/dev/null 2>&1) || true
hash=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hash"])' "$WORK/store/chunkstore.json")
jmh=$(java -jar "$ROOT/benchmarks/target/benchmarks.jar" VerifyBenchmark -p hash="$hash" -f 1 -wi 2 -i 3 -w 1s -r 2s 2>/dev/null |
  awk '/decompressAndHash/ && /thrpt/ {print $(NF-3)}' | tail -1)

say "gc after deleting v1.tar..."
s0=$(du_b "$WORK/store"); r0=$(du_b "$WORK/restic"); b0=$(du_b "$WORK/borg")
mkdir -p "$WORK/mnt"   # delete v1.tar through a mount: what a user of the mount does
"$CS" mount "$WORK/store" "$WORK/mnt" >/dev/null 2>&1 && rm "$WORK/mnt/v1.tar" && "$CS" umount "$WORK/mnt" >/dev/null 2>&1 ||
  die "could not delete v1.tar through a mount"
read -r gw gc_ gm < <(row ours "$CS" gc "$WORK/store")
v1=$(restic -r "$WORK/restic" snapshots --json | python3 -c 'import json,sys; print([s["short_id"] for s in json.load(sys.stdin) if "v1.tar" in s["paths"][0]][0])')
read -r pw pc pm < <(row restic restic -r "$WORK/restic" forget "$v1" --prune)
: >"$T"; timed "$T" "$L" borg delete "$WORK/borg::v1"; timed "$T" "$L" borg compact "$WORK/borg"
read -r cw cc cm < <(sum_times "$T")
s1=$(du_b "$WORK/store"); r1=$(du_b "$WORK/restic"); b1=$(du_b "$WORK/borg")
"$FSCK" "$WORK/store" --read-data >/dev/null || die "the store does not check clean after gc"

if [ "${MILLION:-1}" != 0 ]; then
  say "a store of 1M blocks..."
  head -c $((256 << 20)) /dev/urandom >"$WORK/random.bin"
  "$CS" init "$WORK/million" --chunker fixed:256 --compress none >/dev/null
  "$CS" put "$WORK/million" "$WORK/random.bin" -q
  rm -f "$WORK/random.bin"
  read -r mw mc mm < <(row million "$FSCK" "$WORK/million" --json)
  blocks=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["figures"]["blocks"])' "$L")
fi

echo "### Maintenance, $(date -u +%F), commit $(code_version), $(nproc) cores, $(java_line)"
echo
echo "Tar pair (v1.tar + v2.tar, $(mib $(( $(stat -c %s "$DATA/tar/v1.tar") + $(stat -c %s "$DATA/tar/v2.tar") ))) MiB), two snapshots each."
echo
echo "| read every block | wall s | CPU s | peak RSS MiB | ours ÷ it |"
echo "|---|---:|---:|---:|---:|"
echo "| chunkstore-fsck --read-data | $ow | $oc | $om | 1.00 |"
echo "| restic check --read-data | $rw | $rc | $rm_ | $(awk -v a="$ow" -v b="$rw" 'BEGIN{printf "%.2f", a/b}') |"
echo "| borg check --verify-data | $bw | $bc | $bm | $(awk -v a="$ow" -v b="$bw" 'BEGIN{printf "%.2f", a/b}') |"
echo
echo "Inside fsck, $(mib "$hbytes") MiB decompressed and hashed in $(awk -v m="$hms" 'BEGIN{printf "%.2f", m/1000}') s:" \
  "$(awk -v b="$hbytes" -v m="$hms" 'BEGIN{printf "%.0f", b/1e6/(m/1000)}') MB/s on $(nproc) threads;" \
  "JMH decompress+hash (zstd:3, $hash, 64 KiB) on one thread: ${jmh:-?} MB/s."
echo
echo "| gc after deleting v1 | wall s | CPU s | peak RSS MiB | bytes before | after | freed | ours ÷ it (time) |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
echo "| chunkstore gc | $gw | $gc_ | $gm | $s0 | $s1 | $((s0 - s1)) | 1.00 |"
echo "| restic forget --prune | $pw | $pc | $pm | $r0 | $r1 | $((r0 - r1)) | $(awk -v a="$gw" -v b="$pw" 'BEGIN{printf "%.2f", a/b}') |"
echo "| borg delete + compact | $cw | $cc | $cm | $b0 | $b1 | $((b0 - b1)) | $(awk -v a="$gw" -v b="$cw" 'BEGIN{printf "%.2f", a/b}') |"
if [ "${MILLION:-1}" != 0 ]; then
  echo
  echo "Structural check of a store of $blocks blocks: $mw s wall, $mc s CPU, peak RSS $mm MiB."
fi
rm -rf "$WORK"
