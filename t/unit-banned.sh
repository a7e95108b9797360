#!/bin/sh
# unit-banned.sh - no banned C library calls in cvapi's sources (a TAP test).
#
# sprintf, vsprintf, strcat, strcpy, strncpy, strtok, atoi, atol, sscanf and
# gets are banned (see HACKING.md): each has a bounded or checked
# replacement (snprintf, cv_buf_addf, cv_strlcpy, cv_parse_i64...). The
# match is on a whole word followed by "(", so snprintf( or my_strcpy( do
# not count. Comments are not stripped: write the names without "(" there.
#
# The sources are found under $CV_SRCDIR (set by make check) or next to
# this script.

srcdir=${CV_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
banned="sprintf vsprintf strcat strcpy strncpy strtok atoi atol sscanf gets"

if ! cd "$srcdir" 2>/dev/null || [ ! -f core/cv.h ]; then
	echo "1..0 # SKIP cannot find the sources (CV_SRCDIR=$srcdir)"
	exit 0
fi

dirs=
for d in core db cgi sim notify tools t bench; do
	[ -d "$d" ] && dirs="$dirs $d"
done

n=0
failed=0
echo "1..$(echo $banned | wc -w)"
for f in $banned; do
	n=$((n + 1))
	# a word boundary on the left (start of line or a character that cannot
	# be part of an identifier), the name, optional blanks, then "("
	hits=$(find $dirs -type f \( -name '*.c' -o -name '*.h' \) -print | LC_ALL=C sort |
		xargs grep -nE "(^|[^A-Za-z0-9_])$f[[:space:]]*\(" /dev/null 2>/dev/null)
	if [ -z "$hits" ]; then
		echo "ok $n - no $f"
	else
		failed=1
		where=$(printf '%s\n' "$hits" | head -n 1 | cut -d: -f1,2)
		echo "not ok $n - $f used in $where"
		printf '%s\n' "$hits" | sed 's/^/#   /'
	fi
done
exit $failed
