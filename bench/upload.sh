#!/usr/bin/env bash
# upload.sh [SECONDS]
#
# Uploads through the vehicle link: samples per second committed durably.
#   POST /telematics/v1/vehicles/{vin}/messages through lighttpd
#   (etc/lighttpd.conf.in) + cvapi-ingest.fcgi + Berkeley DB
# Each batch is one transaction committed with its log flushed before the
# 200 (cvapi's normal commit: no DB_TXN_NOSYNC, no DB_TXN_WRITE_NOSYNC).
#
# Steps: compile bench/upload-gen.c; a fresh store in a temporary folder
# (cvctl init, demo, then VEHICLES vehicles of the demo user with cvctl
# vehicle add, energies in turn petrol, electric, phev, diesel); lighttpd with
# PROCS processes per program; then for each batch size in BATCH_LIST,
# bench/upload-gen for SECONDS (default 10): one thread and one keep-alive
# connection per vehicle, each sending batches one after the other (the
# next when the 200 came), realistic samples (doc/vehicle-link.md: a drive
# with position, speed, odometer, ignition, fuel and/or battery, doors,
# temperatures, maintenance, privacy, and events now and then), 1 s apart,
# distinct message ids. upload-gen is pinned to CPU 1 on a 2-CPU machine
# (as read.sh pins wrk).
#
# Per run: samples/s and batches/s acknowledged, batch latency p50/p99/max,
# the CPU used by the server (lighttpd and its programs) and by upload-gen,
# and from the store's own counters (db_stat) the transactions committed and
# the log flushes (fsyncs) done meanwhile. After the runs the count is
# checked: for every vehicle, GET .../telemetry?pageSize=1 gives `total`,
# which must equal the samples acknowledged for it; their sum must equal
# all samples sent.
# The last line is:
#   upload: batch N1 X1 samples/s, batch N2 X2 samples/s; telemetry total T = sent S (ok)
#
# Rate limits: the benchmark's client (console) and every vehicle get
# budgets they never reach (common.sh: cvb_budgets), so every request is
# counted as in service and none is refused; nothing to set by hand.
# Environment (defaults in brackets): CVAPI_BUILD [the source tree],
# VEHICLES [8], BATCH_LIST ["100 500"], PROCS [2], UPLOAD_CPUS ["1" on a
# 2-CPU machine, "" = unpinned], KEEP_WORK=1 keeps the temporary folder.
# Exit status: 0; 1 on failure or when the counts do not match.
set -euo pipefail
PROG=upload.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-10}
VEHICLES=${VEHICLES:-8} BATCH_LIST=${BATCH_LIST:-100 500} PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-1800}
cvb_setup
cvb_build_tools
if [[ -z ${UPLOAD_CPUS+set} ]]; then
  if [[ $(nproc) -eq 2 ]]; then UPLOAD_CPUS=1; else UPLOAD_CPUS=; fi
fi
GEN=("$BENCHBIN/upload-gen"); [[ -z $UPLOAD_CPUS ]] || GEN=(taskset -c "$UPLOAD_CPUS" "$BENCHBIN/upload-gen")
DBSTAT=$(command -v db5.3_stat || command -v db_stat || true)

echo "upload.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

# ---------------------------------------------------------------- store and vehicles
cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
energies=(petrol electric phev diesel)
: >"$WORK/vehicles.txt"
: >"$WORK/ids.txt"
for ((i = 1; i <= VEHICLES; i++)); do
  vin=$(printf 'VR3BENCHX%08d' "$i")
  en=${energies[$(((i - 1) % 4))]}
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$vin" --owner demo --energy "$en" --brand Peugeot --label bench) \
    || cvb_die "cvctl vehicle add $vin failed"
  id=$(sed -n 's/^id=//p' <<<"$out") cred=$(sed -n 's/^credential=//p' <<<"$out")
  [[ -n $id && -n $cred ]] || cvb_die "cvctl vehicle add printed no id or credential: $out"
  echo "$vin $en $cred" >>"$WORK/vehicles.txt"
  echo "$vin $id" >>"$WORK/ids.txt"
done
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
# the benchmark's client and vehicles get rate limits they never reach (every request counted, none refused)
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
LT=$LT_PID
echo "server: lighttpd pid $LT, $(cvb_nprocs "$LT") processes (PROCS=$PROCS: $PROCS cvapi-ingest.fcgi); $VEHICLES vehicles uploading at once, one connection each; upload-gen $( [[ -n $UPLOAD_CPUS ]] && echo "pinned to CPU $UPLOAD_CPUS" || echo unpinned)"

dbstat() { # commits flushes (0 when db_stat fails: under set -e and pipefail a failing
  # db_stat would end this subshell with nothing printed, and the script with it)
  [[ -n $DBSTAT ]] || { echo "0 0"; return; }
  local c f
  c=$("$DBSTAT" -h "$HOME_DB" -t 2>/dev/null | awk '/Number of transactions committed/{print $1}') || c=
  f=$("$DBSTAT" -h "$HOME_DB" -l 2>/dev/null | awk '/Total log file flushes/{print $1}') || f=
  echo "${c:-0} ${f:-0}"
}
ticks() { cvb_ticks "$@"; }
machine_ticks() { cvb_machine_ticks; }
HZ=$CVB_HZ

# ---------------------------------------------------------------- the runs
SENT=0
declare -A RATE PERVIN
printf '\n%-6s %10s %10s %9s %9s %9s %10s %10s %8s %9s %9s %7s\n' batch samples/s batches/s p50_ms p99_ms max_ms server_cpu gen_cpu other commits flushes errors
k=0
for B in $BATCH_LIST; do
  # each run its own stretch of time, 10 days apart (at 1 s per sample: 864000 samples per vehicle per run)
  start=$((($(date +%s) - (40 - 10 * k) * 86400) * 1000))
  read -r c0 f0 < <(dbstat)
  s0=$(ticks "$LT"); m0=$(machine_ticks)
  t0=$(date +%s.%N)
  rc=0
  ( times >"$WORK/times0"; "${GEN[@]}" --url "http://127.0.0.1:$PORT" --vehicles "$WORK/vehicles.txt" --batch "$B" \
      --seconds "$SECS" --start-ms "$start" --tag "run$k" >"$WORK/gen.$B" 2>"$WORK/gen.$B.err"; echo $? >"$WORK/gen.$B.rc"; times >"$WORK/times1" )
  t1=$(date +%s.%N)
  s1=$(ticks "$LT"); m1=$(machine_ticks)
  read -r c1 f1 < <(dbstat)
  rc=$(cat "$WORK/gen.$B.rc")
  line=$(grep '^UPLOAD ' "$WORK/gen.$B") || cvb_die "upload-gen gave no result: $(cat "$WORK/gen.$B.err")"
  [[ $rc -eq 0 ]] || echo "upload-gen reported errors: $(grep -v ' batches, ' "$WORK/gen.$B.err" | head -5)" >&2
  f() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  # upload-gen's CPU: the children times of the subshell (second line of `times`)
  g=$(awk 'NR==2{split($1,u,/[ms]/); split($2,s,/[ms]/); printf "%.0f", (u[1]*60+u[2]+s[1]*60+s[2])*100}' "$WORK/times1")
  el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')
  srv=$(awk -v t=$((s1 - s0)) -v hz="$HZ" -v e="$el" 'BEGIN{printf "%.0f%%", 100 * t / hz / e}')
  gen=$(awk -v t="$g" -v e="$el" 'BEGIN{printf "%.0f%%", t / e}')
  oth=$(awk -v m=$((m1 - m0)) -v s=$((s1 - s0)) -v g="$g" -v hz="$HZ" -v e="$el" 'BEGIN{o = (m - s - g * hz / 100) / hz / e * 100; if (o < 0) o = 0; printf "%.0f%%", o}')
  printf '%-6s %10s %10s %9s %9s %9s %10s %10s %8s %9s %9s %7s\n' "$B" "$(f samples_per_s)" "$(f batches_per_s)" \
    "$(f p50_ms)" "$(f p99_ms)" "$(f max_ms)" "$srv" "$gen" "$oth" "$((c1 - c0))" "$((f1 - f0))" "$(f errors)"
  [[ $(f retries) =~ ^[1-9] ]] && echo "       ($(f retries) batches sent again after a 503 or a 429, as a vehicle does)"
  RATE[$B]=$(f samples_per_s)
  SENT=$((SENT + $(f samples)))
  while read -r vin n; do PERVIN[$vin]=$(( ${PERVIN[$vin]:-0} + n )); done \
    < <(sed -n 's/^upload-gen: \([A-Z0-9]*\) [a-z]*: [0-9]* batches, \([0-9]*\) samples.*/\1 \2/p' "$WORK/gen.$B.err")
  ERRS=$(( ${ERRS:-0} + $(f errors) ))
  k=$((k + 1))
done
echo "(server_cpu, gen_cpu, other: CPU time over the run's wall time, 100% = one CPU; other = the rest of the machine, 200% max on 2 CPUs."
echo " commits, flushes: Berkeley DB's counters over the run (db_stat -t, -l): every batch is a transaction, and a log flush"
echo " (write + fdatasync) can carry several commits that arrived together (group commit).)"

# ---------------------------------------------------------------- the count
TOTAL=0
bad=0
while read -r vin id; do
  body=$(curl -sS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/connectedcar/v4/user/vehicles/$id/telemetry?pageSize=1")
  t=$(node -e 'const b=JSON.parse(process.argv[1]); process.stdout.write(String(b.total ?? ""))' "$body" 2>/dev/null || true)
  [[ $t =~ ^[0-9]+$ ]] || { echo "telemetry of $vin: no total: ${body:0:300}" >&2; bad=1; continue; }
  TOTAL=$((TOTAL + t))
  [[ $t -eq ${PERVIN[$vin]:-0} ]] || { echo "telemetry of $vin: total $t, but ${PERVIN[$vin]:-0} samples were acknowledged" >&2; bad=1; }
done <"$WORK/ids.txt"
ok=ok
[[ $TOTAL -eq $SENT && $bad -eq 0 ]] || ok=MISMATCH
echo
summary="upload:"
for B in $BATCH_LIST; do summary+=" batch $B ${RATE[$B]} samples/s,"; done
echo "$summary telemetry total $TOTAL = sent $SENT ($ok)$( [[ ${ERRS:-0} -eq 0 ]] || echo ", ${ERRS} failed batches")"
[[ $ok == ok && ${ERRS:-0} -eq 0 ]] || exit 1
