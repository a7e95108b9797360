#!/usr/bin/env bash
# teltonika.sh [SECONDS]
#
# Teltonika trackers against the vehicle link, in the same run, on the
# same store: records per second committed durably and acknowledged by
# cvteltonika (Codec 8 packets of RECORDS records, one connection per
# tracker, the next packet once the acknowledgement came), then samples
# per second through the vehicle link (batches of the same size, one
# keep-alive connection per vehicle, the same readings); then the memory
# of IDLE idle connections held by a separate client process (the daemon's
# PSS before and after, and per connection).
#
# Steps: a fresh store (cvctl init, demo), VEHICLES vehicles with a
# Teltonika device and VEHICLES without (cvctl vehicle add), lighttpd with
# PROCS processes per program, cvteltonika on its own port; the driver is
# bench/teltonika-driver.mjs (Node). The open-file limit is raised to
# IDLE + 1024 for both (the unit says LimitNOFILE).
# Environment: CVAPI_BUILD [the source tree], VEHICLES [8], RECORDS [25],
# IDLE [10000], PROCS [2], KEEP_WORK=1 keeps the temporary folder.
set -euo pipefail
PROG=teltonika.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
SECS=${1:-10}
VEHICLES=${VEHICLES:-8} RECORDS=${RECORDS:-25} IDLE=${IDLE:-10000} PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-900}
cvb_setup
[[ -x $BUILDDIR/dev/cvteltonika ]] || cvb_die "$BUILDDIR/dev/cvteltonika is missing: build cvapi first"
ulimit -n $((IDLE + 1024)) 2>/dev/null || cvb_die "cannot raise the open-file limit to $((IDLE + 1024)) (ulimit -n)"
DRIVER=(node "$SRCDIR/bench/teltonika-driver.mjs")

echo "teltonika.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
: >"$WORK/imeis.txt"
: >"$WORK/link.txt"
: >"$WORK/tk-ids.txt"
for ((i = 1; i <= VEHICLES; i++)); do
  imei=$(printf '35630704%07d' "$i")
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$(printf 'VR3BENCHT%08d' "$i")" --owner demo --energy diesel \
    --device "teltonika:$imei" 2>/dev/null) || cvb_die "cvctl vehicle add (teltonika) failed"
  sed -n 's/^id=//p' <<<"$out" >>"$WORK/tk-ids.txt"
  echo "$imei" >>"$WORK/imeis.txt"
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$(printf 'VR3BENCHL%08d' "$i")" --owner demo --energy diesel)
  echo "$(printf 'VR3BENCHL%08d' "$i") $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/link.txt"
done
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
TKPORT=$(cvb_free_port)
CVAPI_HOME=$HOME_DB "$BUILDDIR/dev/cvteltonika" --listen "127.0.0.1:$TKPORT" 2>"$WORK/cvteltonika.log" &
TK=$!
CVB_PIDS+=("$TK")
for i in $(seq 100); do grep -q listening "$WORK/cvteltonika.log" && break; sleep 0.1; done
grep -q listening "$WORK/cvteltonika.log" || cvb_die "cvteltonika did not start: $(cat "$WORK/cvteltonika.log")"

start=$((($(date +%s) - 20 * 86400) * 1000))
echo
echo "durable writes, $VEHICLES vehicles at once, $RECORDS a packet or batch, ${SECS} s each:"
tk_cpu0=$(cvb_ticks "$TK")
"${DRIVER[@]}" records "$TKPORT" "$WORK/imeis.txt" "$SECS" "$RECORDS" "$start" | tee "$WORK/records.out"
tk_cpu1=$(cvb_ticks "$TK")
"${DRIVER[@]}" upload "http://127.0.0.1:$PORT" "$WORK/link.txt" "$SECS" "$RECORDS" "$start" | tee "$WORK/upload.out"
# every record acknowledged is stored: the trackers' telemetry totals add up to the records the driver counted
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 3600)
total=0
while read -r id; do
  body=$(curl -sS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/connectedcar/v4/user/vehicles/$id/telemetry?pageSize=1")
  t=$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).total ?? ""))' "$body" 2>/dev/null || true)
  [[ $t =~ ^[0-9]+$ ]] || cvb_die "telemetry of $id: no total: ${body:0:300}"
  total=$((total + t))
done <"$WORK/tk-ids.txt"
acked=$(sed -n 's/.*RECORDS records=\([0-9]*\).*/\1/p' "$WORK/records.out")
[[ $total -eq $acked ]] || cvb_die "the trackers' telemetry holds $total records, $acked were acknowledged"
echo "(the trackers' telemetry holds the $total records acknowledged)"
echo "(cvteltonika's CPU over its run: $(awk -v t=$((tk_cpu1 - tk_cpu0)) -v hz="$CVB_HZ" -v s="$SECS" 'BEGIN{printf "%.0f%%", 100 * t / hz / s}') of one CPU)"

echo
echo "memory of idle connections (held by a separate process):"
before=$(cvb_pss "$TK")
"${DRIVER[@]}" idle "$TKPORT" "$IDLE" >"$WORK/idle.out" &
IDLER=$!
CVB_PIDS+=("$IDLER")
for i in $(seq 600); do grep -q HELD "$WORK/idle.out" && break; sleep 0.1; done
grep -q HELD "$WORK/idle.out" || cvb_die "the idle client did not open its connections: $(cat "$WORK/idle.out")"
sleep 1
after=$(cvb_pss "$TK")
open=$(ls /proc/"$TK"/fd | wc -l)
echo "cvteltonika PSS: ${before} kB before, ${after} kB with $(cat "$WORK/idle.out" | sed 's/HELD //') connections held ($open descriptors open):" \
  "$(awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN{printf "%.1f MB in all, %.2f kB a connection", a / 1024, (a - b) / n}')"
cvb_stop "$IDLER"
r=$(sed -n 's/.*records_per_s=\([0-9]*\).*/\1/p' "$WORK/records.out")
u=$(sed -n 's/.*samples_per_s=\([0-9]*\).*/\1/p' "$WORK/upload.out")
echo "teltonika: $r records/s, vehicle link $u samples/s (packets and batches of $RECORDS); $IDLE idle connections: $(awk -v a="$after" 'BEGIN{printf "%.1f MB", a / 1024}')"
