#!/usr/bin/env bash
# fair.sh [ROUNDS]
#
# One owner's silent webhooks against another owner's deliveries: how
# long the other owner waits, one cvnotify or two side by side (NOTIFY_B:
# another build's cvnotify, e.g. before a change), in interleaved rounds
# (A B, B A, ...) on the same store and server.
#
# A fresh store, two vehicles (the first put in the demo fleet),
# lighttpd with PROCS processes per program; bench/fair-driver.mjs is both
# receivers and the client. Each round and binary: HOLES (200) fleet
# monitors, each its own webhook to a server that accepts and never
# answers (HOLE_MS: answers that late instead), Bounded 100 tries 1 s
# apart, fired once; then a cvnotify of the binary (--timeout TIMEOUT_S,
# 10; the other settings their defaults: 64 flights) while the user demo's
# callback gets an event every EVERY_MS (250) for DURATION_S (30): from
# each upload's POST to its notification's arrival. An event not arrived
# GRACE_S (10) after the last upload counts as never (infinite), so a p99
# of "inf" means more than 1% did not arrive within the round.
# The last lines: the medians over the rounds per binary.
#
# Environment: CVAPI_BUILD (a release build; default the source tree),
# NOTIFY_B, ROUNDS (argument, 3), HOLES, HOLE_MS, DURATION_S, EVERY_MS,
# GRACE_S, TIMEOUT_S, PROCS (2), KEEP_WORK=1. Exit status 0; 1 on failure.
set -euo pipefail
PROG=fair.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ROUNDS=${1:-3}
PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-3600}
cvb_setup
A=$BUILDDIR/notify/cvnotify
[[ -x $A ]] || cvb_die "$A is missing: build cvapi first"
[[ -z ${NOTIFY_B:-} || -x $NOTIFY_B ]] || cvb_die "NOTIFY_B=$NOTIFY_B is not a program"

echo "fair.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"
echo "A: $A"
[[ -z ${NOTIFY_B:-} ]] || echo "B: $NOTIFY_B"
echo "holes ${HOLES:-200} (answer: ${HOLE_MS:-never} ms), timeout ${TIMEOUT_S:-10} s, an event every ${EVERY_MS:-250} ms for ${DURATION_S:-30} s"

cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
: >"$WORK/cars.txt"
for i in 1 2; do
  vin=$(printf 'VR3FAJRB%09d' "$i")
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$vin" --owner demo --energy petrol) || cvb_die "cvctl vehicle add $vin failed"
  echo "$vin $(sed -n 's/^id=//p' <<<"$out") $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/cars.txt"
done
"$BUILDDIR/tools/cvctl" -H "$HOME_DB" fleet add-vehicle demo-fleet VR3FAJRB000000001 >/dev/null || cvb_die "cvctl fleet add-vehicle failed"
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"

node "$SRCDIR/bench/fair-driver.mjs" "http://127.0.0.1:$PORT/connectedcar/v4" "$TOKEN" "$WORK/cars.txt" \
  "$HOME_DB" "$ROUNDS" "$A" ${NOTIFY_B:+"$NOTIFY_B"} | tee "$WORK/rounds" || cvb_die "the driver failed"

echo
for b in A B; do
  grep -q "bin=$b " "$WORK/rounds" || continue
  awk -v b="$b" '
    $3 == "bin=" b { for (i = 4; i <= NF; i++) { split($i, kv, "="); x = kv[2] == "inf" ? 1e18 : kv[2]; v[kv[1], ++n[kv[1]]] = x } }
    function med(k,   m, i, j, t, a) { m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      t = m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2; return t >= 1e17 ? "inf" : t }
    END { printf "fair %s (medians of %d rounds):", b, n["events"]
      split("events arrived p50_ms p90_ms p99_ms max_ms holes_open_max", ks, " ")
      for (i = 1; i <= 7; i++) printf " %s=%s", ks[i], med(ks[i]); print "" }' "$WORK/rounds"
done
