#!/usr/bin/env bash
# abuse.sh [ROUNDS]
#
# One tenant at every quota at once against another tenant's reads,
# uploads and deliveries: what the victim loses, in interleaved rounds
# of the same build without and with the abuser.
#
# Two servers of the same build, each lighttpd with PROCS processes per
# program and its own store: A holds the victim and the abuser, B the
# victim alone, set up alike (cvctl). The victim: a user with a car, a
# callback to its own receiver, a zone monitor pair on the car. The
# abuser: a user with 32 cars who manages the fleet abuse-fleet, which
# holds its cars and the victim's. bench/abuse-driver.mjs puts the
# abuser at every quota (db/quotas.h) with the API: 100 callbacks (99 to
# a black hole that accepts and never answers), 1,000 monitors on its
# cars (32 a car) firing into them, 100 of them timed with refreshEvent
# 60, 32 fleet monitors (vehicleMonitors) on the fleet, so on the victim's
# car, each victim upload evaluated against them and firing half of them
# into the black hole; with FILL=1 every black-hole queue filled to
# queuedNotifications (10,000; about 1.3 million notifications in all).
# Each round: an arm on B (without the abuser) and one on A (with it),
# the order alternating; an arm measures the victim's status reads (wrk
# -c READ_CONNS for READ_S s: req/s, p50, p99), UPLOADS uploads of
# VICTIM_BATCH samples (p50, p99) and the delivery of the notification
# each fires to its receiver (from the upload's POST to the arrival: p50,
# p99). During an arm with the abuser, A's cvnotify runs (the timer, the
# black holes, the sinks), the abuser's cars upload ABUSE_BATCH samples
# every ABUSE_EVERY_MS each, SLOW clients trickle bodies at 5 bytes a
# second, and the abuser spends its redeliveries (60 an hour of its user
# and 60 of its fleet, shared between the rounds; 1,000-event batches on
# the fleet face). The abuser's upload rate is not a quota (rate limits
# bound it): it is a knob.
#
# The machine may be shared (other builds): the rounds interleave so that
# a drift hits both arms alike, and each arm says how busy the machine
# was (all processes, % of one CPU). The last lines: medians of the arms,
# and with/without.
#
# Environment: CVAPI_BUILD (a release build; default the source tree),
# ROUNDS (argument, 3), READ_S (10), READ_CONNS (4), UPLOADS (100),
# VICTIM_BATCH (100), EVERY_MS (200), GRACE_S (10), ABUSE_BATCH (10),
# ABUSE_EVERY_MS (2000), SLOW (4), FILL (1; 0: queues not filled),
# TIMEOUT_S (10, cvnotify's), PROCS (2), KEEP_WORK=1.
# About 7 minutes with the defaults. Exit status 0; 1 on failure.
set -euo pipefail
PROG=abuse.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ROUNDS=${1:-3}
PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-2400}
cvb_setup
ND_BIN=$BUILDDIR/notify/cvnotify
[[ -x $ND_BIN ]] || cvb_die "$ND_BIN is missing: build cvapi first"
command -v wrk >/dev/null || cvb_die "wrk is needed"
# the load generator (wrk) on CPU 1 of 2, as the other scripts
[[ $(nproc) -ne 2 ]] || ! command -v taskset >/dev/null || export WRK_CPU=1
CTL=("$BUILDDIR/tools/cvctl")
DBSTAT=$(command -v db5.3_stat || command -v db_stat || true)

echo "abuse.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); the machine may be shared with other work: compare the arms of a round (busy_pct: the whole machine, % of one CPU)"

: >"$WORK/cars.txt"
: >"$WORK/tokens.txt"
NV=0
for s in A B; do
  cvb_store "$WORK/$s"
  home=$WORK/$s/db
  ctl() { "${CTL[@]}" -H "$home" "$@" >/dev/null || cvb_die "cvctl $* failed"; }
  car() { # TAG OWNER: a car, in abuse-fleet on A
    local vin out
    NV=$((NV + 1))
    vin=$(printf 'VR3ABVSE%09d' "$NV")
    out=$("${CTL[@]}" -H "$home" vehicle add "$vin" --owner "$2" --energy petrol) || cvb_die "cvctl vehicle add $vin failed"
    echo "$s $1 $vin $(sed -n 's/^id=//p' <<<"$out") $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/cars.txt"
    [[ $s != A ]] || ctl fleet add-vehicle abuse-fleet "$vin"
  }
  person() {
    ctl user add "$1" --password "$1"
    echo "$s $1 $("${CTL[@]}" -H "$home" token issue "$1" --client console --ttl 86400)" >>"$WORK/tokens.txt"
  }
  person victim
  if [[ $s == A ]]; then
    person abuser
    ctl fleet add abuse-fleet --owner abuser
  fi
  car victim victim
  [[ $s != A ]] || for ((i = 0; i < 32; i++)); do car "a$i" abuser; done
  cvb_budgets "$home" console
done
PORT_A=$(cvb_free_port)
cvb_lighttpd A "$PORT_A" "$BUILDDIR/cgi" "$WORK/A/db" "$PROCS"
PORT_B=$(cvb_free_port)
cvb_lighttpd B "$PORT_B" "$BUILDDIR/cgi" "$WORK/B/db" "$PROCS"

node "$SRCDIR/bench/abuse-driver.mjs" "http://127.0.0.1:$PORT_A" "http://127.0.0.1:$PORT_B" "$WORK/A/db" "$WORK/B/db" \
  "$ND_BIN" "$WORK" "$ROUNDS" | tee "$WORK/arms" || cvb_die "the driver failed"
[[ -z $DBSTAT ]] || echo "store A: $(du -sh "$WORK/A/db" | cut -f1), notifications queued at the end: $("$DBSTAT" -h "$WORK/A/db" -d outbox.db 2>/dev/null | awk '/Number of unique keys in the tree/{print $1}')"

echo
echo "Medians of $ROUNDS rounds (the machine may be shared; the arms of a round ran one after the other):"
awk '
  $1 == "ARM" { arm = $3; for (i = 4; i <= NF; i++) { split($i, kv, "="); x = kv[2] == "inf" ? 1e18 : kv[2]; v[arm, kv[1], ++n[arm, kv[1]]] = x } }
  function med(a, k,   m, i, j, t, s) { m = n[a, k]; if (!m) return ""; for (i = 1; i <= m; i++) s[i] = v[a, k, i] + 0
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (s[j] < s[i]) { t = s[i]; s[i] = s[j]; s[j] = t }
    return m % 2 ? s[(m + 1) / 2] : (s[m / 2] + s[m / 2 + 1]) / 2 }
  function show(x) { return x >= 1e17 ? "inf" : x }
  function ratio(a, b) { return (a >= 1e17 || b >= 1e17 || b == 0) ? "-" : sprintf("%.2f", a / b) }
  BEGIN { split("reads_rps read_p50_ms read_p99_ms up_p50_ms up_p99_ms dl_p50_ms dl_p99_ms busy_pct", ks, " ")
    split("status reads, req/s|status read p50, ms|status read p99, ms|upload of the batch p50, ms|upload of the batch p99, ms|delivery to its webhook p50, ms|delivery p99, ms|machine busy, % of one CPU", names, "|") }
  END {
    printf "| the victim'\''s | without the abuser | with it | with/without |\n|---|---|---|---|\n"
    for (i = 1; i <= 8; i++) { a = med("without", ks[i]); b = med("with", ks[i]); printf "| %s | %s | %s | %s |\n", names[i], show(a), show(b), ratio(b, a) }
    printf "\nrounds: %d; with the abuser, medians of its arms: %s uploads of its cars, %s redeliveries (%s refused), %s requests held by the black hole at most\n",
      n["with", "reads_rps"], med("with", "abuser_uploads"), med("with", "redeliveries"), med("with", "redeliveries_refused"), med("with", "holes_open_max") }' "$WORK/arms"
