#!/usr/bin/env bash
# quota-cost.sh
#
# The worst case each owner's quota allows (db/quotas.h), measured, each
# beside its reference in the same run and as a fraction of the watchdog
# that would end the process doing it: CVAPI_WATCHDOG (3 s of store work
# a request) for the FastCGI programs, CVAPI_NOTIFY_WATCHDOG (30 s of
# store work a turn) for cvnotify.
#
# A fresh store, lighttpd with PROCS processes per program, users and
# fleets made with cvctl; bench/quota-driver.mjs makes the callbacks and
# monitors through the API and times the requests (from the client: the
# request's whole time, lighttpd included).
#   (a) vehicleMonitors: one upload of 1,000 samples (about 170 KB) to a
#       car carrying 32 monitors of its user and 32 of a fleet that holds
#       it (both at the quota): quiet ones (zones far away, fuel under 3%,
#       speed over 200 km/h: evaluated at every sample, never true),
#       firing ones (zones In and Out, the samples crossing their edge at
#       every sample: a monitor fires when its condition becomes true, so
#       at most at every other sample: 32,000 firings in the one upload,
#       of which 100 a monitor are queued and the rest counted as dropped
#       (CV_ENGINE_FIRINGS_MAX), each user monitor into a callback of its
#       own), and firing with extendedEventParam
#       (vehicle.status, vehicle.position, vehicle.telemetry rendered for
#       every firing), and with every extension each face takes (8 on
#       the user face, 9 on the fleet face); the reference: a car with
#       none. REPS uploads each,
#       interleaved. Then the callbacks and fleet monitors are deleted,
#       each holding REPS x 1,000 notifications (timed too).
#   (c) queuedNotifications: a callback to a receiver that refuses (no
#       cvnotify runs meanwhile), 20 monitors firing at every other sample, one
#       upload of 1,000 samples: 10,000 notifications, or as many as the
#       tree lets queue (counted: the outbox's keys before and after, by
#       db5.3_stat; /user/limits' used when the tree fills it in); then
#       DELETE of that callback, beside one with an empty queue.
#   (d) redeliveriesPerHour: a fleet monitor with batchNotify 1,000 whose
#       1,000 firings cvnotify delivered in one batch to a receiver; POST
#       .../deliveries/{did}/redeliver of that batch, REPS times (each
#       redelivered batch delivered before the next).
#   (b) timedMonitors: cvnotify's timer, every 5 s, with 100 timed
#       monitors per owner for each owner count of OWNERS_LIST (windows of
#       1 s a day: evaluated at every turn, never true), then the largest
#       count with windows open all day and refreshEvent 60 (all fire at
#       once, again every 60 s), then one owner's MONITORS_BYPASS monitors
#       with a refreshEvent and no time trigger (which the timer evaluates
#       like timed ones). A turn's duration: nothing in cvnotify exposes
#       it (no log line, no counter), so with perf and root the script
#       puts a uprobe on cv_engine_tick's entry and return (removed on
#       exit) and reports each turn's time; without, only cvnotify's CPU
#       over the window, less that of a window without timed monitors,
#       divided by the turns. Each window lasts TURN_S (30); the open ones
#       begin before their monitors are made (all fire at the first turn
#       after) and last 65 s more, to see a refresh too.
#
# The machine may be shared: the script says what else ran (the machine's
# busy CPU beside the server's) at each part.
#
# Environment: CVAPI_BUILD (a release build; default the source tree),
# REPS (3), OWNERS_LIST ("1 10"), MONITORS_BYPASS (1000, 0 skips),
# TURN_S (30), PROCS (2), PERF (auto; 0: CPU time only), KEEP_WORK=1.
# About 7 minutes with the defaults. Exit status 0; 1 on failure.
set -euo pipefail
PROG=quota-cost.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -eq 0 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
REPS=${REPS:-3} OWNERS_LIST=${OWNERS_LIST:-1 10} MONITORS_BYPASS=${MONITORS_BYPASS:-1000} TURN_S=${TURN_S:-30}
PROCS=${PROCS:-2} PERF=${PERF:-auto}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-1800}
cvb_setup
ND_BIN=$BUILDDIR/notify/cvnotify
[[ -x $ND_BIN ]] || cvb_die "$ND_BIN is missing: build cvapi first"
DBSTAT=$(command -v db5.3_stat || command -v db_stat || true)
[[ -n $DBSTAT ]] || cvb_die "db5.3_stat is needed (db5.3-util) to count the outbox"
CTL=("$BUILDDIR/tools/cvctl")
NMAX=0; for n in $OWNERS_LIST; do ((n > NMAX)) && NMAX=$n; done
((NMAX >= 1)) || cvb_die "OWNERS_LIST needs a count of at least 1"
APPWD=3 NDWD=30   # the watchdogs' defaults: CVAPI_WATCHDOG, CVAPI_NOTIFY_WATCHDOG

echo "quota-cost.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (the machine may be shared: see each part's 'machine busy')"

# ---------------------------------------------------------------- store, owners, cars, server
cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
ctl() { "${CTL[@]}" -H "$HOME_DB" "$@" >/dev/null || cvb_die "cvctl $* failed"; }
: >"$WORK/cars.txt"
: >"$WORK/tokens.txt"
NV=0
car() { # TAG OWNER [FLEET]
  local vin out
  NV=$((NV + 1))
  vin=$(printf 'VR3KCST%010d' "$NV")
  out=$("${CTL[@]}" -H "$HOME_DB" vehicle add "$vin" --owner "$2" --energy petrol) || cvb_die "cvctl vehicle add $vin failed"
  echo "$1 $vin $(sed -n 's/^id=//p' <<<"$out") $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/cars.txt"
  [[ -z ${3:-} ]] || ctl fleet add-vehicle "$3" "$vin"
}
person() { # LOGIN: a user whose password is its login, and a token of the console's
  ctl user add "$1" --password "$1"
  echo "$1 $("${CTL[@]}" -H "$HOME_DB" token issue "$1" --client console --ttl 86400)" >>"$WORK/tokens.txt"
}
person owner
for f in fq ff fx fy fr; do person "m-$f"; ctl fleet add "$f" --owner "m-$f"; done
car a0 owner; car aq owner fq; car af owner ff; car ax owner fx; car ay owner fy; car cc owner; car ce owner; car dr owner fr
for ((i = 1; i <= NMAX; i++)); do
  person "t$i"
  for c in 1 2 3 4; do car "t${i}c$c" "t$i"; done
done
if ((MONITORS_BYPASS > 0)); then
  person spread
  for ((c = 1; c <= (MONITORS_BYPASS + 31) / 32; c++)); do car "bypass$c" spread; done
fi
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
BASE=http://127.0.0.1:$PORT
REFUSED=http://127.0.0.1:$(cvb_free_port)/refused   # nothing listens there
SINKPORT=$(cvb_free_port)
SINK=http://127.0.0.1:$SINKPORT/sink
export REFUSED SINK
drv() { node "$SRCDIR/bench/quota-driver.mjs" "$BASE" "$WORK" "$@"; }
outbox() { "$DBSTAT" -h "$HOME_DB" -d outbox.db 2>/dev/null | awk '/Number of unique keys in the tree/{print $1; f=1} END{if (!f) print 0}'; }
med() { sort -n | awk '{v[NR] = $1} END{if (!NR) print "-"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
maxof() { sort -n | tail -1; }
frac() { awk -v ms="$1" -v s="$2" 'BEGIN{printf "%.1f%%", ms / (s * 10)}'; }
kv() { sed -n "s/.*[ ^]$1=\\([^ ]*\\).*/\\1/p"; }   # key=value out of lines
# the machine's busy CPU (all processes) over a part, in % of one CPU
busy_begin() { BUSY_M=$(cvb_machine_ticks); BUSY_T=$(date +%s.%N); }
busy_end() { awk -v m=$(($(cvb_machine_ticks) - BUSY_M)) -v hz="$CVB_HZ" -v a="$BUSY_T" -v b="$(date +%s.%N)" 'BEGIN{printf "%.0f%%", m / hz / (b - a) * 100}'; }
SUMMARY=$WORK/summary
: >"$SUMMARY"
row() { printf '| %s | %s | %s | %s | %s |\n' "$@" >>"$SUMMARY"; }

# ---------------------------------------------------------------- (a) vehicleMonitors: one upload of 1,000 samples
echo
echo "(a) vehicleMonitors: an upload of 1,000 samples, car with 32 monitors of its user and 32 of a fleet; $REPS uploads each, interleaved"
busy_begin
drv a-setup | tee "$WORK/a.setup"
n0=$(outbox)
: >"$WORK/a.up"
for ((r = 1; r <= REPS; r++)); do
  for tag in a0 aq af ax ay; do drv a-upload "$tag" 1 >>"$WORK/a.up"; done
done
n1=$(outbox)
echo "   notifications queued by the uploads: $((n1 - n0)) (firing: 32,000 firings an upload, 6,400 of them queued under the cap of 100 a monitor; $((3 * REPS)) uploads)"
printf '   %-34s %10s %10s %14s\n' case p50_ms max_ms "of 3 s (max)"
declare -A AMED AMAX
for tag in a0 aq af ax ay; do
  AMED[$tag]=$(grep "tag=$tag " "$WORK/a.up" | kv ms | med)
  AMAX[$tag]=$(grep "tag=$tag " "$WORK/a.up" | kv ms | maxof)
done
label() { case $1 in a0) echo "no monitor";; aq) echo "64 quiet (zone, fuel, speed)";; af) echo "64 firing at every other sample";; ax) echo "64 firing, with 3 extensions";; ay) echo "64 firing, with every extension";; esac; }
for tag in a0 aq af ax ay; do
  printf '   %-34s %10s %10s %14s\n' "$(label $tag)" "${AMED[$tag]}" "${AMAX[$tag]}" "$(frac "${AMAX[$tag]}" $APPWD)"
done
echo "   machine busy during (a): $(busy_end) of one CPU (2 CPUs = 200%)"
row "vehicleMonitors (32 user + 32 fleet on one car)" "upload of 1,000 samples, 64 quiet monitors" "${AMED[aq]} ms (max ${AMAX[aq]})" "${AMED[a0]} ms without monitors" "$(frac "${AMAX[aq]}" $APPWD) of 3 s"
row "the same" "64 monitors firing at every other sample (32,000 firings, 6,400 queued)" "${AMED[af]} ms (max ${AMAX[af]})" "${AMED[a0]} ms" "$(frac "${AMAX[af]}" $APPWD) of 3 s"
row "the same" "firing, with 3 extensions each" "${AMED[ax]} ms (max ${AMAX[ax]})" "${AMED[a0]} ms" "$(frac "${AMAX[ax]}" $APPWD) of 3 s"
row "the same" "firing, with every extension (8 user, 9 fleet)" "${AMED[ay]} ms (max ${AMAX[ay]})" "${AMED[a0]} ms" "$(frac "${AMAX[ay]}" $APPWD) of 3 s"
drv a-cleanup >"$WORK/a.del"
echo "   DELETE of (a)'s callbacks and fleet monitors ($REPS,000 notifications queued each, or none for the quiet ones):" \
  "median $(kv ms <"$WORK/a.del" | med) ms, max $(kv ms <"$WORK/a.del" | maxof) ms ($(wc -l <"$WORK/a.del") deletions)"

# ---------------------------------------------------------------- (c) queuedNotifications: DELETE of a full queue
echo
echo "(c) queuedNotifications: a callback with its queue filled (no cvnotify), deleted"
busy_begin
c0=$(outbox)
drv c-fill | tee "$WORK/c.fill"
c1=$(outbox)
QUEUED=$((c1 - c0))
echo "   queued in the callback: $QUEUED (outbox keys before $c0, after $c1; quota $(kv limit <"$WORK/c.fill"); /user/limits used: $(kv limits_used <"$WORK/c.fill"))"
drv c-delete | tee "$WORK/c.del"
c2=$(outbox)
CE=$(grep 'what=empty' "$WORK/c.del" | kv ms) CF=$(grep 'what=full' "$WORK/c.del" | kv ms)
echo "   outbox keys after the deletion: $c2; DELETE empty ${CE} ms, full ($QUEUED) ${CF} ms = $(frac "$CF" $APPWD) of 3 s; machine busy $(busy_end)"
row "queuedNotifications ($QUEUED queued in one callback)" "DELETE of the callback" "$CF ms" "$CE ms with an empty queue" "$(frac "$CF" $APPWD) of 3 s"

# ---------------------------------------------------------------- cvnotify, and (d) redeliveriesPerHour
node "$SRCDIR/bench/notify-rx.mjs" "$SINKPORT" 0 >"$WORK/sink.out" 2>&1 &
CVB_PIDS+=("$!")
for i in $(seq 100); do grep -q READY "$WORK/sink.out" && break; sleep 0.05; done
CVAPI_HOME=$HOME_DB CVAPI_NOTIFY_ALLOW=loopback "$ND_BIN" 2>"$WORK/cvnotify.log" &
ND=$!; CVB_PIDS+=("$ND")
echo
echo "(d) redeliveriesPerHour: POST .../redeliver of a delivered batch of 1,000 events (fleet face), $REPS times"
busy_begin
drv d-run "$REPS" | tee "$WORK/d.out"
DMED=$(grep '^redeliver' "$WORK/d.out" | kv ms | med) DMAX=$(grep '^redeliver' "$WORK/d.out" | kv ms | maxof)
echo "   redeliver: median $DMED ms, max $DMAX ms = $(frac "$DMAX" $APPWD) of 3 s; machine busy $(busy_end)"
row "redeliveriesPerHour (a batch of $(kv events <"$WORK/d.out") events)" "POST .../redeliver" "$DMED ms (max $DMAX)" "" "$(frac "$DMAX" $APPWD) of 3 s"

# ---------------------------------------------------------------- (b) timedMonitors: the timer's turn
echo
G=cvb$$
PROBED=0
if [[ $PERF != 0 ]] && command -v perf >/dev/null && [[ $(id -u) == 0 ]] &&
   perf probe -q -x "$ND_BIN" -a "$G:tick=cv_engine_tick" -a "$G:tickret=cv_engine_tick%return" 2>"$WORK/perf.err"; then
  PROBED=1
  trap 'rc=$?; perf probe -q -d "$G:*" 2>/dev/null; (exit $rc); cvb_cleanup' EXIT
  echo "(b) timedMonitors: cvnotify's timer turn (cv_engine_tick, timed by a uprobe at its entry and return), windows of $TURN_S s"
else
  [[ $PERF == 0 ]] || echo "   (no uprobe: $(head -1 "$WORK/perf.err" 2>/dev/null || echo 'perf or root missing'); CPU time only)"
  echo "(b) timedMonitors: cvnotify's timer, its CPU time over windows of $TURN_S s (nothing in cvnotify exposes a turn's duration)"
fi
printf '   %-52s %6s %9s %9s %12s %14s %8s\n' case turns p50_ms max_ms cpu_ms/turn "max of 30 s" busy
BASE_CPU=0
window() { # NAME SECONDS [COMMAND...]: the turns while COMMAND runs and SECONDS after; sets W_MAX W_MED W_CPU W_TIME W_FRAC
  local name=$1 s=$2 t0 t1 w0 w1 pp=
  shift 2
  busy_begin
  t0=$(cvb_ticks "$ND") w0=$(date +%s.%N)
  if ((PROBED)); then
    perf record -q -e "$G:tick" -e "$G:tickret__return" -p "$ND" -o "$WORK/perf.data" 2>/dev/null &
    pp=$!
    sleep 1
  fi
  (($# == 0)) || "$@"
  sleep "$s"
  : >"$WORK/turns"
  if [[ -n $pp ]]; then
    kill -INT "$pp"; wait "$pp" || true
    perf script -i "$WORK/perf.data" -F time,event 2>/dev/null |
      awk '{ t = $1; sub(":", "", t); if ($2 ~ /__return/) { if (s != "") printf "%.2f\n", (t - s) * 1000; s = "" } else s = t }' >"$WORK/turns"
  fi
  t1=$(cvb_ticks "$ND") w1=$(date +%s.%N)
  W_CPU=$(awk -v d=$((t1 - t0)) -v hz="$CVB_HZ" -v a="$w0" -v b="$w1" -v base="$BASE_CPU" 'BEGIN{printf "%.1f", d / hz * 1000 / ((b - a) / 5) - base}')
  W_MED=$(med <"$WORK/turns") W_MAX=$(maxof <"$WORK/turns"); W_MAX=${W_MAX:--}
  # without the uprobe, the turn's time is its CPU time (deliveries included)
  if [[ $W_MAX == - ]]; then
    W_TIME="$W_CPU ms of CPU a turn" W_FRAC=$(frac "$W_CPU" $NDWD)
  else
    W_TIME="$W_MED ms (max $W_MAX)" W_FRAC=$(frac "$W_MAX" $NDWD)
  fi
  printf '   %-52s %6s %9s %9s %12s %14s %8s\n' "$name" "$(wc -l <"$WORK/turns")" "$W_MED" "$W_MAX" "$W_CPU" "$W_FRAC" "$(busy_end)"
}
window "no timed monitor (the reference)" "$TURN_S"
BASE_CPU=$(awk -v c="$W_CPU" 'BEGIN{print c}')
REF_TIME=$W_TIME
prev=0
for n in $OWNERS_LIST; do
  drv b-owners $((prev + 1)) "$n" closed
  prev=$n
  window "$n owner(s) x 100 timed, windows closed" "$TURN_S"
  row "timedMonitors (100 per owner), $n owner(s)" "cvnotify's timer turn, windows closed (evaluated only)" "$W_TIME" "$REF_TIME with none" "$W_FRAC of 30 s"
done
drv b-drop 1 "$NMAX"
window "$NMAX owner(s) x 100 timed, open, refreshEvent 60" $((TURN_S > 65 ? TURN_S : 65)) drv b-owners 1 "$NMAX" open
row "timedMonitors (100 per owner), $NMAX owner(s)" "the same, windows open, refreshEvent 60 (all firing together)" "$W_TIME" "$REF_TIME with none" "$W_FRAC of 30 s"
drv b-drop 1 "$NMAX"
if ((MONITORS_BYPASS > 0)); then
  bypass() { drv b-bypass spread "$MONITORS_BYPASS" >"$WORK/b.bypass"; }
  window "1 owner x $MONITORS_BYPASS with refreshEvent 60, no time trigger" $((TURN_S > 65 ? TURN_S : 65)) bypass
  cat "$WORK/b.bypass"
  row "monitors with refreshEvent but no time trigger ($(kv accepted <"$WORK/b.bypass") of one owner; timedMonitors used: $(kv timedMonitors_used <"$WORK/b.bypass"))" \
    "the same turn" "$W_TIME" "$REF_TIME with none" "$W_FRAC of 30 s"
fi
echo "   (cpu_ms/turn: cvnotify's CPU time over the window, less the reference's, per 5 s; it includes delivering what fired)"
cvb_stop "$ND"

echo
echo "Summary (each quota at its limit; the watchdog: 3 s of store work a request for the programs, 30 s a turn for cvnotify)"
echo
echo "| quota at its limit | what | time | reference | of the watchdog |"
echo "|---|---|---|---|---|"
cat "$SUMMARY"
