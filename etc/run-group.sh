#!/bin/sh
# run-group.sh - what `make run-group` does: the demo as a replication group
# of three sites on this machine, behind one front, in the foreground.
#
# Under $VARDIR (default ./var-group): site1..site3, each a whole cvapi
# (its store in db/, its lighttpd configuration, sockets and logs in run/),
# each site's processes in a process group of their own, whose id is in
# siteN/pgid (kill -9 -$(cat siteN/pgid) is a site's death); front/ the
# HAProxy front's configuration. Ports: the front on PORT (8080), the
# sites' HTTP on PORT+1..PORT+3, their replication on PORT+11..PORT+13.
# site1 creates the group with the demo data; site2 and site3 join it, one
# at a time. In each site cvapi-spawn --daemon keeps cvrepl, cvnotify and
# cvteltonika running (cvnotify delivers on the master only; cvteltonika
# listens on the master only, on TELTONIKA_PORT+N for site N; the front
# forwards TELTONIKA_PORT to it), lighttpd the programs.
# The simulator drives the demo vehicles through the front. Ctrl-C stops
# everything.
#
# Environment: PORT, TELTONIKA_PORT (5027), VARDIR, BUILDDIR, SRCDIR, JSDIR (set by make), PROCS (2),
# DEMO_DAYS (2), SPEEDUP (1), HAPROXY (haproxy), LIGHTTPD (lighttpd).
set -eu

SRCDIR=${SRCDIR:-.}
BUILDDIR=${BUILDDIR:-.}
VARDIR=${VARDIR:-./var-group}
PORT=${PORT:-8080}
TELTONIKA_PORT=${TELTONIKA_PORT:-5027}
PROCS=${PROCS:-2}
DEMO_DAYS=${DEMO_DAYS:-2}
SPEEDUP=${SPEEDUP:-1}
LIGHTTPD=${LIGHTTPD:-lighttpd}
HAPROXY=${HAPROXY:-haproxy}
JSDIR=${JSDIR:-/usr/share/javascript}

mkdir -p "$VARDIR/front"
VARDIR=$(cd "$VARDIR" && pwd)
SRCDIR=$(cd "$SRCDIR" && pwd)
BUILDDIR=$(cd "$BUILDDIR" && pwd)
CVCTL="$BUILDDIR/tools/cvctl"
CVSIM="$BUILDDIR/sim/cvsim"
CVREPL="$BUILDDIR/repl/cvrepl"
CVNOTIFY="$BUILDDIR/notify/cvnotify"
CVTELTONIKA="$BUILDDIR/dev/cvteltonika"
SPAWN="$BUILDDIR/cgi/cvapi-spawn"
FRONT="http://127.0.0.1:$PORT"
CVAPI_NOTIFY_ALLOW=${CVAPI_NOTIFY_ALLOW-loopback,private}
# links name the front, the one URL users and vehicles use
CVAPI_BASE_URL="$FRONT"
export CVAPI_NOTIFY_ALLOW CVAPI_BASE_URL

if ! command -v "$HAPROXY" >/dev/null 2>&1; then
	echo "cvapi: $HAPROXY not found (apt-get install haproxy)" >&2
	exit 1
fi

# cvctl repl status says role $2 and synced, for the store $1 (60 s at most)
settled() {
	i=0
	until "$CVCTL" -H "$1" repl status 2>/dev/null | grep -q "^role $2\$" &&
	      "$CVCTL" -H "$1" repl status 2>/dev/null | grep -q "^synced yes\$"; do
		i=$((i + 1))
		if [ $i -gt 600 ]; then
			echo "cvapi: $1 did not become $2 (see its run/cvrepl.log)" >&2
			return 1
		fi
		sleep 0.1
	done
}

# site N: store made on the first run, then its processes in a group of their own
site() {
	n=$1
	dir="$VARDIR/site$n"
	home="$dir/db"
	run="$dir/run"
	hport=$((PORT + n))
	rport=$((PORT + 10 + n))
	mkdir -p "$run/repl" "$run/notify"
	if [ ! -f "$home/DB_CONFIG" ]; then
		if [ "$n" = 1 ]; then
			"$CVCTL" -H "$home" repl init --local "127.0.0.1:$rport" >/dev/null
			"$CVCTL" -H "$home" init
			"$CVCTL" -H "$home" demo --vehicles "$VARDIR/demo-vehicles.txt.new"
			mv "$VARDIR/demo-vehicles.txt.new" "$VARDIR/demo-vehicles.txt"
		else
			peers=""
			i=1
			while [ $i -lt "$n" ]; do
				peers="$peers --peer 127.0.0.1:$((PORT + 10 + i))"
				i=$((i + 1))
			done
			# shellcheck disable=SC2086
			"$CVCTL" -H "$home" repl init --local "127.0.0.1:$rport" $peers >/dev/null
		fi
	fi
	sed -e "s|@PORT@|$hport|g" -e "s|@FCGIDIR@|$BUILDDIR/cgi|g" -e "s|@WWWDIR@|$SRCDIR/www|g" -e "s|@JSDIR@|$JSDIR|g" \
	    -e "s|@HOME@|$home|g" -e "s|@RUNDIR@|$run|g" -e "s|@PROCS@|$PROCS|g" \
	    "$SRCDIR/etc/lighttpd.conf.in" > "$run/lighttpd.conf"
	# the site: cvrepl first (the listener), the web server once cvrepl has the site in its group
	# (its programs open the store then), and cvnotify; all in one process group
	setsid sh -c '
		echo $$ > "$1/pgid"
		CVAPI_HOME="$2" CVAPI_SITE_URL="$3" "$4" --dir "$5/repl" --daemon "$6" >/dev/null 2>>"$5/cvrepl.log" &
		until "$7" -H "$2" repl status 2>/dev/null | grep -q "^synced yes$"; do sleep 0.2; done
		"$8" -D -f "$5/lighttpd.conf" &
		CVAPI_HOME="$2" "$4" --dir "$5/notify" --daemon "$9" >/dev/null 2>>"$5/cvnotify.log" &
		mkdir -p "$5/teltonika"
		CVAPI_HOME="$2" CVAPI_TELTONIKA_LISTEN="${11}" "$4" --dir "$5/teltonika" --daemon "${10}" >/dev/null 2>>"$5/cvteltonika.log" &
		wait
	' site "$dir" "$home" "http://127.0.0.1:$hport" "$SPAWN" "$run" "$CVREPL" "$CVCTL" "$LIGHTTPD" "$CVNOTIFY" \
		"$CVTELTONIKA" "$((TELTONIKA_PORT + n))" &
	pids="$pids $!"
	# the first run: the creator master, each other site a replica with its copy, before the next joins
	if [ ! -f "$dir/started" ]; then
		role=replica
		[ "$n" = 1 ] && role=master
		settled "$home" "$role"
	fi
	touch "$dir/started"
	echo "cvapi: site $n on http://127.0.0.1:$hport, replication 127.0.0.1:$rport"
}

# every site answers /healthz (60 s at most: a group started again elects its master first)
healthy() {
	for n in 1 2 3; do
		i=0
		until curl -fs "http://127.0.0.1:$((PORT + n))/healthz" >/dev/null 2>&1; do
			i=$((i + 1))
			if [ $i -gt 600 ]; then
				echo "cvapi: site $n does not answer; see $VARDIR/site$n/run/error.log and cvrepl.log" >&2
				return 1
			fi
			sleep 0.1
		done
	done
}

pids=""
cleanup() {
	trap - INT TERM EXIT
	for n in 1 2 3; do
		[ -f "$VARDIR/site$n/pgid" ] && kill -TERM -"$(cat "$VARDIR/site$n/pgid")" 2>/dev/null || true
	done
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	for p in $pids; do wait "$p" 2>/dev/null || true; done
	echo "cvapi: stopped"
}
trap cleanup INT TERM EXIT

first=no
[ -f "$VARDIR/demo-vehicles.txt" ] || first=yes
site 1
site 2
site 3
healthy

sed -e "s|@PORT@|$PORT|g" -e "s|@SITE1@|127.0.0.1:$((PORT + 1))|g" -e "s|@SITE2@|127.0.0.1:$((PORT + 2))|g" \
    -e "s|@SITE3@|127.0.0.1:$((PORT + 3))|g" -e "s|@RUNDIR@|$VARDIR/front|g" -e "s|@TKPORT@|$TELTONIKA_PORT|g" \
    -e "s|@TK1@|127.0.0.1:$((TELTONIKA_PORT + 1))|g" -e "s|@TK2@|127.0.0.1:$((TELTONIKA_PORT + 2))|g" \
    -e "s|@TK3@|127.0.0.1:$((TELTONIKA_PORT + 3))|g" \
    "$SRCDIR/etc/haproxy.cfg.in" > "$VARDIR/front/haproxy.cfg"
"$HAPROXY" -db -f "$VARDIR/front/haproxy.cfg" >>"$VARDIR/front/haproxy.log" 2>&1 &
pids="$pids $!"
i=0
# reads answered, and a write reaches the master (an empty token request: the master's 4xx, not the front's 503)
until curl -fs "$FRONT/healthz" >/dev/null 2>&1 &&
      curl -s -X POST "$FRONT/oauth2/token" -o /dev/null -w '%{http_code}' 2>/dev/null | grep -q '^4'; do
	i=$((i + 1))
	if [ $i -gt 300 ]; then
		echo "cvapi: the front did not start; see $VARDIR/front/haproxy.log" >&2
		exit 1
	fi
	sleep 0.1
done

if [ -x "$CVSIM" ]; then
	if [ "$first" = yes ]; then
		echo "cvapi: writing $DEMO_DAYS days of demo history through the front..."
		"$CVSIM" --url "$FRONT" --vehicles "$VARDIR/demo-vehicles.txt" --seed 1 --days "$DEMO_DAYS" --quiet
	fi
	"$CVSIM" --url "$FRONT" --vehicles "$VARDIR/demo-vehicles.txt" --seed 1 --live --speedup "$SPEEDUP" --quiet &
	pids="$pids $!"
fi

cat <<MSG

  cvapi is running as a replication group of three sites.
    front (the one URL):  $FRONT/      demo login: demo / demo
    sites:                http://127.0.0.1:$((PORT + 1))  $((PORT + 2))  $((PORT + 3))  (/healthz says each role)
    Teltonika trackers:   TCP 127.0.0.1:$TELTONIKA_PORT (the front; the master's cvteltonika behind it)
    a site's death:       kill -9 -\$(cat $VARDIR/site1/pgid)
    status:               $CVCTL -H $VARDIR/site1/db repl status
  Ctrl-C stops it.

MSG
wait
