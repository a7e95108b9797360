#!/usr/bin/env bash
# repl-drill.sh sigstop|two-site
#
# Drills of a replication group on this machine (bench/README.md,
# "repl-drill.sh"); not in make check. Each site is a whole cvapi
# (bench/repl-site.sh: its processes in a session of their own), with the
# settings `cvctl repl init` writes by default (acknowledgements 2 s,
# elections 3 s, heartbeats 1 s). PROBES (4) vehicles upload batches of 10
# samples to the master as a client finds it (/healthz role), each batch
# again at the master found anew after a failure; a request that has not
# answered in 3 s is left open (its late answer recorded: a 200 then counts
# as acknowledged) and its vehicle goes on with its next batch.
#
#   sigstop   three sites; SIGSTOP to every process of the master under
#             the uploads; a replica must be elected and the writes resume;
#             after HOLD (10) s, SIGCONT: the old master must find it is no
#             longer master and serve as a replica of the new one. Printed:
#             each site's role (/healthz and cvctl repl status) as it
#             changed, what the requests left at the stopped master got,
#             the old master's cvrepl.log lines about elections and roles.
#   two-site  two sites (2SITE_STRICT on): SIGKILL to every process of the
#             master; for HOLD (20) s no write may be acknowledged and the
#             survivor must not make itself master; the master is started
#             again and the writes must resume; then the replica is killed
#             (the master goes on alone: the QUORUM policy waits for no
#             acknowledgement with two sites) and started again.
# Both end with every acknowledged batch looked for at the master, the
# stores compared (every site the same samples per vehicle) and a line
#   DRILL NAME PASS|FAIL: what it saw
# Environment: CVAPI_BUILD, HOLD, PROBES, PROCS (2), KEEP_WORK=1 (keeps the
# folder, with every site's logs). Exit status 0 on PASS, 1 on FAIL.
set -euo pipefail
PROG=repl-drill.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -eq 1 && $1 =~ ^(sigstop|two-site)$ ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
DRILL=$1
PROCS=${PROCS:-2} VEHICLES=0 PROBES=${PROBES:-4}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-900}
cvb_setup
. "$SRCDIR/bench/repl-group.sh"
[[ -x $BUILDDIR/repl/cvrepl && -x $BUILDDIR/cgi/cvapi-spawn ]] || cvb_die "$BUILDDIR/repl/cvrepl or cgi/cvapi-spawn is missing"

echo "repl-drill.sh $DRILL: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine)"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"
rc=0
case $DRILL in
sigstop)
	grp_make group 3
	echo "group: ${GRP_URLS[*]}"
	grp_config "$WORK/drill.json" "hold=${HOLD:-10}" 'label="sigstop"'
	node "$SRCDIR/bench/repl-driver.mjs" sigstop "$WORK/drill.json" || rc=1
	;;
two-site)
	grp_make group 2
	echo "group: ${GRP_URLS[*]}"
	grp_config "$WORK/drill.json" "hold=${HOLD:-20}" 'label="twosite"'
	node "$SRCDIR/bench/repl-driver.mjs" twosite "$WORK/drill.json" || rc=1
	;;
esac
[[ $rc -eq 0 ]] || { KEEP_WORK=${KEEP_WORK:-1}; echo "repl-drill.sh: the sites' logs are in $WORK/group/site*/run (cvrepl.log, error.log)"; }
exit $rc
