#!/usr/bin/env bash
# console.sh [ROUNDS]
#
# The console's page loads in Chromium, on the demo data: a fresh store,
# DAYS (7) days of simulated history for the demo vehicles (what `make run`
# writes), lighttpd with PROCS (2) processes per program, and
# bench/console-driver.mjs loading every page ROUNDS (10) times with an
# empty cache and ROUNDS times with the files cached, timing the first
# contentful paint and the page's content on screen (target: first paint
# under 1 s). The reference in the same run: a static page with the same
# stylesheet and the vehicles' table written in (no script, no API call).
# The last lines:
#   console: PAGE MODE paint P ms, ready R ms (p90 Q ms)
#
# Needs Chromium (/usr/bin/chromium, or CHROMIUM) and playwright-core in
# t/node_modules (./bootstrap installs both).
# Rate limits: the benchmark's client (console) and every vehicle get
# budgets they never reach (common.sh: cvb_budgets), so every request is
# counted as in service and none is refused; nothing to set by hand.
# Environment: CVAPI_BUILD (a release build; default the source tree),
# DAYS [7; cvsim's history starts at midnight UTC DAYS ago, so 1 may hold no
# trip shortly after midnight], PROCS [2], CHROMIUM, KEEP_WORK=1.
set -euo pipefail
PROG=console.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
ROUNDS=${1:-10}
DAYS=${DAYS:-7} PROCS=${PROCS:-2}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-900}
cvb_setup
[[ -x $BUILDDIR/sim/cvsim ]] || cvb_die "cvsim is missing: build cvapi first"
[[ -x ${CHROMIUM:-/usr/bin/chromium} ]] || cvb_die "Chromium is needed (apt-get install chromium, or set CHROMIUM)"
[[ -d $SRCDIR/t/node_modules/playwright-core ]] || cvb_die "playwright-core is needed in t/node_modules (./bootstrap)"

echo "console.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine), $("${CHROMIUM:-/usr/bin/chromium}" --version 2>/dev/null | head -1)"
echo "cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

cvb_store "$WORK/store"
HOME_DB=$WORK/store/db
TOKEN=$("$BUILDDIR/tools/cvctl" -H "$HOME_DB" token issue demo --client console --ttl 86400)
# the benchmark's client and vehicles get rate limits they never reach (every request counted, none refused)
cvb_budgets "$HOME_DB" console
# the console's files, and the reference page beside them
cp -r "$SRCDIR/www" "$WORK/www"
export CVB_WWWDIR=$WORK/www
PORT=$(cvb_free_port)
cvb_lighttpd project "$PORT" "$BUILDDIR/cgi" "$HOME_DB" "$PROCS"
"$BUILDDIR/sim/cvsim" --url "http://127.0.0.1:$PORT" --vehicles "$WORK/store/demo-vehicles.txt" --seed 1 --days "$DAYS" --quiet \
  || cvb_die "cvsim --days failed"
rows=$(curl -s -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/connectedcar/v4/user/vehicles" |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{for(const v of JSON.parse(s)._embedded.vehicles)console.log(`<tr><td>${v.brand} ${v.label}</td><td>${v.vin}</td><td>${v.motorization}</td></tr>`)})')
cat >"$WORK/www/ref.html" <<EOF
<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>reference</title><link rel="stylesheet" href="css/console.css"></head>
<body><header><a class="brand" href="#">cvapi</a></header><main><h1>Vehicles</h1>
<table><thead><tr><th>Vehicle</th><th>VIN</th><th>Energy</th></tr></thead><tbody>
$rows
</tbody></table></main></body></html>
EOF

echo
echo "$DAYS days of history for the demo vehicles; every page $ROUNDS times with an empty cache, $ROUNDS times with the files cached"
node "$SRCDIR/bench/console-driver.mjs" "http://127.0.0.1:$PORT" "$ROUNDS" >"$WORK/driver.out" 2>&1 ||
  cvb_die "the driver failed: $(tail -5 "$WORK/driver.out")"
grep -v '^PAGE ' "$WORK/driver.out"
echo
while read -r line; do
  v() { sed -n "s/.* $1=\\([^ ]*\\).*/\\1/p" <<<"$line"; }
  echo "console: $(v name | tr _ ' ') $(v mode | tr _ ' '): paint $(v paint_p50) ms, ready $(v ready_p50) ms (p90 $(v ready_p90) ms)"
done < <(grep '^PAGE ' "$WORK/driver.out")
