# shellcheck shell=bash disable=SC2034
# common.sh - what bench/status.sh, upload.sh and pss.sh share (sourced).
#
# The sourcing script sets PROG (its name, for messages) and calls
# cvb_setup; then:
#   SRCDIR     the cvapi source tree (the folder above bench/)
#   BUILDDIR   where cvapi was built: $CVAPI_BUILD, else the source tree
#              (an in-tree build); tools/cvctl and cgi/*.fcgi must be there
#   BENCHBIN   where the bench programs are compiled ($BUILDDIR/bench)
#   WORK       a private temporary folder, removed on exit
#   CVB_PIDS   processes started here: stopped (TERM, then KILL) on exit,
#              with every descendant they had
# Everything listens on 127.0.0.1 only, on ports asked from the kernel.

cvb_die() { echo "$PROG: $*" >&2; exit 1; }

cvb_setup() { # [nobuild]: no cvapi programs needed
  SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  BUILDDIR=${CVAPI_BUILD:-$SRCDIR}
  [[ -d $BUILDDIR ]] || cvb_die "no build folder $BUILDDIR (set CVAPI_BUILD)"
  BUILDDIR=$(cd "$BUILDDIR" && pwd)
  [[ ${1:-} == nobuild ]] || for f in tools/cvctl cgi/cvapi-vehicle.fcgi cgi/cvapi-ingest.fcgi cgi/cvapi-user.fcgi \
           cgi/cvapi-telemetry.fcgi cgi/cvapi-oauth2.fcgi; do
    [[ -x $BUILDDIR/$f ]] || cvb_die "$BUILDDIR/$f is missing: build cvapi first (CVAPI_BUILD=the build folder)"
  done
  BENCHBIN=$BUILDDIR/bench
  LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
  [[ -x $LIGHTTPD ]] || cvb_die "lighttpd is needed"
  command -v curl >/dev/null || cvb_die "curl is needed"
  WORK=$(mktemp -d "/tmp/cvapi-${PROG%.sh}.XXXXXX")
  CVB_PIDS=()
  trap cvb_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # a bound on the whole run: the script stops itself after CVB_MAX_SECONDS
  if [[ -n ${CVB_MAX_SECONDS:-} ]]; then
    # (its own output closed, and its sleep stopped with it, so that nothing of it outlives the run)
    ( trap 'kill "$sp" 2>/dev/null; exit 0' TERM
      sleep "$CVB_MAX_SECONDS" & sp=$!; wait "$sp"
      touch "$WORK/.timeout"; kill -TERM $$ ) </dev/null >/dev/null 2>&1 &
    CVB_WATCHDOG=$!
  fi
}

cvb_tree() { # PID... -> those and all their descendants
  ps -eo pid=,ppid= | awk -v roots="$*" '
    BEGIN { n = split(roots, r, " "); for (i = 1; i <= n; i++) keep[r[i]] = 1 }
    { kid[NR] = $1; par[NR] = $2 }
    END { do { grew = 0; for (i = 1; i <= NR; i++) if (!(kid[i] in keep) && (par[i] in keep)) { keep[kid[i]] = 1; grew = 1 } } while (grew)
          for (p in keep) print p }'
}

cvb_ticks() { # PID... -> utime+stime (clock ticks, CVB_HZ a second) of those and their descendants
  local t=0 p v
  for p in $(cvb_tree "$@"); do
    v=$(sed 's/.*) //' "/proc/$p/stat" 2>/dev/null | awk '{print $12 + $13}') || true
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
cvb_machine_ticks() { awk '/^cpu /{ print $2 + $3 + $4 + $7 + $8 }' /proc/stat; } # the whole machine's busy ticks
CVB_HZ=$(getconf CLK_TCK)

cvb_stop() { # PID...: TERM the processes and their descendants, KILL what is left after 2 s (idle cvapi backends do not exit on TERM)
  local all p i
  [[ $# -gt 0 ]] || return 0
  all=$(cvb_tree "$@" | tr '\n' ' ')
  for p in $all; do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 20); do
    local alive=0
    for p in $all; do kill -0 "$p" 2>/dev/null && alive=1; done
    [[ $alive -eq 1 ]] || break
    sleep 0.1
  done
  for p in $all; do kill -KILL "$p" 2>/dev/null || true; done
  for p in "$@"; do wait "$p" 2>/dev/null || true; done
}

cvb_cleanup() {
  local rc=$?
  trap - EXIT
  [[ ! -e $WORK/.timeout ]] || echo "$PROG: stopped at the time limit of ${CVB_MAX_SECONDS}s" >&2
  [[ -z ${CVB_WATCHDOG:-} ]] || { kill -TERM "$CVB_WATCHDOG" 2>/dev/null; wait "$CVB_WATCHDOG" 2>/dev/null; } || true
  # what a script started outside its own process tree (repl.sh: each site in a session of its own)
  ! declare -F cvb_before_cleanup >/dev/null || cvb_before_cleanup || true
  cvb_stop "${CVB_PIDS[@]}"
  if [[ -n ${KEEP_WORK:-} ]]; then echo "$PROG: kept $WORK" >&2; else rm -rf "$WORK"; fi
  exit $rc
}

cvb_free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# cvb_build_tools: compile bench/bare-fcgi.c and bench/upload-gen.c into BENCHBIN
# (when missing or older than their source); -O2, no sanitizers.
cvb_build_tools() {
  mkdir -p "$BENCHBIN"
  local cc=${CC:-cc}
  if [[ ! -x $BENCHBIN/bare-fcgi || $SRCDIR/bench/bare-fcgi.c -nt $BENCHBIN/bare-fcgi ]]; then
    $cc -O2 -g -Wall -Wextra -std=gnu11 -o "$BENCHBIN/bare-fcgi" "$SRCDIR/bench/bare-fcgi.c" -lfcgi \
      || cvb_die "cannot build bare-fcgi (libfcgi-dev needed)"
  fi
  if [[ ! -x $BENCHBIN/upload-gen || $SRCDIR/bench/upload-gen.c -nt $BENCHBIN/upload-gen ]]; then
    # shellcheck disable=SC2046
    $cc -O2 -g -Wall -Wextra -std=gnu11 -o "$BENCHBIN/upload-gen" "$SRCDIR/bench/upload-gen.c" \
      $(pkg-config --cflags --libs libcurl) -lpthread -lm \
      || cvb_die "cannot build upload-gen (libcurl4-openssl-dev needed)"
  fi
}

# cvb_store DIR: a fresh store with the demo account; DIR/demo-vehicles.txt
# gets "VIN ENERGY CREDENTIAL" per demo vehicle.
cvb_store() {
  mkdir -p "$1"
  "$BUILDDIR/tools/cvctl" -H "$1/db" init >/dev/null || cvb_die "cvctl init failed"
  "$BUILDDIR/tools/cvctl" -H "$1/db" demo --vehicles "$1/demo-vehicles.txt" >/dev/null || cvb_die "cvctl demo failed"
}

# cvb_status_fixture PORT PROCS: what the status benchmarks read. A fresh
# store in $WORK/store (HOME_DB, its db folder: cvctl init, demo); lighttpd
# "project" on PORT from etc/lighttpd.conf.in with PROCS processes per
# program (LT_PID); realistic uploads through the vehicle link
# (bench/upload-gen: 5 batches of 100 samples per demo vehicle, with
# events, an hour ending a few minutes ago) so that the status has every
# part; a token (TOKEN: cvctl token issue demo, all scopes; every rate
# limit out of reach, cvb_budgets, unless CVAPI_RATE_USER=off); the status of the demo PHEV (fuel and battery)
# fetched ($WORK/status.json, CTYPE, VIN, VID, SPATH) and checked for every
# part. And the bare responder's set-up: $WORK/bare-home (the same bytes
# and type) and $WORK/bare-fcgi (bare-fcgi under the name of every program).
cvb_status_fixture() {
  local port=$1 procs=$2 missing f
  cvb_store "$WORK/store"
  HOME_DB=$WORK/store/db
  # the benchmark asks far faster than the default rate limits allow: budgets
  # it never reaches, so every request is counted and none refused (unless
  # the caller turned the limits off, as hop.sh does)
  [[ ${CVAPI_RATE_USER:-} == off ]] || cvb_budgets "$HOME_DB" console
  cvb_lighttpd project "$port" "$BUILDDIR/cgi" "$HOME_DB" "$procs"
  "$BENCHBIN/upload-gen" --url "http://127.0.0.1:$port" --vehicles "$WORK/store/demo-vehicles.txt" \
    --batch 100 --batches 5 --start-ms $((($(date +%s) - 3600) * 1000)) --tag status --quiet >"$WORK/upload.out" \
    || cvb_die "uploads failed: $(cat "$WORK/upload.out")"
  TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
  VIN=VR3MRHNSSMY000003
  curl -sS -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port/connectedcar/v4/user/vehicles" >"$WORK/vehicles.json"
  VID=$(node -e 'const v=JSON.parse(require("fs").readFileSync(process.argv[1]))._embedded.vehicles.find(x=>x.vin===process.argv[2]);process.stdout.write(v?v.id:"")' \
    "$WORK/vehicles.json" "$VIN")
  [[ $VID =~ ^[0-9a-f]{32}$ ]] || cvb_die "cannot find the id of $VIN: $(head -c 300 "$WORK/vehicles.json")"
  SPATH=/connectedcar/v4/user/vehicles/$VID/status
  curl -sS -D "$WORK/status.headers" -o "$WORK/status.json" -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$port$SPATH"
  missing=$(node -e '
    const s = JSON.parse(require("fs").readFileSync(process.argv[1]));
    const want = ["_links","createdAt","updatedAt","battery","doorsState","energies","environment","ignition",
                  "kinetic","odometer","preconditioning","privacy","lastPosition"];
    const miss = want.filter((k) => !(k in s));
    if (!Array.isArray(s.energies) || s.energies.length !== 2) miss.push("energies (fuel and electric)");
    process.stdout.write(miss.join(" "));' "$WORK/status.json")
  [[ -z $missing ]] || cvb_die "the status lacks: $missing"
  CTYPE=$(tr -d '\r' <"$WORK/status.headers" | sed -n 's/^[Cc]ontent-[Tt]ype: *//p' | tail -1)
  echo "status: $(stat -c %s "$WORK/status.json") bytes $CTYPE, vehicle $VIN ($VID), after $(grep -o ' samples=[0-9]*' "$WORK/upload.out" | cut -d= -f2) uploaded samples; every part present"
  mkdir -p "$WORK/bare-home" "$WORK/bare-fcgi"
  cp "$WORK/status.json" "$WORK/bare-home/bare-body"
  echo "$CTYPE" >"$WORK/bare-home/bare-ctype"
  # every program the configuration starts, whatever their number
  for f in "$BUILDDIR"/cgi/cvapi-*.fcgi; do ln -s "$BENCHBIN/bare-fcgi" "$WORK/bare-fcgi/$(basename "$f")"; done
}

# cvb_budgets HOME CLIENT...: rate limits the benchmark never reaches, so
# that every request is counted (as in service) and none is refused: each
# CLIENT (cvctl client limits, in the store at HOME: at once, in every
# process) gets 4,000,000,000 requests a day and a second, for all its users
# and for each grant or fleet manager, and every vehicle on the vehicle link
# the same (CVAPI_RATE_VEHICLE, exported: call it before cvb_lighttpd), and
# every user and every account's grants too (CVAPI_RATE_USER, _GRANT).
# The defaults (doc/api.md: a grant 50 a second, a vehicle 20) are far
# below what one benchmark client or vehicle sends.
cvb_budgets() {
  local home=$1 c
  shift
  export CVAPI_RATE_VEHICLE=4000000000/4000000000 CVAPI_RATE_USER=4000000000/4000000000 \
    CVAPI_RATE_GRANT=4000000000/4000000000 CVAPI_NOTIFY_ALLOW=loopback
  for c in "$@"; do
    "$BUILDDIR/tools/cvctl" -H "$home" client limits "$c" --day 4000000000 --second 4000000000 \
      --token-day 4000000000 --token-second 4000000000 >/dev/null || cvb_die "cvctl client limits $c failed"
  done
}

# cvb_lighttpd NAME PORT FCGIDIR HOME PROCS: instantiate etc/lighttpd.conf.in
# (of CVB_ETC when set: another tree's etc/) in
# $WORK/NAME/ (its RUNDIR) and start lighttpd in the foreground; sets LT_PID.
# The document root is CVB_WWWDIR when set (default: the console, www/).
# Waits until GET /healthz answers (at most 15 s).
cvb_lighttpd() {
  local name=$1 port=$2 fcgidir=$3 home=$4 procs=$5 run=$WORK/$1
  mkdir -p "$run"
  sed -e "s|@PORT@|$port|g" -e "s|@FCGIDIR@|$fcgidir|g" -e "s|@WWWDIR@|${CVB_WWWDIR:-$SRCDIR/www}|g" -e "s|@JSDIR@|${JSDIR:-/usr/share/javascript}|g" \
      -e "s|@HOME@|$home|g" -e "s|@RUNDIR@|$run|g" -e "s|@PROCS@|$procs|g" \
      "${CVB_ETC:-$SRCDIR/etc}/lighttpd.conf.in" >"$run/lighttpd.conf"
  # in a process group of its own: with server.max-worker, lighttpd's master
  # process ends by signalling its whole group (its workers and programs)
  setsid "$LIGHTTPD" -D -f "$run/lighttpd.conf" >"$run/lighttpd.out" 2>&1 &
  LT_PID=$!
  CVB_PIDS+=("$LT_PID")
  cvb_await_healthz "$port" "$LT_PID" || cvb_die "lighttpd ($name) did not start: $(tail -5 "$run/lighttpd.out" "$run/error.log" 2>/dev/null)"
}

# cvb_await_healthz PORT PID: wait (at most 15 s) until GET /healthz on PORT
# answers 200; fails at once when the server's process PID has exited.
cvb_await_healthz() {
  local i
  for i in $(seq 150); do
    [[ $(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$1/healthz" || true) == 200 ]] && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# harness_ready: HARNESS = an installed copy of the shared read benchmark
# (read.sh, lib.sh, peer/ with its npm packages). Default /tmp/cvapi-sbench,
# copied from HARNESS_SRC (default: ../shared/bench next to the source tree)
# and installed (its install.sh) when missing.
harness_ready() {
  HARNESS=${HARNESS:-/tmp/cvapi-sbench}
  local src=${HARNESS_SRC:-$SRCDIR/../shared/bench}
  if [[ ! -f $HARNESS/read.sh ]]; then
    [[ -f $src/read.sh ]] || cvb_die "no read benchmark in $HARNESS or $src (set HARNESS or HARNESS_SRC)"
    mkdir -p "$HARNESS" && cp -r "$src/." "$HARNESS/" && chmod -R u+w "$HARNESS" || cvb_die "cannot copy $src to $HARNESS"
  fi
  "$HARNESS/install.sh" || cvb_die "$HARNESS/install.sh failed"
  command -v wrk >/dev/null || cvb_die "wrk is needed"
}

# cvb_apache NAME PORT FCGIDIR HOME PROCS: Apache from etc/apache2.conf.in in
# $WORK/NAME/ (its RUNDIR), with the programs of FCGIDIR (cgi/cvapi-*.fcgi, or
# the bare responder under their names) run by cgi/cvapi-spawn, PROCS processes
# each, on UNIX sockets there, as the tests and the Debian package run them.
# Apache's children run as www-data when this runs as root (Apache refuses
# root), so the sockets are made 0666 in that private folder, which it may
# enter (mode 0711, with WORK). Sets AP_PIDS
# (cvapi-spawn's pid and Apache's: the server's processes are theirs and
# their descendants'). Waits until GET /healthz answers (at most 15 s).
cvb_apache() {
  local name=$1 port=$2 fcgidir=$3 home=$4 procs=$5 run=$WORK/$1 i user group sp ap
  local apache2=${APACHE2:-$(command -v apache2 || echo /usr/sbin/apache2)}
  [[ -x $apache2 ]] || cvb_die "apache2 is needed (apt-get install apache2)"
  [[ -x $BUILDDIR/cgi/cvapi-spawn ]] || cvb_die "$BUILDDIR/cgi/cvapi-spawn is missing"
  mkdir -p "$run/logs"
  user=$(id -un) group=$(id -gn)
  if [[ $(id -u) -eq 0 ]]; then
    user=www-data group=www-data
    chown "$user:$group" "$run/logs"
    chmod 0711 "$WORK" "$run" # to reach the sockets
  fi
  CVAPI_HOME=$home CVAPI_TRUST_PROXY=0 "$BUILDDIR/cgi/cvapi-spawn" --dir "$run" --procs "$procs" --mode 0666 \
    "$fcgidir"/cvapi-*.fcgi >"$run/spawn.out" 2>"$run/spawn.err" &
  sp=$!
  CVB_PIDS+=("$sp")
  for i in $(seq 150); do
    grep -qx ready "$run/spawn.out" 2>/dev/null && break
    kill -0 "$sp" 2>/dev/null || cvb_die "cvapi-spawn ($name) exited: $(tail -5 "$run/spawn.err")"
    sleep 0.1
  done
  sed -e "s|@PORT@|$port|g" -e "s|@WWWDIR@|${CVB_WWWDIR:-$SRCDIR/www}|g" -e "s|@JSDIR@|${JSDIR:-/usr/share/javascript}|g" \
      -e "s|@RUNDIR@|$run|g" -e "s|@USER@|$user|g" -e "s|@GROUP@|$group|g" \
      "${CVB_ETC:-$SRCDIR/etc}/apache2.conf.in" >"$run/apache2.conf"
  "$apache2" -f "$run/apache2.conf" -DFOREGROUND >"$run/apache2.out" 2>&1 &
  ap=$!
  CVB_PIDS+=("$ap")
  AP_PIDS="$sp $ap"
  cvb_await_healthz "$port" "$ap" || cvb_die "Apache ($name) did not start: $(tail -5 "$run/apache2.out" "$run/error.log" 2>/dev/null)"
}

# cvb_pss PID...: summed PSS in kB of the processes and their descendants
cvb_pss() {
  local p t=0 v
  for p in $(cvb_tree "$@"); do
    v=$(awk '/^Pss:/{print $2; exit}' "/proc/$p/smaps_rollup" 2>/dev/null) || true
    t=$((t + ${v:-0}))
  done
  echo "$t"
}
cvb_nprocs() { cvb_tree "$@" | wc -l; }

# cvb_machine: one line describing this machine
cvb_machine() {
  echo "$(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/^MemTotal/{printf "%.1f GB", $2/1048576}' /proc/meminfo) RAM, Linux $(uname -r), $("$LIGHTTPD" -v 2>/dev/null | head -1 | awk '{print $1}'), node $(node -v 2>/dev/null || echo none)"
}
