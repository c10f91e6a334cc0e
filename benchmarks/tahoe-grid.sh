# shellcheck shell=bash
# A local Tahoe-LAFS grid for the Tahoe benchmarks (sourced by benchmarks/tahoe.sh and
# benchmarks/tahoe-mount.sh): an introducer, four storage nodes and a client on 127.0.0.1, 2-of-4,
# happy 3, every node on a free port under `tahoe run --allow-stdin-close`.
#
#   grid_start DIR    makes and starts the nodes in DIR; sets TAHOE, URL (the client's web API)
#   grid_stop         stops every node grid_start started (call it from an EXIT trap)
#
# Needs `tahoe` (1.20) on PATH or in $ROOT/.venv (bin/setup --test).

GRID_NODES=()
TAHOE=$(command -v tahoe || echo "$ROOT/.venv/bin/tahoe")

grid_stop() {
  local pids=() d p alive
  for d in "${GRID_NODES[@]}"; do
    [ -f "$d/running.process" ] && pids+=("$(cut -d' ' -f1 "$d/running.process")")
  done
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2>/dev/null || true
  for _ in $(seq 100); do
    alive=0; for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break; sleep 0.1
  done
}

grid_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
grid_run() { GRID_NODES+=("$1"); setsid "$TAHOE" run --allow-stdin-close "$1" </dev/null >"$1.log" 2>&1 & }

grid_start() {
  local w=$1 ip furl p wp n=0 i
  [ -x "$TAHOE" ] || { echo "needs tahoe (1.20) on PATH or in $ROOT/.venv; run bin/setup --test" >&2; return 1; }
  ip=$(grid_port)
  "$TAHOE" create-introducer --listen=tcp --port="tcp:$ip:interface=127.0.0.1" --location="tcp:127.0.0.1:$ip" "$w/intro" >/dev/null
  grid_run "$w/intro"
  for _ in $(seq 600); do [ -s "$w/intro/private/introducer.furl" ] && break; sleep 0.2; done
  furl=$(cat "$w/intro/private/introducer.furl")
  for i in 0 1 2 3; do
    p=$(grid_port)
    "$TAHOE" create-node --nickname="s$i" --introducer="$furl" --listen=tcp --port="tcp:$p:interface=127.0.0.1" \
      --location="tcp:127.0.0.1:$p" --webport=none --shares-needed=2 --shares-happy=3 --shares-total=4 "$w/s$i" >/dev/null
    sed -i 's/^reserved_space = .*/reserved_space = 100M/' "$w/s$i/tahoe.cfg"
    grid_run "$w/s$i"
  done
  wp=$(grid_port)
  "$TAHOE" create-client --introducer="$furl" --webport="tcp:$wp:interface=127.0.0.1" --shares-needed=2 \
    --shares-happy=3 --shares-total=4 "$w/client" >/dev/null
  grid_run "$w/client"
  URL=http://127.0.0.1:$wp
  for _ in $(seq 900); do
    n=$(curl -s "$URL/?t=json" 2>/dev/null | python3 -c 'import json,sys; print(sum(s["connection_status"]=="connected" for s in json.load(sys.stdin)["servers"]))' 2>/dev/null || echo 0)
    [ "$n" = 4 ] && break; sleep 0.2
  done
  [ "$n" = 4 ] || { echo "the grid did not come up (see $w/*.log)" >&2; return 1; }
}
