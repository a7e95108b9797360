#!/usr/bin/env bash
# repl-site.sh - one site of a replication group for the benchmarks
# (bench/repl.sh, repl-drill.sh, repl-driver.mjs): a whole cvapi (store,
# cvrepl under cvapi-spawn, lighttpd from etc/lighttpd.conf.in) whose
# processes are all in one process group, as `make run-group` starts them.
#
#   repl-site.sh init DIR HPORT RPORT [cvctl repl init options...]
#       DIR/db made a site (cvctl repl init --local 127.0.0.1:RPORT ...);
#       DIR/site.env keeps what `start` needs (HPORT, the build, PROCS).
#       A site without --peer creates the group: the caller then gives it
#       its first data (cvctl init, demo, vehicles) before its first start.
#   repl-site.sh start DIR [wait]
#       starts the site's processes in a session of their own (DIR/pgid:
#       its process group id); cvrepl first (CVAPI_SITE_URL its own URL,
#       CVREPL_VERBOSE=1: Berkeley DB's account of elections in
#       DIR/run/cvrepl.log), lighttpd once `cvctl repl status` says synced.
#       wait: healthz (default, /healthz answers 200: a master, or a replica
#       that caught up; 120 s at most), or none (return at once).
#   repl-site.sh kill DIR    SIGKILL to every process of the site
#   repl-site.sh stop DIR    SIGTERM, then SIGKILL after 3 s
#   repl-site.sh signal DIR SIG   any signal to the site's process group
#
# Environment: BUILDDIR (the build: tools/cvctl, repl/cvrepl, cgi/*),
# SRCDIR (the source tree; default: the folder above bench/), PROCS (2),
# REPL_DB_CONFIG (lines added to DB_CONFIG after cvctl repl init: an
# experiment with a Berkeley DB setting cvapi does not make),
# JSDIR (/usr/share/javascript), LIGHTTPD (lighttpd). The processes inherit
# the caller's environment (CVAPI_RATE_* included).
set -euo pipefail

die() { echo "repl-site.sh: $*" >&2; exit 1; }
[[ $# -ge 2 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
cmd=$1 dir=$2
shift 2

case $cmd in
init)
	[[ $# -ge 2 ]] || die "init DIR HPORT RPORT [options]"
	hport=$1 rport=$2
	shift 2
	: "${BUILDDIR:?BUILDDIR is needed}"
	SRCDIR=${SRCDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
	mkdir -p "$dir/db" "$dir/run/repl"
	dir=$(cd "$dir" && pwd)
	"$BUILDDIR/tools/cvctl" -H "$dir/db" repl init --local "127.0.0.1:$rport" "$@" >/dev/null \
		|| die "cvctl repl init failed in $dir"
	# an experiment's settings (REPL_DB_CONFIG: lines for DB_CONFIG, e.g. "rep_set_config db_rep_conf_bulk on")
	[[ -z ${REPL_DB_CONFIG:-} ]] || printf '%s\n' "$REPL_DB_CONFIG" >>"$dir/db/DB_CONFIG"
	{
		printf 'HPORT=%q\nRPORT=%q\nBUILDDIR=%q\nSRCDIR=%q\nPROCS=%q\n' "$hport" "$rport" "$BUILDDIR" "$SRCDIR" "${PROCS:-2}"
		printf 'JSDIR=%q\nLIGHTTPD=%q\n' "${JSDIR:-/usr/share/javascript}" "${LIGHTTPD:-$(command -v lighttpd || echo /usr/sbin/lighttpd)}"
	} >"$dir/site.env"
	;;
start)
	wait_for=${1:-healthz}
	dir=$(cd "$dir" && pwd)
	# shellcheck disable=SC1091
	. "$dir/site.env"
	run=$dir/run
	mkdir -p "$run/repl"
	sed -e "s|@PORT@|$HPORT|g" -e "s|@FCGIDIR@|$BUILDDIR/cgi|g" -e "s|@WWWDIR@|$SRCDIR/www|g" -e "s|@JSDIR@|$JSDIR|g" \
	    -e "s|@HOME@|$dir/db|g" -e "s|@RUNDIR@|$run|g" -e "s|@PROCS@|$PROCS|g" \
	    "$SRCDIR/etc/lighttpd.conf.in" >"$run/lighttpd.conf"
	rm -f "$dir/pgid"
	# the site's session: its leader's pid is the process group id
	setsid sh -c '
		echo $$ > "$1/pgid"
		CVAPI_HOME="$2" CVAPI_SITE_URL="$3" CVREPL_VERBOSE=1 "$4" --dir "$5/repl" --daemon "$6" >/dev/null 2>>"$5/cvrepl.log" &
		until "$7" -H "$2" repl status 2>/dev/null | grep -q "^synced yes$"; do sleep 0.1; done
		"$8" -D -f "$5/lighttpd.conf" >>"$5/lighttpd.out" 2>&1 &
		wait
	' site "$dir" "$dir/db" "http://127.0.0.1:$HPORT" "$BUILDDIR/cgi/cvapi-spawn" "$run" "$BUILDDIR/repl/cvrepl" \
		"$BUILDDIR/tools/cvctl" "$LIGHTTPD" </dev/null >/dev/null 2>&1 &
	for _ in $(seq 100); do [[ -s $dir/pgid ]] && break; sleep 0.05; done
	[[ -s $dir/pgid ]] || die "the site in $dir did not start"
	[[ $wait_for == healthz ]] || exit 0
	for _ in $(seq 1200); do
		[[ $(curl -s -o /dev/null -m 3 -w '%{http_code}' "http://127.0.0.1:$HPORT/healthz" || true) == 200 ]] && exit 0
		sleep 0.1
	done
	die "the site in $dir does not answer /healthz 200 after 120 s (see $run/cvrepl.log, $run/error.log)"
	;;
kill | stop | signal)
	[[ -s $dir/pgid ]] || exit 0
	pg=$(cat "$dir/pgid")
	case $cmd in
	kill) kill -KILL -- "-$pg" 2>/dev/null || true ;;
	signal) kill -"${1:?a signal}" -- "-$pg" 2>/dev/null || true ;;
	stop)
		kill -CONT -- "-$pg" 2>/dev/null || true
		kill -TERM -- "-$pg" 2>/dev/null || true
		for _ in $(seq 30); do kill -0 -- "-$pg" 2>/dev/null || exit 0; sleep 0.1; done
		kill -KILL -- "-$pg" 2>/dev/null || true
		;;
	esac
	;;
*) die "unknown command $cmd" ;;
esac
