#!/bin/sh
# build.sh - build cvapi's libFuzzer harnesses (not part of make check).
#
#   t/fuzz/build.sh [srcdir [outdir [builddir]]]   or, in a configured build tree: make fuzz
#
# builddir holds config.h (default: srcdir, an in-tree build).
#
# Each harness is compiled with clang -fsanitize=fuzzer,address,undefined
# straight from the sources it exercises (core/, db/, cgi/), so the
# build does not depend on how the tree was configured. Run one with
#
#   mkdir -p corpus-sample && ./fuzz-sample -max_total_time=60 corpus-sample
#
# (see the comment at the top of each t/fuzz/fuzz-*.c for seeds).
set -eu

srcdir=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
outdir=${2:-$srcdir/t/fuzz}
builddir=${3:-$srcdir}
CC=${CC:-clang}
mkdir -p "$outdir"

jsonc_cflags=$(pkg-config --cflags json-c)
jsonc_libs=$(pkg-config --libs json-c)
flags="-std=gnu11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
	-fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter
	-I$builddir -I$srcdir/core -I$srcdir/db $jsonc_cflags"
core="$srcdir/core/cv.c $srcdir/core/buf.c $srcdir/core/jw.c $srcdir/core/jread.c $srcdir/core/cvtime.c
	$srcdir/core/ids.c $srcdir/core/vdata.c $srcdir/core/enums.c $srcdir/core/pack.c"

# the request layer's harnesses link the programs' libraries whole: core/,
# db/ (Berkeley DB, OpenSSL, libcrypt) and cgi/ (libfcgi)
allcore=$(ls "$srcdir"/core/*.c)
alldb=$(ls "$srcdir"/db/*.c)
cgi="$srcdir/cgi/req.c $srcdir/cgi/query.c $srcdir/cgi/auth.c $srcdir/cgi/body.c $srcdir/cgi/watchdog.c
	$srcdir/cgi/log.c $srcdir/cgi/rcache.c $srcdir/cgi/quota.c $srcdir/cgi/page.c $srcdir/cgi/links.c
	$srcdir/cgi/history.c $srcdir/cgi/serve.c $srcdir/cgi/subscribe.c $srcdir/cgi/remotes.c
	$srcdir/cgi/keyed.c"
storelibs="-ldb-5.3 -lfcgi -lcrypto -lcrypt"

for h in ${FUZZ_HARNESSES:-sample time b64 boolexp bodies request upload teltonika osmand}; do
	case $h in
	request|upload)
		echo "  FUZZ     $outdir/fuzz-$h"
		# shellcheck disable=SC2086
		$CC $flags -I"$srcdir/cgi" -DCV_SYSCONFDIR='"/etc/cvapi"' -DCV_STATEDIR='"/var/lib/cvapi"' -o "$outdir/fuzz-$h" "$srcdir/t/fuzz/fuzz-$h.c" $allcore $alldb $cgi \
			$jsonc_libs $storelibs -lm
		continue
		;;
	esac
	extra=
	# db/rec.c packs monitors and remote actions too
	[ "$h" = sample ] && extra="$srcdir/db/rec.c $srcdir/db/cbattr.c $srcdir/db/tblock.c $srcdir/core/boolexp.c $srcdir/core/monitor.c
		$srcdir/core/remote.c $srcdir/core/timewin.c $srcdir/core/trip.c $srcdir/core/charge.c"
	[ "$h" = boolexp ] && extra="$srcdir/core/boolexp.c"
	[ "$h" = teltonika ] && extra="$srcdir/core/teltonika.c"
	[ "$h" = osmand ] && extra="$srcdir/core/osmand.c"
	[ "$h" = bodies ] && extra="$srcdir/core/boolexp.c $srcdir/core/monitor.c $srcdir/core/timewin.c $srcdir/core/trip.c $srcdir/core/charge.c"
	echo "  FUZZ     $outdir/fuzz-$h"
	# shellcheck disable=SC2086
	$CC $flags -o "$outdir/fuzz-$h" "$srcdir/t/fuzz/fuzz-$h.c" $core $extra $jsonc_libs -lm
done
