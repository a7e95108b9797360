#!/usr/bin/env bash
# ingest-cost.sh [SECONDS] [ROUNDS]
#
# What building charging sessions as vehicles upload costs: upload.sh's
# durable uploads (its realistic samples; an electric or plug-in car
# charges 15 minutes an hour, 11 kW reported, so its sessions are opened,
# extended and closed as it uploads) against two release builds of this
# tree made here, in turn, ROUNDS times (default 3) in one run:
#   with     the tree as it is
#   without  a copy whose db/ingest.c does not call cv_charges_ingest (the
#            fold of charging sessions; nothing else differs)
# Trips, eco-coaching and the summary are computed when read: nothing of
# them is at ingest, so nothing else is compared. SECONDS (default 10) per
# batch size of BATCH_LIST ("100 500").
#
# The last line is:
#   ingest-cost: batch 100 with X / without Y samples/s = R, batch 500 ... (medians of N rounds)
# Environment: BUILD_ROOT [/tmp/cvapi-ingest-cost] where the two builds go
# (kept between runs: a build whose source did not change is reused),
# BATCH_LIST, VEHICLES (passed to upload.sh).
# Exit status: 0; 1 on failure.
set -euo pipefail
PROG=ingest-cost.sh
[[ $# -le 2 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-10} ROUNDS=${2:-3}
SRCDIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=${BUILD_ROOT:-/tmp/cvapi-ingest-cost}
export BATCH_LIST=${BATCH_LIST:-100 500}
mkdir -p "$ROOT"

# two copies of the tree (what git tracks, plus uncommitted changes), one without the fold
build() { # NAME [strip]
  local dir=$ROOT/$1
  mkdir -p "$dir"
  (cd "$SRCDIR" && git ls-files -z | tar --null -T - -cf -) | tar -C "$dir" -xf -
  if [[ ${2:-} == strip ]]; then
    grep -q 'cv_charges_ingest(st, txn, vid, b->samples, b->n)' "$dir/db/ingest.c" ||
      { echo "$PROG: db/ingest.c has no cv_charges_ingest call to take out" >&2; exit 1; }
    sed -i 's/e = cv_charges_ingest(st, txn, vid, b->samples, b->n);/e = CV_OK;/' "$dir/db/ingest.c"
  fi
  ( cd "$dir" && { [[ -f Makefile ]] || { autoreconf -fi >/dev/null 2>&1 && ./configure -q >/dev/null 2>&1; }; } &&
    make -s -j2 >/dev/null 2>&1 ) || { echo "$PROG: the $1 build failed (see $dir)" >&2; exit 1; }
}
echo "ingest-cost.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'); building with and without the fold in $ROOT"
build with
build without strip

declare -A RUNS
for ((r = 1; r <= ROUNDS; r++)); do
  for side in with without; do
    out=$(CVAPI_BUILD=$ROOT/$side "$SRCDIR/bench/upload.sh" "$SECS" 2>&1) ||
      { echo "$out" >&2; echo "$PROG: upload.sh failed on $side" >&2; exit 1; }
    line=$(grep '^upload: ' <<<"$out")
    echo "round $r $side: ${line#upload: }"
    for B in $BATCH_LIST; do
      x=$(sed -n "s/.*batch $B \([0-9.]*\) samples\/s.*/\1/p" <<<"$line")
      RUNS[$side.$B]+="$x "
    done
  done
done

median() { tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
summary="ingest-cost:"
for B in $BATCH_LIST; do
  w=$(median <<<"${RUNS[with.$B]}") wo=$(median <<<"${RUNS[without.$B]}")
  summary+=" batch $B with $w / without $wo samples/s = $(awk -v a="$w" -v b="$wo" 'BEGIN {printf "%.3f", a / b}'),"
done
echo "${summary%,} (medians of $ROUNDS rounds)"
