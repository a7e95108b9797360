#!/bin/sh
# run.sh - what `make run` does: start the demo server in the foreground.
#
# Everything lives under $VARDIR (default ./var): the store (db/), the
# instantiated lighttpd configuration, sockets and logs (run/). The first run
# creates the store with the demo account and a week of simulated history;
# later runs reuse it. The simulator keeps the demo vehicles driving while
# the server runs, and cvnotify delivers what monitors fire (local webhook
# addresses allowed), supervised by cvapi-spawn --daemon as in production:
# a cvnotify that dies is started again. lighttpd does the same for the
# FastCGI programs. cvteltonika takes Teltonika trackers' connections on
# TELTONIKA_PORT (5027), supervised the same way. Ctrl-C stops everything.
#
# Environment: PORT (8080), TELTONIKA_PORT (5027), VARDIR (./var), BUILDDIR, SRCDIR and JSDIR (set by make),
# PROCS (FastCGI processes per program, 2), DEMO_DAYS (7), SPEEDUP (1).
set -eu

SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
VARDIR=${VARDIR:-./var}
PORT=${PORT:-8080}
TELTONIKA_PORT=${TELTONIKA_PORT:-5027}
PROCS=${PROCS:-2}
DEMO_DAYS=${DEMO_DAYS:-7}
SPEEDUP=${SPEEDUP:-1}
LIGHTTPD=${LIGHTTPD:-lighttpd}
JSDIR=${JSDIR:-/usr/share/javascript}

mkdir -p "$VARDIR"
VARDIR=$(cd "$VARDIR" && pwd)
SRCDIR=$(cd "$SRCDIR" && pwd)
BUILDDIR=$(cd "$BUILDDIR" && pwd)
HOME_DB="$VARDIR/db"
RUN="$VARDIR/run"
CVCTL="$BUILDDIR/tools/cvctl"
CVSIM="$BUILDDIR/sim/cvsim"
CVNOTIFY="$BUILDDIR/notify/cvnotify"
CVTELTONIKA="$BUILDDIR/dev/cvteltonika"
SPAWN="$BUILDDIR/cgi/cvapi-spawn"
mkdir -p "$RUN" "$RUN/notify" "$RUN/teltonika"

first=no
if [ ! -f "$VARDIR/demo-vehicles.txt" ]; then
	first=yes
	"$CVCTL" -H "$HOME_DB" init
	"$CVCTL" -H "$HOME_DB" demo --vehicles "$VARDIR/demo-vehicles.txt.new"
	mv "$VARDIR/demo-vehicles.txt.new" "$VARDIR/demo-vehicles.txt"
fi

# webhooks of the demo may be local (a receiver on this machine): the
# programs refuse other literal internal targets at once, cvnotify at delivery
CVAPI_NOTIFY_ALLOW=${CVAPI_NOTIFY_ALLOW-loopback,private}
export CVAPI_NOTIFY_ALLOW

sed -e "s|@PORT@|$PORT|g" -e "s|@FCGIDIR@|$BUILDDIR/cgi|g" -e "s|@WWWDIR@|$SRCDIR/www|g" -e "s|@JSDIR@|$JSDIR|g" \
    -e "s|@HOME@|$HOME_DB|g" -e "s|@RUNDIR@|$RUN|g" -e "s|@PROCS@|$PROCS|g" \
    "$SRCDIR/etc/lighttpd.conf.in" > "$RUN/lighttpd.conf"

pids=""
cleanup() {
	trap - INT TERM EXIT
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	echo "cvapi: stopped"
}
trap cleanup INT TERM EXIT

# in a process group of its own: with server.max-worker, lighttpd's master
# process ends by signalling its whole group (its workers and programs)
setsid "$LIGHTTPD" -D -f "$RUN/lighttpd.conf" &
pids="$!"

# wait for the server (at most 10 s)
i=0
until curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "cvapi: the server did not start; see $RUN/error.log" >&2
		exit 1
	fi
	sleep 0.1
done

# cvnotify, kept running by cvapi-spawn (its log: cvnotify.log); webhooks
# of the demo may be local (a receiver on this machine)
CVAPI_HOME="$HOME_DB" \
	"$SPAWN" --dir "$RUN/notify" --daemon "$CVNOTIFY" >/dev/null 2>>"$RUN/cvnotify.log" &
pids="$pids $!"

# cvteltonika, the Teltonika trackers' server, kept running the same way (its log: cvteltonika.log)
CVAPI_HOME="$HOME_DB" CVAPI_TELTONIKA_LISTEN="$TELTONIKA_PORT" \
	"$SPAWN" --dir "$RUN/teltonika" --daemon "$CVTELTONIKA" >/dev/null 2>>"$RUN/cvteltonika.log" &
pids="$pids $!"

if [ -x "$CVSIM" ]; then
	if [ "$first" = yes ]; then
		echo "cvapi: writing $DEMO_DAYS days of demo history..."
		"$CVSIM" --url "http://127.0.0.1:$PORT" --vehicles "$VARDIR/demo-vehicles.txt" --seed 1 --days "$DEMO_DAYS" --quiet
	fi
	"$CVSIM" --url "http://127.0.0.1:$PORT" --vehicles "$VARDIR/demo-vehicles.txt" --seed 1 --live --speedup "$SPEEDUP" --quiet &
	pids="$pids $!"
else
	echo "cvapi: $CVSIM not built: the demo vehicles stay parked" >&2
fi

TOKEN=$("$CVCTL" -H "$HOME_DB" token issue demo --client console --ttl 86400)
cat <<MSG

  cvapi is running.
    console:      http://127.0.0.1:$PORT/
    demo login:   demo / demo      fleet owner: fleet / fleet
    bearer token: $TOKEN
    try:          curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:$PORT/connectedcar/v4/user/vehicles
    devices:      http://127.0.0.1:$PORT/osmand (Traccar Client), Teltonika trackers: TCP port $TELTONIKA_PORT
                  (doc/devices.md)
    data:         $VARDIR   logs: $RUN/error.log, $RUN/cvnotify.log (webhook deliveries),
                  $RUN/cvteltonika.log (trackers)
  Ctrl-C stops it.

MSG
wait
