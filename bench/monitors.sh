#!/usr/bin/env bash
# monitors.sh [SECONDS]
#
# What monitors cost, and how fast cvnotify delivers, in one run.
#
# 1. Uploads with and without monitors, in interleaved rounds. A fresh
#    store, two sets of VEHICLES vehicles, lighttpd with PROCS processes
#    per program (as upload.sh). MONITORS monitors are made through the
#    API on the second set only (one callback, the monitors spread over
#    its vehicles: zones far away, fuel below 3%, speed above 200 km/h,
#    and one in FIRE_EVERY on vehicle.kinetic.moving onChange, which
#    fires at every stop and start). Then ROUNDS rounds, each one
#    upload-gen run of SECONDS per set (batches of BATCH samples, a new
#    stretch of time each round), the order alternating (none with,
#    with none, ...), so that a drift of the machine hits both alike.
#    Samples/s per round, the median of each set, and their ratio (the
#    target: monitors cost under 20%); the ratios round by round show
#    the noise. Also the server's CPU time per sample of each run (the
#    rates move with whatever else the machine runs; the CPU a sample
#    costs much less) and the ratio of those medians.
# 2. Deliveries. CALLBACKS callbacks to a local receiver (bench/notify-rx.mjs,
#    Node, 204 at once), each with a zone monitor on one more vehicle;
#    NBATCH uploads of 50 samples driving in and out of the zone queue
#    NBATCH x 25 x CALLBACKS notifications while cvnotify is stopped. Then
#    cvnotify starts (--flights CALLBACKS, and as many for the one owner:
#    CVAPI_NOTIFY_OWNER_FLIGHTS) and the time until the receiver
#    has every one (distinct webhook-ids) gives deliveries/s, each recorded
#    in a durable commit. The reference in the same run: the receiver's own
#    rate, wrk posting a body of the same size to it for 5 s with as many
#    connections.
# The last line:
#   monitors: uploads X samples/s without, Y with M monitors (Y/X; rounds A-B;
#     CPU per sample C0 us without, C1 us with); deliveries D/s (receiver alone R/s)
#
# Rate limits: the benchmark's client (console) and every vehicle get
# budgets they never reach (common.sh: cvb_budgets), so every request is
# counted as in service and none is refused; nothing to set by hand.
# Environment: CVAPI_BUILD (a release build; default the source tree),
# VEHICLES [8 per set], MONITORS [1000], FIRE_EVERY [100: one monitor in 100
# is the onChange one], BATCH [100], ROUNDS [3], PROCS [2], CALLBACKS [64],
# NBATCH [16], KEEP_WORK=1. Exit status 0; 1 on failure.
# A run takes about 2 x ROUNDS x SECONDS + 40 s.
set -euo pipefail
PROG=monitors.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-10}
VEHICLES=${VEHICLES:-8} MONITORS=${MONITORS:-1000} BATCH=${BATCH:-100} PROCS=${PROCS:-2} ROUNDS=${ROUNDS:-3}
CALLBACKS=${CALLBACKS:-64} NBATCH=${NBATCH:-16} FIRE_EVERY=${FIRE_EVERY:-100}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-1800}
cvb_setup
cvb_build_tools
[[ -x $BUILDDIR/notify/cvnotify ]] || cvb_die "$BUILDDIR/notify/cvnotify is missing: build cvapi first"
GEN=("$BENCHBIN/upload-gen"); [[ $(nproc) -ne 2 ]] || GEN=(taskset -c 1 "$BENCHBIN/upload-gen")

echo "monitors.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

# ---------------------------------------------------------------- store, vehicles, server
cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
energies=(petrol electric phev diesel)
# two sets of VEHICLES (none: never a monitor; with: the monitors), energies in
# turn in each, then one more vehicle for the deliveries
: >"$WORK/vehicles.none"
: >"$WORK/vehicles.with"
: >"$WORK/ids.txt"
for ((i = 1; i <= 2 * VEHICLES + 1; i++)); do
  vin=$(printf 'VR3MNTRX%09d' "$i")
  e=${energies[$(((i - 1) % VEHICLES % 4))]}
  out=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" vehicle add "$vin" --owner demo --energy "$e") \
    || cvb_die "cvctl vehicle add $vin failed"
  id=$(sed -n 's/^id=//p' <<<"$out") cred=$(sed -n 's/^credential=//p' <<<"$out")
  if ((i <= VEHICLES)); then
    echo "$vin $e $cred" >>"$WORK/vehicles.none"
  elif ((i <= 2 * VEHICLES)); then
    echo "$vin $e $cred" >>"$WORK/vehicles.with"
    echo "$id" >>"$WORK/ids.txt"
  else
    LAST_VIN=$vin LAST_ID=$id LAST_CRED=$cred
  fi
done
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
# the benchmark's client and vehicles get rate limits they never reach (every request counted, none refused)
cvb_budgets "$HOME_DB" console
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
LT=$LT_PID
API=http://127.0.0.1:$PORT/connectedcar/v4
export API TOKEN

# CPU ticks of the server (lighttpd and its programs), and of the whole machine
ticks() { cvb_ticks "$LT"; }
machine_ticks() { cvb_machine_ticks; }
HZ=$CVB_HZ

gen_run() { # SET TAG DAYS_AGO -> "samples/s rest% us/sample" (SET: none or with; TAG names the run;
  # rest: the CPU the server did not use during the run, upload-gen's included, 200% max on 2 CPUs;
  # us/sample: the server's CPU time (lighttpd and its programs) per sample acknowledged)
  local set=$1 tag=$2 start=$((($(date +%s) - $3 * 86400) * 1000)) line s0 m0 t0 s1 m1 t1
  s0=$(ticks); m0=$(machine_ticks); t0=$(date +%s.%N)
  "${GEN[@]}" --url "http://127.0.0.1:$PORT" --vehicles "$WORK/vehicles.$set" --batch "$BATCH" \
    --seconds "$SECS" --start-ms "$start" --tag "$tag" >"$WORK/gen.$tag" 2>"$WORK/gen.$tag.err" \
    || echo "upload-gen $tag reported errors: $(head -3 "$WORK/gen.$tag.err")" >&2
  s1=$(ticks); m1=$(machine_ticks); t1=$(date +%s.%N)
  line=$(grep '^UPLOAD ' "$WORK/gen.$tag") || cvb_die "upload-gen gave no result: $(cat "$WORK/gen.$tag.err")"
  echo "$(sed -n 's/.* samples_per_s=\([^ ]*\).*/\1/p' <<<"$line")" \
    "$(awk -v m=$((m1 - m0)) -v s=$((s1 - s0)) -v hz="$HZ" -v a="$t0" -v b="$t1" 'BEGIN{o = (m - s) / hz / (b - a) * 100; printf "%.0f%%", o < 0 ? 0 : o}')" \
    "$(awk -v s=$((s1 - s0)) -v hz="$HZ" -v n="$(sed -n 's/.* samples=\([0-9]*\).*/\1/p' <<<"$line")" 'BEGIN{printf "%.1f", n ? s / hz * 1e6 / n : 0}')"
}

# POST every line of FILE (path TAB body) with 8 at a time; prints the ids answered (key $2)
post_all() {
  node --input-type=module -e '
    import { readFileSync } from "node:fs";
    const [file, key] = process.argv.slice(1);
    const jobs = readFileSync(file, "utf8").trim().split("\n").map((l) => l.split("\t"));
    let i = 0, bad = 0; const out = [];
    async function worker() {
      while (i < jobs.length) {
        const [path, body] = jobs[i++];
        const r = await fetch(process.env.API + path, { method: "POST", body,
          headers: { authorization: `Bearer ${process.env.TOKEN}`, "content-type": "application/json" } });
        const t = await r.text();
        if (r.status >= 300) { bad++; if (bad < 4) console.error(r.status, t.slice(0, 200)); continue; }
        out.push(JSON.parse(t)[key]);
      }
    }
    await Promise.all(Array.from({ length: 8 }, worker));
    console.log(out.join("\n"));
    process.exit(bad ? 1 : 0);' "$1" "$2"
}

# ---------------------------------------------------------------- 1. uploads with and without monitors
echo
echo "1. uploads: $VEHICLES vehicles with no monitor and $VEHICLES with $MONITORS, batches of $BATCH samples,"
echo "   $ROUNDS rounds of ${SECS} s per set, the order alternating"
CB=$(curl -sS -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d '{"type":["Monitor"],"callback":{"webhook":{"name":"bench","target":"http://127.0.0.1:9/none"}}}' "$API/user/callbacks" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).callbackId))')
[[ $CB =~ ^[0-9a-f]{32}$ ]] || cvb_die "no callback: $CB"
: >"$WORK/monitors.jobs"
mapfile -t IDS <"$WORK/ids.txt"
for ((j = 0; j < MONITORS; j++)); do
  vid=${IDS[$((j % VEHICLES))]}
  if ((j % FIRE_EVERY == 0)); then
    t='{"name":"m","data":{"data":"vehicle.kinetic.moving","op":"onChange"}}'
  else case $((j % 3)) in
    0) t="{\"name\":\"far\",\"zone\":{\"transition\":\"In\",\"place\":{\"radius\":1,\"center\":{\"latitude\":$((10 + j % 50)).5,\"longitude\":10}}}}" ;;
    1) t='{"name":"fuel","data":{"data":"vehicle.energy.fuel.level","op":"lowerThan","value":["3"]}}' ;;
    2) t='{"name":"fast","data":{"data":"vehicle.kinetic.speed","op":"greaterThan","value":["200"]}}' ;;
  esac; fi
  printf '/user/vehicles/%s/callbacks/%s/monitors\t{"label":"bench %d","triggerParam":{"triggers":[%s]}}\n' "$vid" "$CB" "$j" "$t" >>"$WORK/monitors.jobs"
done
t0=$(date +%s.%N)
post_all "$WORK/monitors.jobs" monitorId >"$WORK/monitor.ids" || cvb_die "making the monitors failed"
t1=$(date +%s.%N)
echo "   made $(wc -l <"$WORK/monitor.ids") monitors in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b - a}') s"
printf '   %-6s %12s %6s %8s %12s %6s %8s %9s %9s\n' round none rest us/smp with rest us/smp with/none cpu_ratio
DBSTAT=$(command -v db5.3_stat || command -v db_stat || true)
: >"$WORK/rounds"
for ((r = 1; r <= ROUNDS; r++)); do
  # each round a new stretch of time for both sets (two days apart: 10 s at
  # 10,000 samples/s per vehicle is 28 hours of samples 1 s apart), forward
  if ((r % 2)); then
    read -r a ao ac < <(gen_run none "none$r" $((50 - 2 * r)))
    read -r b bo bc < <(gen_run with "with$r" $((50 - 2 * r)))
  else
    read -r b bo bc < <(gen_run with "with$r" $((50 - 2 * r)))
    read -r a ao ac < <(gen_run none "none$r" $((50 - 2 * r)))
  fi
  echo "$r $a $b $ac $bc" >>"$WORK/rounds"
  printf '   %-6s %12s %6s %8s %12s %6s %8s %9s %9s\n' "$r" "$a" "$ao" "$ac" "$b" "$bo" "$bc" \
    "$(awk -v a="$a" -v b="$b" 'BEGIN{printf "%.3f", b / a}')" "$(awk -v a="$ac" -v b="$bc" 'BEGIN{printf "%.3f", b ? a / b : 0}')"
done
med() { sort -n | awk '{v[NR] = $1} END{print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
R0=$(awk '{print $2}' "$WORK/rounds" | med)
R1=$(awk '{print $3}' "$WORK/rounds" | med)
C0=$(awk '{print $4}' "$WORK/rounds" | med)
C1=$(awk '{print $5}' "$WORK/rounds" | med)
SPREAD=$(awk '{r = $3 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r} END{printf "%.2f-%.2f", lo, hi}' "$WORK/rounds")
QUEUED=$([[ -z $DBSTAT ]] || "$DBSTAT" -h "$HOME_DB" -d outbox.db 2>/dev/null | awk '/Number of unique keys in the tree/{print $1}')
echo "   (rest: the CPU the server did not use during the run, upload-gen's and other programs' included; 200% on 2 CPUs."
echo "    us/smp: the server's CPU time per sample; cpu_ratio: none's over with's, what the rate ratio would be if CPU"
echo "    time alone bounded the rate: less moved by the rest of the machine than the rates are)"
echo "   medians: none $R0, with $R1 samples/s, with/none $(awk -v a="$R1" -v b="$R0" 'BEGIN{printf "%.3f", a / b}') (rounds $SPREAD);" \
  "CPU per sample none $C0 us, with $C1 us, cpu_ratio $(awk -v a="$C0" -v b="$C1" 'BEGIN{printf "%.3f", b ? a / b : 0}');" \
  "notifications queued: ${QUEUED:-?} in $((ROUNDS * SECS)) s of uploads with monitors"
curl -sS -o /dev/null -X DELETE -H "Authorization: Bearer $TOKEN" "$API/user/callbacks/$CB"

# ---------------------------------------------------------------- 2. deliveries
TOTAL=$((NBATCH * 25 * CALLBACKS))
echo
echo "2. deliveries: $CALLBACKS callbacks, $TOTAL notifications queued, then cvnotify (--flights $CALLBACKS)"
RXPORT=$(cvb_free_port)
# the reference: the receiver alone, wrk posting a notification-sized body
node "$SRCDIR/bench/notify-rx.mjs" "$RXPORT" 0 >"$WORK/rxref.out" 2>&1 &
RXREF=$!; CVB_PIDS+=("$RXREF")
for i in $(seq 100); do grep -q READY "$WORK/rxref.out" && break; sleep 0.05; done
body=$(head -c 900 /dev/zero | tr '\0' 'x')
cat >"$WORK/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"callbackId":"$body"}'
wrk.headers["Content-Type"] = "application/json"
EOF
REF=$(wrk -t1 -c"$CALLBACKS" -d5s -s "$WORK/post.lua" "http://127.0.0.1:$RXPORT/hook" | awk '/^Requests\/sec/{printf "%.0f", $2}')
cvb_stop "$RXREF"
echo "   receiver alone (wrk, $CALLBACKS connections): $REF requests/s"

: >"$WORK/cb.jobs"
for ((c = 0; c < CALLBACKS; c++)); do
  printf '/user/callbacks\t{"type":["Monitor"],"callback":{"webhook":{"name":"rx%d","target":"http://127.0.0.1:%d/hook"}}}\n' "$c" "$RXPORT" >>"$WORK/cb.jobs"
done
post_all "$WORK/cb.jobs" callbackId >"$WORK/cb.ids" || cvb_die "making the callbacks failed"
: >"$WORK/mon2.jobs"
while read -r cb; do
  printf '/user/vehicles/%s/callbacks/%s/monitors\t{"triggerParam":{"triggers":[{"name":"z","zone":{"transition":"Out","place":{"radius":1,"center":{"latitude":45,"longitude":5}}}}]}}\n' "$LAST_ID" "$cb" >>"$WORK/mon2.jobs"
done <"$WORK/cb.ids"
post_all "$WORK/mon2.jobs" monitorId >/dev/null || cvb_die "making the zone monitors failed"
now=$(date +%s)
t0=$(date +%s.%N)
for ((b = 0; b < NBATCH; b++)); do
  node -e '
    const [b, now] = process.argv.slice(1).map(Number);
    const samples = [];
    for (let i = 0; i < 50; i++)
      samples.push({ at: new Date((now - 7200 + b * 60 + i) * 1000).toISOString(), position: { lat: i % 2 ? 45.05 : 45, lon: 5 } });
    process.stdout.write(JSON.stringify({ messageId: `zone-${b}`, samples }));' "$b" "$now" >"$WORK/batch.json"
  code=$(curl -sS -o "$WORK/batch.out" -w '%{http_code}' -H "Authorization: Bearer $LAST_CRED" -H 'Content-Type: application/json' \
    --data-binary @"$WORK/batch.json" "http://127.0.0.1:$PORT/telematics/v1/vehicles/$LAST_VIN/messages")
  [[ $code == 200 ]] || cvb_die "upload $b: $code $(cat "$WORK/batch.out")"
done
t1=$(date +%s.%N)
echo "   queued $TOTAL in $NBATCH uploads: $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.2f", b - a}') s"
node "$SRCDIR/bench/notify-rx.mjs" "$RXPORT" "$TOTAL" >"$WORK/rx.out" 2>&1 &
RX=$!; CVB_PIDS+=("$RX")
for i in $(seq 100); do grep -q READY "$WORK/rx.out" && break; sleep 0.05; done
s0=$(date +%s%3N)
# (the callbacks are one user's: the owner's cap raised to them, so that it does not bound what is measured)
CVAPI_HOME=$HOME_DB CVAPI_NOTIFY_ALLOW=loopback CVAPI_NOTIFY_OWNER_FLIGHTS=$CALLBACKS \
  "$BUILDDIR/notify/cvnotify" --flights "$CALLBACKS" 2>"$WORK/cvnotify.log" &
ND=$!; CVB_PIDS+=("$ND")
wait "$RX" || cvb_die "the receiver failed: $(cat "$WORK/rx.out")"
line=$(grep '^RX ' "$WORK/rx.out") || cvb_die "the receiver gave no result"
last=$(sed -n 's/.* last_ms=\([0-9]*\).*/\1/p' <<<"$line")
n=$(sed -n 's/.* n=\([0-9]*\).*/\1/p' <<<"$line")
D=$(awk -v t="$TOTAL" -v a="$s0" -v b="$last" 'BEGIN{printf "%.0f", t / (b - a) * 1000}')
echo "   delivered $TOTAL (requests received: $n) in $(awk -v a="$s0" -v b="$last" 'BEGIN{printf "%.2f", (b - a) / 1000}') s from cvnotify's start: $D deliveries/s"
cvb_stop "$ND"
echo
echo "monitors: uploads $R0 samples/s without, $R1 with $MONITORS monitors ($(awk -v a="$R1" -v b="$R0" 'BEGIN{printf "%.2f", a / b}'); rounds $SPREAD; CPU per sample $C0 us without, $C1 us with); deliveries $D/s (receiver alone $REF/s)"
