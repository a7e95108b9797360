#!/usr/bin/env bash
# hop.sh [SECONDS]
#
# A small read and its FastCGI hop, behind lighttpd and Apache, side by side
# with the bare responder and the Node peer, in one run:
#   GET /connectedcar/v4/user/vehicles/{id}/status with a bearer token
#   L-cvapi  lighttpd (etc/lighttpd.conf.in) + cvapi's programs + Berkeley DB
#   L-bare   the same lighttpd, every program replaced by bench/bare-fcgi
#            (the same bytes from memory, no work: the hop alone)
#   A-cvapi  Apache (etc/apache2.conf.in, mod_proxy_fcgi) + cgi/cvapi-spawn +
#            cvapi's programs, as the tests and the Debian package run them
#   A-bare   the same Apache, bare-fcgi under cvapi-spawn
#   peer     the shared harness' Node.js peer (Fastify + better-sqlite3, the
#            same token and vehicle lookups, 2 workers)
# With BEFORE=an earlier cvapi tree, built in place (its cgi/*.fcgi and its
# etc/ templates), also, as that version ran:
#   L-old, A-old   its programs behind lighttpd and Apache from its templates
#   L-wait, A-wait the bare responder behind the same, ending each
#                  connection as libfcgi does (shut down, then wait for the
#                  web server to close), as cvapi's programs did before they
#                  closed at once
# All in interleaved rounds (bench/side.sh); then the shared read.sh (the
# project's own figure: project, static, peer) with cvapi behind lighttpd,
# and again behind Apache. Rate limits are off (CVAPI_RATE_*=off), as in
# the read benchmark's figures; PROCS processes per program everywhere.
#
# Steps: compile bench/bare-fcgi.c and bench/upload-gen.c; a fresh store,
# uploads, token and status as bench/status.sh makes them
# (cvb_status_fixture); the servers; side.sh; read.sh twice; a summary.
#
# Arguments and environment (defaults in brackets):
#   SECONDS     wrk duration of each run [5]
#   CVAPI_BUILD the build folder [the source tree]
#   BEFORE      an earlier build folder to compare with [none]
#   PROCS       processes per program [2, make run's]
#   READ        0 skips the two read.sh runs [1]
#   ROUNDS [3] WARMUP [2] RETRIES [2] WRK_CPUS THREADS CONNS: passed to side.sh and read.sh
#   HARNESS     the installed shared read benchmark [/tmp/cvapi-sbench]
#   KEEP_WORK=1 keep the temporary folder
# Needs apache2 (apt-get install apache2). Exit status: 0, 1 on failure,
# 3 when a run was INVALID (non-2xx replies or socket errors).
set -euo pipefail
PROG=hop.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-5}
PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-3600}
cvb_setup
harness_ready
cvb_build_tools
export ROUNDS=${ROUNDS:-3} WARMUP=${WARMUP:-2} RETRIES=${RETRIES:-2}
export CVAPI_RATE_CLIENT=off CVAPI_RATE_TOKEN=off CVAPI_RATE_VEHICLE=off CVAPI_RATE_USER=off CVAPI_RATE_GRANT=off
if [[ -n ${BEFORE:-} ]]; then
  BEFORE=$(cd "$BEFORE" && pwd) || cvb_die "no build folder $BEFORE"
  [[ -x $BEFORE/cgi/cvapi-vehicle.fcgi && -f $BEFORE/etc/apache2.conf.in ]] \
    || cvb_die "$BEFORE is no built cvapi tree (cgi/cvapi-vehicle.fcgi, etc/apache2.conf.in)"
fi

echo "hop.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine), $(apache2 -v 2>/dev/null | sed -n 's/^Server version: //p')"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR${BEFORE:+, before: $BEFORE ($(git -C "$BEFORE" describe --always --dirty 2>/dev/null || echo '?'))}"

# ---------------------------------------------------------------- the servers
declare -A URL PIDSOF
# serve KEY lighttpd|apache NAME FCGIDIR HOME: a server on a free port, as KEY
serve() {
  local key=$1 kind=$2 p
  p=$(cvb_free_port)
  if [[ $kind == lighttpd ]]; then
    cvb_lighttpd "$3" "$p" "$4" "$5" "$PROCS"
    PIDSOF[$key]=$LT_PID
  else
    cvb_apache "$3" "$p" "$4" "$5" "$PROCS"
    PIDSOF[$key]=$AP_PIDS
  fi
  URL[$key]=http://127.0.0.1:$p$SPATH
}
LPORT=$(cvb_free_port)
cvb_status_fixture "$LPORT" "$PROCS"
URL[L-cvapi]=http://127.0.0.1:$LPORT$SPATH PIDSOF[L-cvapi]=$LT_PID
serve L-bare lighttpd bare "$WORK/bare-fcgi" "$WORK/bare-home"
serve A-cvapi apache apache "$BUILDDIR/cgi" "$HOME_DB"
serve A-bare apache apache-bare "$WORK/bare-fcgi" "$WORK/bare-home"
ORDER=(L-cvapi L-bare A-cvapi A-bare)
if [[ -n ${BEFORE:-} ]]; then
  mkdir -p "$WORK/bare-wait"
  cp "$WORK/bare-home/bare-body" "$WORK/bare-home/bare-ctype" "$WORK/bare-wait/"
  echo wait >"$WORK/bare-wait/bare-close"
  export CVB_ETC=$BEFORE/etc
  serve L-old lighttpd old "$BEFORE/cgi" "$HOME_DB"
  serve L-wait lighttpd wait "$WORK/bare-fcgi" "$WORK/bare-wait"
  serve A-old apache apache-old "$BEFORE/cgi" "$HOME_DB"
  serve A-wait apache apache-wait "$WORK/bare-fcgi" "$WORK/bare-wait"
  unset CVB_ETC
  ORDER=(L-cvapi L-old L-bare L-wait A-cvapi A-old A-bare A-wait)
fi

# ---------------------------------------------------------------- side by side
INVALID=0
args=()
for n in "${ORDER[@]}"; do args+=("$n" "${URL[$n]}" "${PIDSOF[$n]}"); done
echo
echo "---- side.sh: ${ORDER[*]} peer, PROCS=$PROCS, interleaved rounds"
rc=0
PEER_STATUS_FILE=$WORK/status.json PEER_ID=$VID HARNESS=$HARNESS "$SRCDIR/bench/side.sh" "$TOKEN" "$SECS" "${args[@]}" 2>&1 \
  | tee "$WORK/side.out" || rc=${PIPESTATUS[0]}
[[ $rc -eq 0 ]] || { [[ $rc -eq 3 ]] && INVALID=1 || cvb_die "side.sh failed ($rc)"; }
declare -A R P99
while read -r n r q; do R[$n]=$r P99[$n]=$q; done < <(sed -n 's/^side: //p' "$WORK/side.out" | tr ',' '\n' \
  | sed -n 's/^ *\([^ ]*\) \([0-9]*\) req\/s p99 \([0-9.]*\) ms.*/\1 \2 \3/p')

# ---------------------------------------------------------------- the read benchmark, as the project's figure
declare -A RD
if [[ ${READ:-1} != 0 ]]; then
  for n in L-cvapi A-cvapi; do
    echo
    echo "---- read.sh, \"project\" = $n (${URL[$n]}), PROCS=$PROCS"
    rc=0
    PROJECT_PIDS=${PIDSOF[$n]} "$HARNESS/read.sh" "${URL[$n]}" "$TOKEN" "$SECS" 2>&1 | tee "$WORK/read.$n" || rc=${PIPESTATUS[0]}
    [[ $rc -eq 0 ]] || { [[ $rc -eq 3 ]] && INVALID=1 || cvb_die "read.sh failed ($rc) for $n"; }
    RD[$n]=$(sed -n 's/^read: //p' "$WORK/read.$n")
  done
fi

# ---------------------------------------------------------------- summary
r() { awk -v a="${1:-}" -v b="${2:-}" 'BEGIN{ if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a/b }'; }
echo
echo "==== summary: status read, $(stat -c %s "$WORK/status.json") bytes; wrk -t${THREADS:-2} -c${CONNS:-50} -d${SECS}s, $ROUNDS rounds, medians; PROCS=$PROCS; $(cvb_machine)"
printf '%-8s %9s %8s\n' target req/s p99_ms
for n in "${ORDER[@]}" peer; do printf '%-8s %9s %8s\n' "$n" "${R[$n]:--}" "${P99[$n]:--}"; done
line="hop: lighttpd: cvapi/peer $(r "${R[L-cvapi]:-}" "${R[peer]:-}"), cvapi/bare $(r "${R[L-cvapi]:-}" "${R[L-bare]:-}"), bare/peer $(r "${R[L-bare]:-}" "${R[peer]:-}");"
line+=" Apache: cvapi/lighttpd $(r "${R[A-cvapi]:-}" "${R[L-cvapi]:-}"), cvapi/bare $(r "${R[A-cvapi]:-}" "${R[A-bare]:-}"), bare/lighttpd's bare $(r "${R[A-bare]:-}" "${R[L-bare]:-}")"
if [[ -n ${BEFORE:-} ]]; then
  line+="; now/before: lighttpd $(r "${R[L-cvapi]:-}" "${R[L-old]:-}") (bare $(r "${R[L-bare]:-}" "${R[L-wait]:-}")), Apache $(r "${R[A-cvapi]:-}" "${R[A-old]:-}") (bare $(r "${R[A-bare]:-}" "${R[A-wait]:-}"))"
fi
echo "$line"
for n in L-cvapi A-cvapi; do [[ -z ${RD[$n]:-} ]] || echo "read.sh with $n: ${RD[$n]}"; done
if [[ $INVALID -ne 0 ]]; then
  echo "hop: INVALID: a run had non-2xx replies or socket errors"
  exit 3
fi
