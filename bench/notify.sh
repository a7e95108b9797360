#!/usr/bin/env bash
# notify.sh [ROUNDS]
#
# cvnotify at rest and how soon it delivers, one binary or two side by
# side (NOTIFY_B: another build's cvnotify, e.g. before a change), in
# interleaved rounds (A B, B A, ...) on the same store and server.
#
# A fresh store, two vehicles, lighttpd with PROCS processes per program;
# bench/notify-driver.mjs is the webhook receiver, makes two callbacks
# with zone monitors (every upload fires one notification), and for each
# round and binary starts a cvnotify of its own, then:
#   idle   IDLE_S (10) s with nothing to deliver: cvnotify's CPU time and
#          how often its threads woke (context switches a second);
#   quiet  EVENTS (40) uploads one at a time: from each upload's POST to
#          its notification's arrival (p50, p90, max), and the upload's own
#          answer (the durable commit that queued it);
#   busy   the same while another callback's webhook answers after
#          SLOW_MS (1000): a request is in flight all along;
#   stop   how long SIGTERM takes to end it.
# The last lines: the medians over the rounds per binary.
#
# Environment: CVAPI_BUILD (a release build; default the source tree),
# NOTIFY_B, ROUNDS (argument, 3), IDLE_S, EVENTS, SLOW_MS, SLOW (12), PROCS
# (2), KEEP_WORK=1. Exit status 0; 1 on failure.
set -euo pipefail
PROG=notify.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ROUNDS=${1:-3}
PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-1800}
cvb_setup
A=$BUILDDIR/notify/cvnotify
[[ -x $A ]] || cvb_die "$A is missing: build cvapi first"
[[ -z ${NOTIFY_B:-} || -x $NOTIFY_B ]] || cvb_die "NOTIFY_B=$NOTIFY_B is not a program"

echo "notify.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"
echo "A: $A"
[[ -z ${NOTIFY_B:-} ]] || echo "B: $NOTIFY_B"

cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
: >"$WORK/cars.txt"
for i in 1 2; do
  vin=$(printf 'VR3NTFYB%09d' "$i")
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$vin" --owner demo --energy petrol) || cvb_die "cvctl vehicle add $vin failed"
  echo "$vin $(sed -n 's/^id=//p' <<<"$out") $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/cars.txt"
done
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"

node "$SRCDIR/bench/notify-driver.mjs" "http://127.0.0.1:$PORT/connectedcar/v4" "$TOKEN" "$WORK/cars.txt" \
  "$HOME_DB" "$ROUNDS" "$A" ${NOTIFY_B:+"$NOTIFY_B"} | tee "$WORK/rounds" || cvb_die "the driver failed"

echo
for b in A B; do
  grep -q "bin=$b " "$WORK/rounds" || continue
  awk -v b="$b" '
    $3 == "bin=" b { for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[2] ~ /^[0-9.]+$/) { v[kv[1], ++n[kv[1]]] = kv[2]; keys[kv[1]] = i } } }
    function med(k,   m, i, j, t, a) { m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
      return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
    END { printf "notify %s (medians of %d rounds):", b, n["idle_cpu_ms"]
      split("idle_cpu_ms wakeups_per_s quiet_p50_ms quiet_p90_ms quiet_max_ms commit_p50_ms busy_p50_ms busy_p90_ms busy_max_ms stop_ms", ks, " ")
      for (i = 1; i <= 10; i++) printf " %s=%s", ks[i], med(ks[i]); print "" }' "$WORK/rounds"
done
