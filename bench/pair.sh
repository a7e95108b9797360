#!/usr/bin/env bash
# pair.sh URL_A URL_B TOKEN [SECONDS]
#
# Two servers of the same resource in interleaved rounds (A B, A B, ...), with
# the shared read benchmark's own machinery (its lib.sh: wrk runs pinned as
# read.sh pins them, latency.lua, the "other" CPU accounting and reruns,
# medians), so that a drift of the machine hits both alike. bench/status.sh
# uses it for cvapi against the bare FastCGI responder behind the same
# lighttpd configuration; read.sh itself takes one "project" per run.
#
# Environment: ROOTS_A, ROOTS_B (required: the pids of each server's root
# process; their descendants are counted with them), NAME_A [project],
# NAME_B [bare], HARNESS [/tmp/cvapi-sbench, installed], and lib.sh's knobs:
# ROUNDS [3] THREADS [2] CONNS [50] WARMUP [2] RETRIES [2] WRK_CPUS.
# The last line is:
#   pair: A R1 req/s p99 P1 ms, B R2 req/s p99 P2 ms, A/B X.XX
# or "pair: INVALID ..." (exit 3) when a run had non-2xx replies or socket errors.
set -euo pipefail
[[ $# -ge 3 && $# -le 4 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
HERE=${HARNESS:-/tmp/cvapi-sbench}
[[ -f $HERE/lib.sh ]] || { echo "pair.sh: no $HERE/lib.sh (set HARNESS to the installed shared read benchmark)" >&2; exit 1; }
PROG=pair.sh
# shellcheck source=/dev/null
. "$HERE/lib.sh"
URL_A=$1 URL_B=$2 TOKEN=$3 DURATION=${4:-5}
[[ $DURATION =~ ^[0-9]+$ && $DURATION -ge 1 ]] || die "SECONDS must be a positive integer"
bench_setup
NAMES=("${NAME_A:-project}" "${NAME_B:-bare}")
URLS=("$URL_A" "$URL_B")
ROOTS=("${ROOTS_A:?ROOTS_A must name the first server}" "${ROOTS_B:?ROOTS_B must name the second server}")
PROJECT_ROOTS=${ROOTS[0]}
for u in "${URLS[@]}"; do wait_200 "$u" || die "$u does not answer 200"; done

echo "pair benchmark: $(wrk_desc)"
echo "  ${NAMES[0]}  $URL_A"
echo "  ${NAMES[1]}  $URL_B"
bench_busy_before
UNIT=req/s SHOW_MB=0
bench_rounds
bench_medians
X=$(ratio "${MED[0]}" "${MED[1]}")
PA=$(printf "%.2f" "$(ms "$(median "${P99[0]}")")") PB=$(printf "%.2f" "$(ms "$(median "${P99[1]}")")")
echo
echo "${NAMES[0]}/${NAMES[1]} $X"
bench_notes
if [[ $BAD -ne 0 ]]; then
  echo "pair: INVALID: some runs had non-2xx replies or socket errors (see errors column)"
  exit 3
fi
printf 'pair: %s %.0f req/s p99 %s ms, %s %.0f req/s p99 %s ms, %s/%s %s\n' "${NAMES[0]}" "${MED[0]}" "$PA" \
  "${NAMES[1]}" "${MED[1]}" "$PB" "${NAMES[0]}" "${NAMES[1]}" "$X"
