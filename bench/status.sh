#!/usr/bin/env bash
# status.sh [SECONDS]
#
# The status read of cvapi, side by side with its bounds and a peer, in one run:
#   GET /connectedcar/v4/user/vehicles/{id}/status with a bearer token
#   project  lighttpd (etc/lighttpd.conf.in) + cvapi-vehicle.fcgi + Berkeley DB
#   bare     the same lighttpd configuration, every program replaced by
#            bench/bare-fcgi (the same bytes from memory, no work): the limit
#            of this architecture
#   static   lighttpd sending the bytes from a file (no FastCGI hop)  } from the
#   peer     Fastify + better-sqlite3, token and vehicle lookups      } shared read.sh
#
# Steps: compile bench/bare-fcgi.c and bench/upload-gen.c; a fresh store in a
# temporary folder (cvctl init, demo); lighttpd from etc/lighttpd.conf.in;
# realistic uploads through the vehicle link (bench/upload-gen: 5 batches of
# 100 samples per demo vehicle, with events) so the status has every part;
# a token (cvctl token issue demo, all scopes); the status of the demo PHEV
# (fuel and battery) is fetched and checked for every part. Then, for each
# process count in PROCS_LIST (@PROCS@ of the template; the bare responder
# gets the same count): the project's lighttpd and a second lighttpd for
# bare-fcgi; bench/pair.sh (project and bare in interleaved rounds, with the
# shared harness' lib.sh: the project/bare figure); the shared read.sh twice,
# once with the project's URL and once with the bare URL (each run also
# measures static and peer again), in alternating order; and bench/pss.sh
# (memory and CPU per request under load, project, bare and peer). Last, a summary: req/s, the ratios project/bare, project/static,
# project/peer, and p99, per process count. Then the rate limits on against
# off (pair.sh, the first process count), and its line "limits: ...".
#
# project/bare is given two ways: the ratio of the two runs' medians, and
# "normalised": (project/static) / (bare/static), each over the static server
# of its own run, which cancels a drift of the machine between the two runs.
#
# Arguments and environment (defaults in brackets):
#   SECONDS     wrk duration of each run [5]
#   CVAPI_BUILD the build folder [the source tree]
#   PROCS_LIST  process counts to try ["2 3 4"]
#   ROUNDS [3] WARMUP [2] RETRIES [2] WRK_CPUS THREADS CONNS: passed to read.sh
#   PSS_SECONDS wrk duration of the memory runs [5; 0 = skip them]
#   HARNESS     the installed shared read benchmark [/tmp/cvapi-sbench]
#   LIMITS      0 skips the rate limits' run (on against off) [1]
#   KEEP_WORK=1 keep the temporary folder
# Exit status: 0, 1 on failure, 3 when a read.sh run was INVALID.
set -euo pipefail
PROG=status.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-5}
PROCS_LIST=${PROCS_LIST:-2 3 4}
PSS_SECONDS=${PSS_SECONDS:-5}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-3600}
cvb_setup
harness_ready
cvb_build_tools
export ROUNDS=${ROUNDS:-3} WARMUP=${WARMUP:-2} RETRIES=${RETRIES:-2}

echo "status.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

# ---------------------------------------------------------------- store, uploads, token, the bare responder
PORT=$(cvb_free_port)
BPORT=$(cvb_free_port)
[[ $PORT != "$BPORT" ]] || BPORT=$(cvb_free_port)
first=${PROCS_LIST%% *}
cvb_status_fixture "$PORT" "$first"
PROJECT_LT=$LT_PID

# ---------------------------------------------------------------- the runs
URL="http://127.0.0.1:$PORT$SPATH"
BURL="http://127.0.0.1:$BPORT$SPATH"
INVALID=0
declare -A RES
# readrun NAME URL PIDS LOG: read.sh, output shown and kept; RES[NAME,*] from its medians
readrun() {
  local name=$1 url=$2 pids=$3 log=$4 rc=0
  echo
  echo "---- read.sh, \"project\" = $name ($url), PROCS=$P"
  PROJECT_PIDS=$pids "$HARNESS/read.sh" "$url" "$TOKEN" "$SECS" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  if [[ $rc -ne 0 && $rc -ne 3 ]]; then
    # a run that served nothing makes read.sh fail: say what the server logged, and try once more
    echo "status.sh: read.sh failed ($rc) for $name; the server's error log ends with:"
    tail -5 "$WORK/$name/error.log" 2>/dev/null | sed 's/^/  /'
    echo "status.sh: running it again"
    rc=0
    PROJECT_PIDS=$pids "$HARNESS/read.sh" "$url" "$TOKEN" "$SECS" 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
  fi
  [[ $rc -eq 0 ]] || { [[ $rc -eq 3 ]] && INVALID=1 || cvb_die "read.sh failed ($rc) for $name"; }
  # the medians table: "target median req/s median p99 ms spread ..."
  RES[$P,$name]=$(awk '/^target +median/{m=1; next} m && $1=="project"{print $2; exit}' "$log")
  RES[$P,$name.p99]=$(awk '/^target +median/{m=1; next} m && $1=="project"{print $3; exit}' "$log")
  RES[$P,$name.static]=$(awk '/^target +median/{m=1; next} m && $1=="static"{print $2; exit}' "$log")
  RES[$P,$name.peer]=$(awk '/^target +median/{m=1; next} m && $1=="peer"{print $2; exit}' "$log")
  RES[$P,$name.peerp99]=$(awk '/^target +median/{m=1; next} m && $1=="peer"{print $3; exit}' "$log")
  RES[$P,$name.other]=$(awk '$1 ~ /^[0-9]+$/ && $2=="project"{gsub("%","",$7); if ($7+0 > mx) mx=$7+0} END{print mx+0}' "$log")
}

n=0
for P in $PROCS_LIST; do
  if ((n > 0)); then
    cvb_stop "$PROJECT_LT"
    cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$P"
    PROJECT_LT=$LT_PID
  fi
  cvb_lighttpd bare "$BPORT" "$WORK/bare-fcgi" "$WORK/bare-home" "$P"
  BARE_LT=$LT_PID
  cmp -s "$WORK/status.json" <(curl -sS -H "Authorization: Bearer $TOKEN" "$BURL") || cvb_die "bare-fcgi does not serve the project's bytes"
  echo
  echo "==== PROCS=$P: project lighttpd pid $PROJECT_LT ($(cvb_nprocs "$PROJECT_LT") processes), bare lighttpd pid $BARE_LT ($(cvb_nprocs "$BARE_LT") processes); load average $(cut -d' ' -f1 /proc/loadavg)"
  echo
  echo "---- pair.sh: project and bare in interleaved rounds, PROCS=$P"
  rc=0
  ROOTS_A=$PROJECT_LT ROOTS_B=$BARE_LT HARNESS=$HARNESS "$SRCDIR/bench/pair.sh" "$URL" "$BURL" "$TOKEN" "$SECS" 2>&1 \
    | tee "$WORK/pair.$P" || rc=${PIPESTATUS[0]}
  [[ $rc -eq 0 ]] || { [[ $rc -eq 3 ]] && INVALID=1 || echo "status.sh: pair.sh failed ($rc)"; }
  read -r RES[$P,pp] RES[$P,pp99] RES[$P,pb] RES[$P,pb99] < <(sed -n \
    's/^pair: project \([0-9]*\) req\/s p99 \([0-9.]*\) ms, bare \([0-9]*\) req\/s p99 \([0-9.]*\) ms.*/\1 \2 \3 \4/p' "$WORK/pair.$P") || true
  RES[$P,pother]=$(awk '$1 ~ /^[0-9]+$/ && ($2=="project" || $2=="bare"){gsub("%","",$7); if ($7+0 > mx) mx=$7+0} END{print mx+0}' "$WORK/pair.$P")
  if ((n % 2 == 0)); then
    readrun project "$URL" "$PROJECT_LT" "$WORK/read.project.$P"
    readrun bare "$BURL" "$BARE_LT" "$WORK/read.bare.$P"
  else
    readrun bare "$BURL" "$BARE_LT" "$WORK/read.bare.$P"
    readrun project "$URL" "$PROJECT_LT" "$WORK/read.project.$P"
  fi
  if [[ $PSS_SECONDS -gt 0 ]]; then
    echo
    echo "---- pss.sh, PROCS=$P"
    PROJECT_PIDS=$PROJECT_LT LABEL="cvapi" BARE_URL=$BURL BARE_PIDS=$BARE_LT \
      "$SRCDIR/bench/pss.sh" "$URL" "$TOKEN" "$PSS_SECONDS" 2>&1 | tee "$WORK/pss.$P"
    RES[$P,pss]=$(sed -n 's/^pss: project \([0-9.]*\) MB, peer \([0-9.]*\) MB.*/\1 \2/p' "$WORK/pss.$P")
    RES[$P,cpu]=$(sed -n 's/^pss-bare: bare \([0-9.]*\) MB, cpu_us\/req project \([0-9.-]*\), bare \([0-9.-]*\), peer \([0-9.-]*\).*/\2 \3 \4 \1/p' "$WORK/pss.$P")
  fi
  cvb_stop "$BARE_LT"
  n=$((n + 1))
done

# ---------------------------------------------------------------- rate limits: on against off
# The same project twice, in interleaved rounds (pair.sh): with the rate
# limits on (every request counted against the client's and the grant's
# budgets in the shared table; the bench's client is given budgets it never
# reaches, as in the runs above, so nothing is refused) and off (CVAPI_RATE_*=off: nothing
# counted). LIMITS=0 skips it.
LIM_LINE=
if [[ ${LIMITS:-1} != 0 ]]; then
  P=${PROCS_LIST%% *}
  cvb_stop "$PROJECT_LT"
  cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$P"
  PROJECT_LT=$LT_PID
  CVAPI_RATE_CLIENT=off CVAPI_RATE_TOKEN=off CVAPI_RATE_VEHICLE=off CVAPI_RATE_USER=off CVAPI_RATE_GRANT=off cvb_lighttpd limitsoff "$BPORT" "$BUILDDIR/cgi" "$HOME_DB" "$P"
  OFF_LT=$LT_PID
  curl -sS -D "$WORK/on.headers" -o /dev/null -H "Authorization: Bearer $TOKEN" "$URL"
  curl -sS -D "$WORK/off.headers" -o /dev/null -H "Authorization: Bearer $TOKEN" "$BURL"
  grep -qi '^x-ratelimit-limit-2: 4000000000' "$WORK/on.headers" || cvb_die "limits on: no X-RateLimit header"
  ! grep -qi '^x-ratelimit' "$WORK/off.headers" || cvb_die "limits off: an X-RateLimit header"
  echo
  echo "==== rate limits on ($URL) and off ($BURL), PROCS=$P, interleaved rounds"
  rc=0
  NAME_A=limits-on NAME_B=limits-off ROOTS_A=$PROJECT_LT ROOTS_B=$OFF_LT HARNESS=$HARNESS \
    "$SRCDIR/bench/pair.sh" "$URL" "$BURL" "$TOKEN" "$SECS" 2>&1 | tee "$WORK/pair.limits" || rc=${PIPESTATUS[0]}
  [[ $rc -eq 0 ]] || { [[ $rc -eq 3 ]] && INVALID=1 || echo "status.sh: pair.sh failed ($rc)"; }
  LIM_LINE=$(sed -n 's/^pair: limits-on \([0-9]*\) req\/s p99 \([0-9.]*\) ms, limits-off \([0-9]*\) req\/s p99 \([0-9.]*\) ms.*/limits: on \1 req\/s p99 \2 ms, off \3 req\/s p99 \4 ms/p' "$WORK/pair.limits")
  if [[ -n $LIM_LINE ]]; then
    read -r lon loff < <(sed -n 's/^pair: limits-on \([0-9]*\) req.*limits-off \([0-9]*\) req.*/\1 \2/p' "$WORK/pair.limits")
    LIM_LINE="$LIM_LINE; on/off $(awk -v a="$lon" -v b="$loff" 'BEGIN{printf "%.3f (cost %.1f%%)", a/b, (1 - a/b) * 100}')"
  fi
  cvb_stop "$OFF_LT"
fi

# ---------------------------------------------------------------- summary
r() { awk -v a="$1" -v b="$2" 'BEGIN{ if (a == "" || b == "" || b == 0) print "-"; else printf "%.2f", a/b }'; }
echo
echo "==== summary: status read, $(stat -c %s "$WORK/status.json") bytes; wrk -t${THREADS:-2} -c${CONNS:-50} -d${SECS}s, $ROUNDS rounds, medians; $(cvb_machine)"
echo "project and bare: pair.sh (interleaved rounds); static, peer: the project's read.sh run (its own rounds)"
printf '%-6s %8s %8s %9s %7s %8s | %8s %8s %9s %9s %8s | %8s %8s | %7s %7s | %7s %7s %7s\n' PROCS project bare proj/bare p99_ms bare_p99 \
  static peer proj/stat proj/peer rs_p/b other% rs_p99 pss_MB peer_MB us/req bare_us peer_us
best= bestv=0
for P in $PROCS_LIST; do
  pp=${RES[$P,pp]:-} pb=${RES[$P,pb]:-}
  rp=${RES[$P,project]:-} rb=${RES[$P,bare]:-}
  st=${RES[$P,project.static]:-} pe=${RES[$P,project.peer]:-}
  read -r mp mq <<<"${RES[$P,pss]:-- -}"
  read -r cu bu qu bm <<<"${RES[$P,cpu]:-- - - -}"
  oth=$(printf '%s\n' "${RES[$P,pother]:-0}" "${RES[$P,project.other]:-0}" "${RES[$P,bare.other]:-0}" | sort -n | tail -1)
  printf '%-6s %8.0f %8.0f %9s %7s %8s | %8.0f %8.0f %9s %9s %8s | %8s %8s | %7s %7s | %7s %7s %7s\n' "$P" "${pp:-0}" "${pb:-0}" \
    "$(r "$pp" "$pb")" "${RES[$P,pp99]:--}" "${RES[$P,pb99]:--}" "${st:-0}" "${pe:-0}" "$(r "$rp" "$st")" "$(r "$rp" "$pe")" \
    "$(r "$rp" "$rb")" "$oth" "${RES[$P,project.p99]:--}" "$mp" "$mq" "$cu" "$bu" "$qu"
  if awk -v a="${pp:-0}" -v b="$bestv" 'BEGIN{exit !(a > b)}'; then best=$P bestv=$pp; fi
done
echo "(proj/stat, proj/peer: medians of the project's read.sh run; rs_p/b: project/bare from the two read.sh runs (not"
echo " interleaved: drift between them counts), rs_p99: the project's p99 in its read.sh run; other%: the highest 'other' CPU"
echo " share of any project or bare run (over 10% = disturbed); pss_MB, peer_MB: summed PSS at the peak of a loaded run"
echo " (pss.sh); us/req, bare_us, peer_us: the servers' CPU time per request in those runs, all their processes, lighttpd"
echo " included for cvapi and bare)"
if [[ -n $best ]]; then
  echo "status: best PROCS=$best: project $(printf '%.0f' "${RES[$best,pp]}") req/s, bare $(printf '%.0f' "${RES[$best,pb]}") req/s," \
    "project/bare $(r "${RES[$best,pp]}" "${RES[$best,pb]}"), p99 ${RES[$best,pp99]} ms (bare ${RES[$best,pb99]} ms);" \
    "project/static $(r "${RES[$best,project]}" "${RES[$best,project.static]}"), project/peer $(r "${RES[$best,project]}" "${RES[$best,project.peer]}");" \
    "PSS $(cut -d' ' -f1 <<<"${RES[$best,pss]:--}") MB against the peer's $(cut -d' ' -f2 <<<"${RES[$best,pss]:-- -}") MB"
fi
[[ -z $LIM_LINE ]] || echo "$LIM_LINE"
if [[ $INVALID -ne 0 ]]; then
  echo "status: INVALID: a read.sh run had non-2xx replies or socket errors"
  exit 3
fi
