#!/bin/sh
# run.sh - make check's fuzzing: every libFuzzer harness of t/fuzz, built
# with clang (t/fuzz/build.sh) and run for FUZZ_SECONDS (10) each from its
# corpus (t/fuzz/corpus/NAME: seeds taken from the tests' own inputs,
# copied to a temporary folder so that the run never changes them). TAP:
# one test per harness, "ok" when it ran its time without a crash, a
# sanitizer report or a failed check, with the number of inputs it tried.
# Without clang the whole file is skipped, saying so.
#
# A long campaign: `make fuzz-campaign` (FUZZ_SECONDS=600 per harness, the
# corpora kept and grown in FUZZ_WORK=t/fuzz/campaign of the build tree), or
# make fuzz, then run a harness by hand: see the top of each t/fuzz/fuzz-*.c.
#
# Environment: CV_SRCDIR, CV_BUILDDIR (set by make check), FUZZ_CC (clang),
# FUZZ_SECONDS (10), FUZZ_HARNESSES (all), FUZZ_WORK (a folder kept: the
# corpora, logs and any crashing input; default a temporary one, removed).
set -u

srcdir=${CV_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${CV_BUILDDIR:-$srcdir}
cc=${FUZZ_CC:-clang}
secs=${FUZZ_SECONDS:-10}
harnesses=${FUZZ_HARNESSES:-sample time b64 boolexp bodies request upload teltonika osmand}

if ! command -v "$cc" >/dev/null 2>&1; then
	echo "1..0 # SKIP $cc not found: the libFuzzer harnesses need clang (apt-get install clang)"
	exit 0
fi
n=0
for h in $harnesses; do n=$((n + 1)); done
echo "1..$n"

bin=$builddir/t/fuzz/bin
mkdir -p "$bin"
if ! CC=$cc FUZZ_HARNESSES=$harnesses sh "$srcdir/t/fuzz/build.sh" "$srcdir" "$bin" "$builddir" >"$bin/build.log" 2>&1; then
	i=0
	for h in $harnesses; do
		i=$((i + 1))
		echo "not ok $i - fuzz-$h: the harnesses did not build"
	done
	sed 's/^/# /' "$bin/build.log" | tail -20
	exit 0
fi

if [ -n "${FUZZ_WORK:-}" ]; then
	# a campaign's folder: the corpora grow there from one run to the next
	work=$FUZZ_WORK
	mkdir -p "$work"
else
	work=$(mktemp -d "${TMPDIR:-/tmp}/cvapi-fuzz.XXXXXX")
	trap 'rm -rf "$work"' EXIT
fi
i=0
for h in $harnesses; do
	i=$((i + 1))
	mkdir -p "$work/$h"
	[ -d "$srcdir/t/fuzz/corpus/$h" ] && cp -n "$srcdir/t/fuzz/corpus/$h/"* "$work/$h/" 2>/dev/null
	dict=
	[ -f "$srcdir/t/fuzz/$h.dict" ] && dict="-dict=$srcdir/t/fuzz/$h.dict"
	# shellcheck disable=SC2086
	"$bin/fuzz-$h" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$work/crash-$h-" $dict "$work/$h" >"$work/$h.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$h.log" | tail -n1)
	if [ $rc -eq 0 ] && [ -n "$runs" ]; then
		echo "ok $i - fuzz-$h: ${runs} inputs in ${secs} s, no crash"
	else
		echo "not ok $i - fuzz-$h: exit $rc after ${runs:-?} inputs"
		grep -E 'ERROR|SUMMARY|runtime error|Test unit written|deadly signal' "$work/$h.log" | head -10 | sed 's/^/# /'
		for a in "$work"/crash-"$h"-*; do
			[ -f "$a" ] && echo "# input: $(od -An -c "$a" | head -3 | tr -s ' ')"
		done
	fi
done
exit 0
