#!/usr/bin/env bash
# scale.sh [quick|full] [SECONDS]
#
# History at scale: a fleet's months of data written by cvsim's fast mode
# through the vehicle link, then read back.
#   quick: 100 vehicles x 30 days (about 1.1 M samples)
#   full:  1000 vehicles x 30 days (about 11 M samples)
# (VEHICLES and DAYS override the preset.)
#
# Steps: a fresh store (cvctl init, demo); VEHICLES vehicles of the demo
# user, all in one fleet of the demo fleet manager (fleet/fleet); lighttpd
# from etc/lighttpd.conf.in with PROCS processes per program; cvsim --days
# DAYS --parallel PAR (each vehicle's days in batches of 500 samples, one
# durable transaction each); then, against the same server:
#   - upload rate while generating (cvsim's samples/s, every batch durable);
#   - bytes on disk per telemetry sample: telemetry.db's size over the
#     samples it holds, and the whole store (databases and logs) per sample;
#   - telemetry of the busiest vehicle: the first page (pageSize=60) and a
#     page 10,000 rows deep reached with a pageToken, p50/p99 with wrk
#     (the shared harness's latency.lua), SECONDS each (default 10);
#   - the fleet-wide alert list (GET /connectedcar/v3/fleets/{fid}/alerts,
#     HTTP Basic), first page, p50/p99;
#   - a purge step's duration (cvctl purge --verbose with a retention
#     period that expires the oldest tenth of the history);
#   - large pages against the Node peer, through the shared harness's
#     heavy.sh (same bytes, SECONDS per run): a full page of 2,000
#     wayPoints of a long drive (one more vehicle drives 2,500 samples, 10 s
#     apart, in one trip) and a full page of 60 trips of the busiest
#     vehicle.
# wrk runs with 2 threads and 8 connections, pinned to CPU 1 on a 2-CPU
# machine (as the shared harness does).
# The last line:
#   scale: N vehicles x D days, S samples at R samples/s, B bytes/sample,
#          first page p99 X ms, deep page p99 Y ms (Y/X), fleet alerts p99 Z ms,
#          wayPoints W1 pages/s (W1/W2 of the peer), trips T1 pages/s (T1/T2)
#
# Rate limits: the benchmark's client (console) and every vehicle get
# budgets they never reach (common.sh: cvb_budgets), so every request is
# counted as in service and none is refused; nothing to set by hand.
# Environment: CVAPI_BUILD (a release build, the default is the source
# tree), HARNESS / HARNESS_SRC (as status.sh), PROCS [2], PAR [4],
# KEEP_WORK=1 keeps the temporary folder. Exit status 0; 1 on failure.
set -euo pipefail
PROG=scale.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 2 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
PRESET=${1:-quick}
SECS=${2:-10}
case $PRESET in
  quick) VEHICLES=${VEHICLES:-100} DAYS=${DAYS:-30} ;;
  full) VEHICLES=${VEHICLES:-1000} DAYS=${DAYS:-30} ;;
  *) cvb_die "the preset is quick or full" ;;
esac
PROCS=${PROCS:-2} PAR=${PAR:-4}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-7200}
cvb_setup
harness_ready
[[ -x $BUILDDIR/sim/cvsim && -x $BUILDDIR/cgi/cvapi-events.fcgi ]] || cvb_die "build cvsim and cvapi-events first"
WRK_CPUS=${WRK_CPUS:-$([[ $(nproc) -eq 2 ]] && echo 1 || echo "")}
WRK=(wrk); [[ -z $WRK_CPUS ]] || WRK=(taskset -c "$WRK_CPUS" wrk)

echo "scale.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR; $VEHICLES vehicles x $DAYS days"

# ---------------------------------------------------------------- store, vehicles, fleet
cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
CVCTL=("$BUILDDIR/tools/cvctl" -H "$HOME_DB")
"${CVCTL[@]}" fleet add scale-fleet --owner fleet --label scale >/dev/null
energies=(petrol electric phev diesel)
: >"$WORK/vehicles.txt"
: >"$WORK/ids.txt"
for ((i = 1; i <= VEHICLES; i++)); do
  vin=$(printf 'VR3SCALEX%08d' "$i")
  en=${energies[$(((i - 1) % 4))]}
  out=$("${CVCTL[@]}" vehicle add "$vin" --owner demo --energy "$en" --brand Peugeot --label scale) \
    || cvb_die "cvctl vehicle add $vin failed"
  id=$(sed -n 's/^id=//p' <<<"$out") cred=$(sed -n 's/^credential=//p' <<<"$out")
  echo "$vin $en $cred" >>"$WORK/vehicles.txt"
  echo "$vin $id" >>"$WORK/ids.txt"
  "${CVCTL[@]}" fleet add-vehicle scale-fleet "$vin"
done
TOKEN=$("${CVCTL[@]}" token issue demo --client console --ttl 86400)
# the benchmark's client and vehicles get rate limits they never reach (every request counted, none refused)
cvb_budgets "$HOME_DB" console
BASIC="Basic $(printf 'fleet:fleet' | base64)"
PORT=$(cvb_free_port)
# no purge while measuring: it has its own figure below
export CVAPI_PURGE_EVERY=0
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
LT=$LT_PID
BASE=http://127.0.0.1:$PORT

# ---------------------------------------------------------------- generate
echo
echo "generating: cvsim --days $DAYS --parallel $PAR (batches of 500, each a durable transaction)"
t0=$(date +%s.%N)
"$BUILDDIR/sim/cvsim" --url "$BASE" --vehicles "$WORK/vehicles.txt" --seed 11 --days "$DAYS" --batch 500 \
  --parallel "$PAR" >"$WORK/cvsim.out" 2>"$WORK/cvsim.err" || cvb_die "cvsim failed: $(tail -3 "$WORK/cvsim.err")"
t1=$(date +%s.%N)
SAMPLES=$(sed -n 's/.*samples=\([0-9]*\).*/\1/p' "$WORK/cvsim.out" | tail -1)
RATE=$(sed -n 's/.*samples_per_s=\([0-9]*\).*/\1/p' "$WORK/cvsim.out" | tail -1)
echo "  $(tail -1 "$WORK/cvsim.out"), wall $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.0f s", b - a}')"

# ---------------------------------------------------------------- bytes on disk
tel=$(stat -c %s "$HOME_DB/telemetry.db")
all=$(du -sb "$HOME_DB" | cut -f1)
BPS=$(awk -v t="$tel" -v s="$SAMPLES" 'BEGIN{printf "%.1f", t / s}')
echo
echo "disk: telemetry.db $tel bytes for $SAMPLES samples = $BPS bytes/sample; the whole store $all bytes" \
  "($(awk -v t="$all" -v s="$SAMPLES" 'BEGIN{printf "%.1f", t / s}') bytes/sample, logs and every database)"

# ---------------------------------------------------------------- latency runs
run() { # NAME URL [HEADER] -> "p50 p99 rps" (ms ms req/s)
  local name=$1 url=$2 hdr=${3:-"Authorization: Bearer $TOKEN"} line
  "${WRK[@]}" -t2 -c8 -d2s -H "$hdr" "$url" >/dev/null 2>&1 || true
  line=$("${WRK[@]}" -t2 -c8 -d"${SECS}s" -H "$hdr" -s "$HARNESS/latency.lua" "$url" 2>/dev/null | grep '^BENCH ') \
    || cvb_die "wrk gave no result for $name"
  f() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
  [[ $(f non2xx) == 0 && $(f err_connect) == 0 && $(f err_read) == 0 && $(f err_timeout) == 0 ]] \
    || cvb_die "$name: errors in the run: $line"
  printf '  %-34s p50 %7.2f ms  p99 %7.2f ms  %8.0f req/s\n' "$name" "$(awk -v u="$(f p50_us)" 'BEGIN{print u/1000}')" \
    "$(awk -v u="$(f p99_us)" 'BEGIN{print u/1000}')" "$(f rps)" >&2
  echo "$(awk -v u="$(f p50_us)" 'BEGIN{print u/1000}') $(awk -v u="$(f p99_us)" 'BEGIN{print u/1000}') $(f rps)"
}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const b=JSON.parse(s);process.stdout.write(String(eval("b"+process.argv[1])??""))})' "$1"; }

# the vehicle with the most samples
best= bestn=0
while read -r vin id; do
  n=$(curl -sS -H "Authorization: Bearer $TOKEN" "$BASE/connectedcar/v4/user/vehicles/$id/telemetry?pageSize=1" | json .total)
  if ((n > bestn)); then best=$id bestn=$n; fi
done < <(head -n 20 "$WORK/ids.txt")
((bestn > 10060)) || cvb_die "no vehicle with more than 10,060 samples (the busiest has $bestn): more DAYS"
TEL=$BASE/connectedcar/v4/user/vehicles/$best/telemetry
deep=$(curl -sS -H "Authorization: Bearer $TOKEN" "$TEL?pageSize=60&indexRange=9940-" | json "._links.next.href")
[[ $deep == *pageToken=* ]] || cvb_die "no next link 10,000 rows deep: $deep"
echo
echo "reads (wrk -t2 -c8, ${SECS} s each; vehicle with $bestn samples):"
read -r F50 F99 _ < <(run "telemetry, first page (60)" "$TEL?pageSize=60")
read -r D50 D99 _ < <(run "telemetry, 10,000 rows deep (token)" "$deep")
read -r A50 A99 _ < <(run "fleet alerts, first page (60)" "$BASE/connectedcar/v3/fleets/scale-fleet/alerts?client_id=console" "Authorization: $BASIC")
RATIO=$(awk -v d="$D99" -v f="$F99" 'BEGIN{printf "%.2f", d / f}')

# ---------------------------------------------------------------- large pages against the peer
echo
echo "large pages, side by side with the Node peer (heavy.sh, $SECS s runs):"
out=$("${CVCTL[@]}" vehicle add VR3SCALEL00000001 --owner demo --energy petrol --brand Peugeot --label long)
LID=$(sed -n 's/^id=//p' <<<"$out") LCRED=$(sed -n 's/^credential=//p' <<<"$out")
# one long drive: 2,500 samples 10 s apart from yesterday, in batches of 500
node -e '
const [base, vin, cred] = process.argv.slice(1);
const t0 = Date.now() - 86400000, n = 2500;
(async () => {
  for (let b = 0; b < n / 500; b++) {
    const samples = [];
    for (let k = b * 500; k < (b + 1) * 500; k++) {
      const a = k / n * 2 * Math.PI;
      samples.push({ at: new Date(t0 + k * 10000).toISOString(), speed: k === n - 1 ? 0 : 60 + 30 * Math.sin(a * 7),
        odometer: 10000 + k * 0.15, ignition: k === 0 ? "StartUp" : k === n - 1 ? "Stop" : "Start",
        position: { lat: 48.85 + 0.3 * Math.sin(a), lon: 2.35 + 0.4 * Math.cos(a), alt: 40 + (k % 50) } });
    }
    const r = await fetch(`${base}/telematics/v1/vehicles/${vin}/messages`, { method: "POST",
      headers: { authorization: `Bearer ${cred}`, "content-type": "application/json" },
      body: JSON.stringify({ messageId: `long-${b}`, samples }) });
    if (r.status !== 200) { console.error(await r.text()); process.exit(1); }
  }
})();' "$BASE" VR3SCALEL00000001 "$LCRED" || cvb_die "the long drive was not accepted"
TRIP=$(curl -sS -H "Authorization: Bearer $TOKEN" "$BASE/connectedcar/v4/user/vehicles/$LID/trips" | json '._embedded.trips[0].id')
[[ -n $TRIP ]] || cvb_die "the long drive made no trip"
heavy() { # URL -> "project_pages/s peer_pages/s ratio"
  local line
  line=$("$HARNESS/heavy.sh" "$1" "$TOKEN" "$SECS" 2>&1 | tee -a "$WORK/heavy.out" | grep '^heavy: ' | tail -1)
  [[ $line == heavy:\ project* ]] || cvb_die "heavy.sh: ${line:-no result} (see $WORK/heavy.out)"
  echo "  $line" >&2
  sed -n 's/^heavy: project \([0-9.]*\) pages\/s, peer \([0-9.]*\) pages\/s, project\/peer \([0-9.]*\).*/\1 \2 \3/p' <<<"$line"
}
read -r W1 W2 WR < <(heavy "$BASE/connectedcar/v4/user/vehicles/$LID/trips/$TRIP/wayPoints?pageSize=2000")
read -r T1 T2 TR < <(heavy "$BASE/connectedcar/v4/user/vehicles/$best/trips?pageSize=60")

# ---------------------------------------------------------------- a purge
echo
keep=$((DAYS - DAYS / 10))
"${CVCTL[@]}" retention "$keep" >/dev/null
echo "purge, retention $keep days (the oldest tenth goes): $("${CVCTL[@]}" purge --verbose)"

echo
echo "scale: $VEHICLES vehicles x $DAYS days, $SAMPLES samples at $RATE samples/s, $BPS bytes/sample," \
  "first page p99 $F99 ms, deep page p99 $D99 ms ($RATIO), fleet alerts p99 $A99 ms," \
  "wayPoints $W1 pages/s ($WR of the peer's $W2), trips $T1 pages/s ($TR of the peer's $T2)"
