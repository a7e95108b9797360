#!/usr/bin/env bash
# side.sh TOKEN SECONDS NAME URL PIDS [NAME URL PIDS]...
#
# Several servers of the same resource in interleaved rounds (A B C ...,
# A B C ...), with the shared read benchmark's own machinery (its lib.sh:
# wrk runs pinned as read.sh pins them, latency.lua, the "other" CPU
# accounting and reruns, medians), so that a drift of the machine hits all
# alike. bench/pair.sh does the same for two; bench/hop.sh uses this one
# for cvapi and the bare responder behind lighttpd and Apache, and the
# peer. PIDS: the server's root processes, space-separated (their
# descendants count with them).
#
# With PEER_STATUS_FILE (the bytes to serve) and PEER_ID (the vehicle id),
# the shared harness' Node peer (Fastify + better-sqlite3, PEER_WORKERS
# workers, the same token and vehicle lookups) is started here and joins
# the rounds as "peer", at the same path as the first URL.
#
# Environment: HARNESS [/tmp/cvapi-sbench, installed], and lib.sh's knobs:
# ROUNDS [3] THREADS [2] CONNS [50] WARMUP [2] RETRIES [2] WRK_CPUS
# PEER_WORKERS [2] PEER_VEHICLES [10000].
# The last line is:
#   side: NAME1 R1 req/s p99 P1 ms, NAME2 R2 req/s p99 P2 ms, ...
# followed by "side: INVALID ..." (exit 3) when a run had non-2xx replies or
# socket errors.
set -euo pipefail
[[ $# -ge 5 && $((($# - 2) % 3)) -eq 0 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
HERE=${HARNESS:-/tmp/cvapi-sbench}
[[ -f $HERE/lib.sh ]] || { echo "side.sh: no $HERE/lib.sh (set HARNESS to the installed shared read benchmark)" >&2; exit 1; }
PROG=side.sh
# shellcheck source=/dev/null
. "$HERE/lib.sh"
TOKEN=$1 DURATION=$2
shift 2
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "SECONDS must be a positive integer"
PEER_VEHICLES=${PEER_VEHICLES:-10000}
bench_setup
NAMES=() URLS=() ROOTS=()
while [[ $# -gt 0 ]]; do
  NAMES+=("$1") URLS+=("$2") ROOTS+=("$3")
  shift 3
done
if [[ -n ${PEER_STATUS_FILE:-} ]]; then
  [[ -n ${PEER_ID:-} ]] || die "PEER_ID must name the vehicle"
  split_url "${URLS[0]}"
  start_peer "$TMP/peer.out" --db "$TMP/peer.sqlite" \
    --token "$TOKEN" --status-file "$PEER_STATUS_FILE" --id "$PEER_ID" --vehicles "$PEER_VEHICLES"
  NAMES+=(peer) URLS+=("http://127.0.0.1:$PPORT$PATH_ENC$QUERY") ROOTS+=("${PIDS[-1]}")
fi
PROJECT_ROOTS=${ROOTS[0]}
for u in "${URLS[@]}"; do wait_200 "$u" || die "$u does not answer 200"; done
# the same answer everywhere (its links name each server's own port: sizes within 4 bytes)
size0=$(curl -sS -H "Authorization: Bearer $TOKEN" "${URLS[0]}" | wc -c)
for ((i = 1; i < ${#URLS[@]}; i++)); do
  size=$(curl -sS -H "Authorization: Bearer $TOKEN" "${URLS[$i]}" | wc -c)
  ((size - size0 <= 4 && size0 - size <= 4)) || die "${NAMES[$i]} answers $size bytes, ${NAMES[0]} $size0"
done

echo "side by side: $(wrk_desc)"
for ((i = 0; i < ${#URLS[@]}; i++)); do printf '  %-8s %s\n' "${NAMES[$i]}" "${URLS[$i]}"; done
[[ -z ${PEER_STATUS_FILE:-} ]] || echo "  (peer: $(peer_version), $PEER_WORKERS workers)"
bench_busy_before
UNIT=req/s SHOW_MB=0
bench_rounds
bench_medians
echo
bench_notes
line=
for ((i = 0; i < ${#NAMES[@]}; i++)); do
  line+=$(printf '%s %.0f req/s p99 %.2f ms, ' "${NAMES[$i]}" "${MED[$i]}" "$(ms "$(median "${P99[$i]}")")")
done
echo "side: ${line%, }"
if [[ $BAD -ne 0 ]]; then
  echo "side: INVALID: some runs had non-2xx replies or socket errors (see errors column)"
  exit 3
fi
