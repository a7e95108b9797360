#!/usr/bin/env bash
# pss.sh URL TOKEN [SECONDS]
#
# Memory under load, cvapi against the Node.js peer: the summed PSS
# (proportional set size, /proc/PID/smaps_rollup) of every process of each
# server while wrk loads it with the status read.
#   project  URL as given: lighttpd and all its FastCGI processes (every
#            program of etc/lighttpd.conf.in, not only cvapi-vehicle), found
#            as whatever listens on URL's loopback port plus its descendants,
#            or PROJECT_PIDS (roots; descendants follow)
#   peer     the shared harness' peer/server.js (Fastify + better-sqlite3):
#            cluster primary and its workers, loaded with the same body, token
#            and filler as read.sh loads it
# Each target: PSS idle, then wrk -t2 -c50 -d SECONDS (default 5; pinned as
# read.sh pins it) with PSS sampled every 0.5 s; the table shows idle, the
# peak under load, the process count and req/s. PSS splits shared pages
# (libraries, the Berkeley DB regions) among the processes mapping them, so
# the sums add up to what the server really occupies.
# The last line is:
#   pss: project P MB, peer Q MB, project/peer X.XX (peak under load)
#
# With BARE_URL and BARE_PIDS set, a bare FastCGI responder is measured too
# (bench/status.sh does it). Also shown: the server's CPU time per request.
#
# Environment: HARNESS (the shared read benchmark folder, installed; default
# /tmp/cvapi-sbench, copied from ../shared/bench and installed when missing),
# PROJECT_PIDS, PEER_WORKERS [2], PEER_VEHICLES [10000], WRK_CPUS (as read.sh),
# THREADS [2], CONNS [50], LABEL (a name for the project row).
set -euo pipefail
PROG=pss.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -ge 2 && $# -le 3 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
URL=$1 TOKEN=$2 SECS=${3:-5}

cvb_setup nobuild
harness_ready

THREADS=${THREADS:-2} CONNS=${CONNS:-50} PEER_WORKERS=${PEER_WORKERS:-2} PEER_VEHICLES=${PEER_VEHICLES:-10000}
if [[ -z ${WRK_CPUS+set} ]]; then
  if [[ $(nproc) -eq 2 ]]; then WRK_CPUS=1; else WRK_CPUS=; fi
fi
WRK=(wrk); [[ -z $WRK_CPUS ]] || WRK=(taskset -c "$WRK_CPUS" wrk)

[[ $URL =~ ^http://127\.0\.0\.1:([0-9]+)(/[^?]*) ]] || cvb_die "URL must be http://127.0.0.1:PORT/..."
PPORT_PROJECT=${BASH_REMATCH[1]} PATH_ENC=${BASH_REMATCH[2]}
[[ $PATH_ENC =~ /vehicles/([^/]+)/status$ ]] || cvb_die "URL must end in /vehicles/{id}/status"
VID=${BASH_REMATCH[1]}
ROOTS=${PROJECT_PIDS:-$(ss -ltnpH "sport = :$PPORT_PROJECT" 2>/dev/null | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u | tr '\n' ' ')}
[[ -n ${ROOTS// /} ]] || cvb_die "cannot find the processes listening on port $PPORT_PROJECT (set PROJECT_PIDS)"

code=$(curl -sS -o "$WORK/body" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL")
[[ $code == 200 ]] || cvb_die "$URL answered $code"

# the peer, as read.sh starts it
node "$HARNESS/peer/server.js" --port 0 --workers "$PEER_WORKERS" --db "$WORK/peer.sqlite" \
  --token "$TOKEN" --status-file "$WORK/body" --id "$VID" --vehicles "$PEER_VEHICLES" >"$WORK/peer.out" 2>&1 &
PEER_PID=$!
CVB_PIDS+=("$PEER_PID")
PP=
for _ in $(seq 600); do
  PP=$(sed -n 's/^PEER_READY port=\([0-9]*\).*/\1/p' "$WORK/peer.out")
  [[ -n $PP ]] && break
  kill -0 "$PEER_PID" 2>/dev/null || break
  sleep 0.1
done
[[ -n $PP ]] || cvb_die "peer did not start: $(cat "$WORK/peer.out")"
PEER_URL="http://127.0.0.1:$PP$PATH_ENC"
curl -sS -o "$WORK/check" -H "Authorization: Bearer $TOKEN" "$PEER_URL"
cmp -s "$WORK/body" "$WORK/check" || cvb_die "the peer does not serve the project's bytes"

ticks() { cvb_ticks "$@"; }
HZ=$CVB_HZ

# measure NAME URL ROOTS: sets IDLE PEAK NPROC RPS CPU_US (server CPU time per request)
measure() {
  local name=$1 url=$2 roots=$3 wpid p t0 t1 reqs
  # a short warm-up so both have served requests (caches, JIT, lazily mapped pages)
  "${WRK[@]}" -t"$THREADS" -c"$CONNS" -d2s -H "Authorization: Bearer $TOKEN" "$url" >/dev/null 2>&1 || true
  sleep 0.5
  IDLE=$(cvb_pss $roots)
  PEAK=0
  t0=$(ticks $roots)
  "${WRK[@]}" -t"$THREADS" -c"$CONNS" -d"${SECS}s" -H "Authorization: Bearer $TOKEN" "$url" >"$WORK/wrk.$name" 2>&1 &
  wpid=$!
  while kill -0 "$wpid" 2>/dev/null; do
    sleep 0.5
    p=$(cvb_pss $roots)
    ((p > PEAK)) && PEAK=$p
  done
  wait "$wpid" || cvb_die "wrk failed on $url: $(cat "$WORK/wrk.$name")"
  t1=$(ticks $roots)
  NPROC=$(cvb_nprocs $roots)
  RPS=$(awk '/^Requests\/sec/{printf "%.0f", $2}' "$WORK/wrk.$name")
  reqs=$(awk '/ requests in /{print $1}' "$WORK/wrk.$name")
  CPU_US=$(awk -v t=$((t1 - t0)) -v hz="$HZ" -v q="${reqs:-0}" 'BEGIN{ if (q > 0) printf "%.1f", t / hz * 1e6 / q; else print "-" }')
  grep -q 'Non-2xx' "$WORK/wrk.$name" && cvb_die "$name answered non-2xx under load: $(cat "$WORK/wrk.$name")"
  return 0
}

echo "memory under load: wrk -t$THREADS -c$CONNS -d${SECS}s per target$( [[ -n $WRK_CPUS ]] && echo ", wrk pinned to CPU $WRK_CPUS"); PSS from /proc/PID/smaps_rollup"
row() { printf '%-10s %6s %12.1f %12.1f %9s %12s\n' "$1" "$NPROC" "$(awk -v k="$IDLE" 'BEGIN{print k/1024}')" \
  "$(awk -v k="$PEAK" 'BEGIN{print k/1024}')" "$RPS" "$CPU_US"; }
printf '%-10s %6s %12s %12s %9s %12s\n' target procs idle_PSS_MB peak_PSS_MB req/s cpu_us/req
measure project "$URL" "$ROOTS"
P_PEAK=$PEAK P_CPU=$CPU_US
row "${LABEL:-project}"
if [[ -n ${BARE_URL:-} ]]; then
  measure bare "$BARE_URL" "${BARE_PIDS:?BARE_PIDS must name the bare server processes}"
  B_PEAK=$PEAK B_CPU=$CPU_US
  row bare
fi
measure peer "$PEER_URL" "$PEER_PID"
Q_PEAK=$PEAK Q_CPU=$CPU_US
row peer
echo "(cpu_us/req: CPU time of all the server's processes during the loaded run, per request served; wrk's own time excluded)"
[[ -z ${BARE_URL:-} ]] || echo "pss-bare: bare $(awk -v k="$B_PEAK" 'BEGIN{printf "%.1f", k/1024}') MB, cpu_us/req project $P_CPU, bare $B_CPU, peer $Q_CPU"
echo "pss: project $(awk -v k="$P_PEAK" 'BEGIN{printf "%.1f", k/1024}') MB, peer $(awk -v k="$Q_PEAK" 'BEGIN{printf "%.1f", k/1024}') MB, project/peer $(awk -v a="$P_PEAK" -v b="$Q_PEAK" 'BEGIN{printf "%.2f", a/b}') (peak under load)"
