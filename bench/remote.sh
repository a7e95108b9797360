#!/usr/bin/env bash
# remote.sh [N]
#
# Remote actions: how long from an application's POST to the Done event
# at its webhook, and how many actions a second the server accepts.
#
# A fresh store, VEHICLES vehicles, lighttpd with PROCS processes per
# program, cvnotify, and cvsim --live answering the vehicles' commands
# (awake: --awake and CVAPI_REMOTE_AWAKE at an hour; --exec-delay
# EXEC_DELAY ms, the vehicle's own time to carry a command out, 0 by
# default so that what is measured is cvapi's part). bench/remote-driver.mjs
# then:
#  1. posts N door actions per vehicle (one under way per vehicle, all
#     vehicles at once) and times each from its POST to its Done event
#     arriving at the webhook: p50, p90, p99, max (target: p50 under 1 s
#     plus the vehicle's own delay). What it includes: the vehicle's poll
#     period (250 ms awake), its acknowledgement and
#     result, the upload of the state changed, and cvnotify's delivery.
#  2. posts POSTS wake-ups with 8 clients: actions accepted per second;
#     the reference in the same run, the same number of one-sample uploads
#     by 8 clients (one durable commit each, as a post is).
# The last line:
#   remote: p50 X ms, p99 Y ms over M actions (vehicle delay D ms); A actions/s accepted (one-sample uploads U/s)
#
# Rate limits: the benchmark's client (console) and every vehicle get
# budgets they never reach (common.sh: cvb_budgets), so every request is
# counted as in service and none is refused; nothing to set by hand.
# Environment: CVAPI_BUILD (a release build; default the source tree),
# VEHICLES [20], PROCS [2], EXEC_DELAY [0], POSTS [2000], KEEP_WORK=1.
set -euo pipefail
PROG=remote.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
N=${1:-10}
VEHICLES=${VEHICLES:-20} PROCS=${PROCS:-2} EXEC_DELAY=${EXEC_DELAY:-0} POSTS=${POSTS:-2000}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-900}
cvb_setup
[[ -x $BUILDDIR/notify/cvnotify && -x $BUILDDIR/sim/cvsim ]] || cvb_die "cvnotify or cvsim is missing: build cvapi first"

echo "remote.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
energies=(petrol electric phev diesel)
: >"$WORK/vehicles.txt"
: >"$WORK/ids.txt"
for ((i = 1; i <= VEHICLES; i++)); do
  vin=$(printf 'VR3REM0TE%08d' "$i")
  e=${energies[$(((i - 1) % 4))]}
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$vin" --owner demo --energy "$e") || cvb_die "cvctl vehicle add $vin failed"
  echo "$vin $e $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/vehicles.txt"
  sed -n 's/^id=//p' <<<"$out" >>"$WORK/ids.txt"
done
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
# the benchmark's client and vehicles get rate limits they never reach (every request counted, none refused)
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
export CVAPI_REMOTE_AWAKE=3600 CVAPI_REMOTE_TIMEOUT=120
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
CVAPI_HOME=$HOME_DB CVAPI_NOTIFY_ALLOW=loopback "$BUILDDIR/notify/cvnotify" 2>"$WORK/cvnotify.log" &
CVB_PIDS+=("$!")
"$BUILDDIR/sim/cvsim" --vehicles "$WORK/vehicles.txt" --url "http://127.0.0.1:$PORT" --live --quiet \
  --awake 3600 --exec-delay "$EXEC_DELAY" >"$WORK/cvsim.out" 2>&1 &
CVB_PIDS+=("$!")
# the vehicles' first samples: each one heard from (awake) before the first action
for i in $(seq 200); do
  n=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/connectedcar/v4/user/vehicles/$(tail -1 "$WORK/ids.txt")/status" -o /dev/null -w '%{http_code}')
  [[ $n == 200 ]] && break
  sleep 0.1
done
[[ $n == 200 ]] || cvb_die "cvsim did not upload: $(tail -3 "$WORK/cvsim.out")"

echo
echo "$VEHICLES vehicles, $N door actions each (one under way per vehicle), vehicle delay $EXEC_DELAY ms; then $POSTS wake-ups by 8 clients"
node "$SRCDIR/bench/remote-driver.mjs" "http://127.0.0.1:$PORT/connectedcar/v4" "$TOKEN" "$WORK/ids.txt" "$WORK/vehicles.txt" "$N" "$POSTS" \
  >"$WORK/driver.out" 2>&1 || cvb_die "the driver failed: $(tail -5 "$WORK/driver.out")"
cat "$WORK/driver.out"
lat=$(grep '^LATENCY ' "$WORK/driver.out") acc=$(grep '^ACCEPT ' "$WORK/driver.out")
v() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$2"; }
echo
echo "remote: p50 $(v p50_ms "$lat") ms, p99 $(v p99_ms "$lat") ms over $(v n "$lat") actions (vehicle delay $EXEC_DELAY ms); $(v posts_per_s "$acc") actions/s accepted (one-sample uploads $(v uploads_per_s "$acc")/s)"
