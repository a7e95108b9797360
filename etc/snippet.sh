#!/bin/sh
# snippet.sh - the web server snippets of an installed cvapi, for make
# (etc/lighttpd/50-cvapi.conf, etc/apache2/cvapi.conf): the head,
# etc/KIND-snippet.conf.in, then the routes of the template that make run
# and the tests use, etc/KIND.conf.in (from its "# ---- routes" line to the
# end), turned to the sockets of cvapi-spawn.service. One routing table
# for both: a route added to a template reaches the package, and the
# tests that route through the templates cover the snippets' routes.
# The @dir@ markers are left for make to fill in.
#
# Usage: snippet.sh lighttpd|apache2 SRCDIR > FILE
# Exit 1, saying why, when a template's routes are not of the shape
# expected (a line left with one of the tests' markers).
set -eu
kind=$1
src=$2

routes() {
	sed -n '/^# ---- routes/,$p' "$src/etc/$1.conf.in" | sed 1d
}

case $kind in
lighttpd)
	# lighttpd: a socket instead of bin-path and the processes' settings
	body=$(routes lighttpd | sed \
		-e 's|"socket" => "@RUNDIR@/[a-z0-9]*\.sock", "bin-path" => "@FCGIDIR@/\(cvapi-[a-z0-9]*\)\.fcgi",|"socket" => "@runstatedir@/cvapi/\1.sock",|' \
		-e 's|"max-procs" => [0-9A-Z@]*, "check-local" => "disable",$|"check-local" => "disable" ) ) )|' \
		-e '/"bin-environment" => var\.cv_env/d')
	;;
apache2)
	body=$(routes apache2 | sed -e 's|unix:@RUNDIR@/|unix:@runstatedir@/cvapi/|g')
	;;
*)
	echo "usage: snippet.sh lighttpd|apache2 SRCDIR" >&2
	exit 2
	;;
esac
if [ -z "$body" ]; then
	echo "snippet.sh: etc/$kind.conf.in has no \"# ---- routes\" line" >&2
	exit 1
fi
left=$(printf '%s\n' "$body" | grep -n -e '@[A-Z]*@' -e 'bin-path' -e 'var\.cv_' || true)
if [ -n "$left" ]; then
	echo "snippet.sh: etc/$kind.conf.in: routes of an unexpected shape:" >&2
	printf '%s\n' "$left" >&2
	exit 1
fi
cat "$src/etc/$kind-snippet.conf.in"
printf '%s\n' "$body"
