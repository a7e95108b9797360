#!/usr/bin/env bash
# osmand.sh [SECONDS]
#
# Phones (Traccar Client, the OsmAnd protocol, /osmand on cvapi-ingest)
# against the vehicle link, in the same run, on the same store: fixes per
# second each stored durably before its 200, in the protocol's three modes
# (query GET, form POST, JSON POST), beside the vehicle link's uploads of
# one sample (the same work per request: one sample, one commit) and its
# batches of 10.
#
# Steps: a fresh store (cvctl init, demo); CLIENTS phones, each a vehicle
# with an OsmAnd device (cvctl vehicle add --device osmand), and CLIENTS
# vehicles without one for the vehicle link; lighttpd with PROCS processes
# per program; rate limits lifted (cvb_budgets, and CVAPI_RATE_DEVICE for
# the devices). The client is bench/osmand-driver.mjs (Node, one process
# a run): one keep-alive connection per phone or vehicle, each sending
# its next request once the answer came, the same readings (position,
# altitude, heading, 50 km/h; a reading a second, fix times increasing
# from run to run) in every kind. A warm-up run of each kind (WARMUP
# seconds, not counted), then ROUNDS rounds of the five kinds for SECONDS
# (10) each, interleaved, the order turned by one each round, so that a
# drift of the (shared) machine hits every kind alike.
#
# Per run: requests/s and samples/s acknowledged, latency p50/p99/max,
# the server's CPU (lighttpd and its programs) per request and per
# sample, the driver's CPU, and the rest of the machine's. The summary
# gives per kind the median of the rounds and their spread, and each
# mode's fixes/s over the one-sample uploads/s. Then the count is checked:
# every phone's and vehicle's GET .../telemetry?pageSize=1 `total` must
# equal the samples acknowledged for it (exit 1 otherwise).
# The last line is:
#   osmand: query Q, form F, json J fixes/s; vehicle link L1 uploads/s of 1 sample, L10 samples/s in batches of 10
#
# Environment (defaults in brackets): CVAPI_BUILD [the source tree],
# CLIENTS [16], ROUNDS [3], WARMUP [2], PROCS [2], KEEP_WORK=1 keeps the
# temporary folder. Use a release build (configure -q, -O2).
set -euo pipefail
PROG=osmand.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-10}
CLIENTS=${CLIENTS:-16} ROUNDS=${ROUNDS:-3} WARMUP=${WARMUP:-2} PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-1800}
KINDS=(query form json link1 link10)
cvb_setup
command -v node >/dev/null || cvb_die "node is needed"
DRIVER=(node "$SRCDIR/bench/osmand-driver.mjs")
CVCTL=$BUILDDIR/tools/cvctl

echo "osmand.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

# ---------------------------------------------------------------- store, phones, vehicles
cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
: >"$WORK/phones.txt"   # vehicle id, device id
: >"$WORK/link.txt"     # VIN, credential
: >"$WORK/ids.txt"      # vehicle id, the key its acknowledgements are counted under
for ((i = 1; i <= CLIENTS; i++)); do
  out=$("$CVCTL" -H "$HOME_DB" vehicle add "$(printf 'VR3BENCHP%08d' "$i")" --owner demo --energy petrol --device osmand) \
    || cvb_die "cvctl vehicle add --device osmand failed"
  id=$(sed -n 's/^id=//p' <<<"$out")
  dev=$(sed -n 's/^device=osmand://p' <<<"$out")
  [[ -n $id && -n $dev ]] || cvb_die "cvctl vehicle add --device osmand printed no id or device: $out"
  echo "$id $dev" >>"$WORK/phones.txt"
  echo "$id $id" >>"$WORK/ids.txt"
  vin=$(printf 'VR3BENCHL%08d' "$i")
  out=$("$CVCTL" -H "$HOME_DB" vehicle add "$vin" --owner demo --energy petrol) || cvb_die "cvctl vehicle add failed"
  echo "$vin $(sed -n 's/^credential=//p' <<<"$out")" >>"$WORK/link.txt"
  echo "$(sed -n 's/^id=//p' <<<"$out") $vin" >>"$WORK/ids.txt"
done
cvb_budgets "$HOME_DB" console
export CVAPI_RATE_DEVICE=4000000000/4000000000
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
BASE=http://127.0.0.1:$PORT

# ---------------------------------------------------------------- the runs
# run KIND SECONDS: one driver run; appends to $WORK/runs.txt
# "KIND req/s samples/s p50 p99 max retries server-us/request server-% driver-% other-%"
run() {
  local kind=$1 secs=$2 file=$WORK/phones.txt s0 m0 w0 s1 m1 w1 out
  [[ $kind == link* ]] && file=$WORK/link.txt
  s0=$(cvb_ticks "$LT_PID"); m0=$(cvb_machine_ticks); w0=$(date +%s%N)
  out=$("${DRIVER[@]}" "$kind" "$BASE" "$file" "$secs" "$WORK/state.json") || cvb_die "the driver failed ($kind)"
  s1=$(cvb_ticks "$LT_PID"); m1=$(cvb_machine_ticks); w1=$(date +%s%N)
  awk -v out="$out" -v s=$((s1 - s0)) -v m=$((m1 - m0)) -v w=$((w1 - w0)) -v hz="$CVB_HZ" '
    BEGIN { n = split(out, f, " "); for (i = 2; i <= n; i++) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
            wall = w / 1e9; drv = v["cpu_total_ms"] / 1000 * hz
            printf "%s %d %d %.2f %.2f %.1f %d %.0f %.0f %.0f %.0f\n", v["kind"], v["req_per_s"], v["samples_per_s"],
              v["p50_ms"], v["p99_ms"], v["max_ms"], v["retries"], s / hz * 1e6 / v["requests"], 100 * s / hz / wall,
              100 * v["cpu_ms"] / 1000 / v["seconds"], 100 * (m - s - drv) / hz / wall }'
}

echo
echo "$CLIENTS phones and $CLIENTS vehicles, one keep-alive connection each; warm-up ${WARMUP} s a kind, then $ROUNDS rounds of ${SECS} s a kind:"
if [[ $WARMUP -gt 0 ]]; then
  for k in "${KINDS[@]}"; do run "$k" "$WARMUP" >/dev/null; done
fi
: >"$WORK/runs.txt"
printf '%-7s %-6s %9s %9s %8s %8s %8s %7s %9s %7s %7s %7s\n' round kind req/s samples/s p50_ms p99_ms max_ms retries srv_us/req srv_% drv_% other_%
for ((r = 1; r <= ROUNDS; r++)); do
  for ((j = 0; j < ${#KINDS[@]}; j++)); do
    k=${KINDS[$(((j + r - 1) % ${#KINDS[@]}))]}
    line=$(run "$k" "$SECS")
    echo "$line" >>"$WORK/runs.txt"
    # shellcheck disable=SC2086
    printf '%-7s %-6s %9s %9s %8s %8s %8s %7s %9s %7s %7s %7s\n' "$r" $line
  done
done

# ---------------------------------------------------------------- summary
# med KIND COLUMN: "median (min-max)" of that column over the rounds
med() {
  awk -v k="$1" -v c="$2" '$1 == k { print $c }' "$WORK/runs.txt" | sort -g |
    awk '{ a[NR] = $1 } END { m = NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2
      if (NR > 1) printf "%g (%g-%g)", m, a[1], a[NR]; else printf "%g", m }'
}
mid() { med "$1" "$2" | cut -d' ' -f1; }
echo
echo "medians of the $ROUNDS rounds (spread):"
echo "| kind | requests/s | samples/s | p50 ms | p99 ms | server µs a request | server % of a CPU | driver % | rest of the machine % |"
echo "|---|---|---|---|---|---|---|---|---|"
for k in "${KINDS[@]}"; do
  echo "| $k | $(med "$k" 2) | $(med "$k" 3) | $(med "$k" 4) | $(med "$k" 5) | $(med "$k" 8) | $(med "$k" 9) | $(med "$k" 10) | $(med "$k" 11) |"
done
# each round's fixes/s over the same round's one-sample uploads/s
echo
for k in query form json; do
  echo "$k/link1: $(paste <(awk -v k="$k" '$1 == k { print $2 }' "$WORK/runs.txt") <(awk '$1 == "link1" { print $2 }' "$WORK/runs.txt") |
    awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2 }') (per round)"
done
retried=$(awk '{ s += $7 } END { print s + 0 }' "$WORK/runs.txt")
[[ $retried -eq 0 ]] || echo "($retried requests were answered 503 or 429 and sent again after their Retry-After)"

# ---------------------------------------------------------------- every acknowledged sample stored
TOKEN=$("$CVCTL" -H "$HOME_DB" token issue demo --client console --ttl 3600)
sum=0
while read -r id key; do
  body=$(curl -sS -H "Authorization: Bearer $TOKEN" "$BASE/connectedcar/v4/user/vehicles/$id/telemetry?pageSize=1")
  t=$(node -e 'process.stdout.write(String(JSON.parse(process.argv[1]).total ?? ""))' "$body" 2>/dev/null || true)
  [[ $t =~ ^[0-9]+$ ]] || cvb_die "telemetry of $id: no total: ${body:0:300}"
  a=$(node -e 'process.stdout.write(String(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).acked[process.argv[2]] ?? 0))' \
    "$WORK/state.json" "$key")
  [[ $t -eq $a ]] || cvb_die "vehicle $id: its telemetry holds $t samples, $a were acknowledged"
  sum=$((sum + t))
done <"$WORK/ids.txt"
echo "(every phone's and vehicle's telemetry holds the samples acknowledged for it: $sum in all)"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "osmand: query $(mid query 2), form $(mid form 2), json $(mid json 2) fixes/s;" \
  "vehicle link $(mid link1 2) uploads/s of 1 sample, $(mid link10 3) samples/s in batches of 10"
