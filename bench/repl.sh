#!/usr/bin/env bash
# repl.sh [SECONDS]
#
# A replication group of three sites against one plain site (no
# replication), in one run on this machine (bench/README.md, "repl.sh").
#
# 1. Writes: durable uploads through the vehicle link (bench/upload-gen, as
#    upload.sh: VEHICLES vehicles, one connection each, every batch one
#    transaction) for SECONDS per run to the plain site, to the group's
#    master and through the group's HAProxy front (etc/haproxy.cfg.in), in
#    ROUNDS interleaved rounds per batch size of BATCH_LIST. Per run:
#    samples/s and batches/s acknowledged, batch latency p50/p99, the CPU of
#    the target's processes (the plain site, or all three sites and the
#    front), the machine's, and the master's commits, log flushes and PERM
#    messages not acknowledged (db_stat).
# 2. Reads: GET .../vehicles/{id}/status with a bearer token, wrk -t2
#    -cREAD_CONNS (pinned like upload-gen) for SECONDS, on the plain site,
#    the master, a replica and the front, ROUNDS interleaved rounds.
# 3. Lag: uploads to the master (batches of 100) for SECONDS while
#    repl-driver.mjs samples every site's /healthz logPosition every 100 ms
#    (bytes behind, and that in time at the master's log rate) and times a
#    one-sample upload at the master until a replica's status shows it
#    (p50/p99); the same at rest.
# 4. Failover: FAILOVERS times, the master's processes all killed (SIGKILL
#    to its process group) under uploads: time to a new master, to the
#    first 200 straight at it and through the front; the dead site started
#    again and timed until it serves as a replica. First with the settings
#    `cvctl repl init` writes by default (acknowledgements 2 s, elections
#    3 s, heartbeats 1 s), then on a second group with the tests' (10 s, 4 s,
#    0.5 s). Every acknowledged batch is looked for at the last master.
#
# Environment (defaults in brackets): CVAPI_BUILD [the source tree],
# VEHICLES [8], BATCH_LIST ["100 10"], ROUNDS [2], PROCS [2], READ_CONNS
# [50], FAILOVERS [3], PARTS ["write read lag failover"], UPLOAD_CPUS ["1"
# on a 2-CPU machine], REPL_DB_CONFIG [none: lines added to every site's
# DB_CONFIG, an experiment, e.g. "rep_set_config db_rep_conf_bulk on"],
# KEEP_WORK=1 keeps the temporary folder.
# Exit status: 0; 1 on failure, on a lost acknowledged sample or when the
# counts do not match.
set -euo pipefail
PROG=repl.sh
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[[ $# -le 1 ]] || { sed -n '2,/^set -e/{/^#/p}' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }
SECS=${1:-10}
VEHICLES=${VEHICLES:-8} BATCH_LIST=${BATCH_LIST:-100 10} ROUNDS=${ROUNDS:-2} PROCS=${PROCS:-2}
READ_CONNS=${READ_CONNS:-50} FAILOVERS=${FAILOVERS:-3} PARTS=${PARTS:-write read lag failover}
CVB_MAX_SECONDS=${CVB_MAX_SECONDS:-3600}
cvb_setup
cvb_build_tools
. "$SRCDIR/bench/repl-group.sh"
[[ -x $BUILDDIR/repl/cvrepl && -x $BUILDDIR/cgi/cvapi-spawn ]] || cvb_die "$BUILDDIR/repl/cvrepl or cgi/cvapi-spawn is missing"
command -v haproxy >/dev/null || cvb_die "haproxy is needed"
if [[ -z ${UPLOAD_CPUS+set} ]]; then
  if [[ $(nproc) -eq 2 ]]; then UPLOAD_CPUS=1; else UPLOAD_CPUS=; fi
fi
PIN=(); [[ -z $UPLOAD_CPUS ]] || PIN=(taskset -c "$UPLOAD_CPUS")
DBSTAT=$(command -v db5.3_stat || command -v db_stat || true)
has() { [[ " $PARTS " == *" $1 "* ]]; }

echo "repl.sh: $(date -u '+%Y-%m-%d %H:%M UTC'), $(cvb_machine), $(haproxy -v | head -1 | awk '{print $1, $2, $3}')"
[[ -z ${REPL_DB_CONFIG:-} ]] || echo "EXPERIMENT: DB_CONFIG of every site + $REPL_DB_CONFIG"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); cvapi $(git -C "$SRCDIR" describe --always --dirty 2>/dev/null || echo '?'), build $BUILDDIR"

# ---------------------------------------------------------------- the plain site
PLAIN=$WORK/plain
cvb_store "$PLAIN"
: >"$PLAIN/vehicles.txt"; : >"$PLAIN/ids.txt"
grp_vehicles "$PLAIN/db" VR3BENCHX "$VEHICLES" "$PLAIN/vehicles.txt" "$PLAIN/ids.txt"
: >"$PLAIN/probes.txt"
grp_vehicles "$PLAIN/db" VR3PRBEXX 1 "" "" "$PLAIN/probes.txt"
PLAIN_TOKEN=$("$BUILDDIR/tools/cvctl" -H "$PLAIN/db" token issue demo --client console --ttl 86400)
cvb_budgets "$PLAIN/db" console
cvb_lighttpd plain "$(cvb_free_port)" "$BUILDDIR/cgi" "$PLAIN/db" "$PROCS"
PLAIN_PID=$LT_PID
PLAIN_URL=$(sed -n 's/^server.port *= *\([0-9]*\).*/http:\/\/127.0.0.1:\1/p' "$WORK/plain/lighttpd.conf")
[[ -n $PLAIN_URL ]] || cvb_die "no port in the plain site's configuration"

# ---------------------------------------------------------------- the group (cvctl repl init's defaults)
t=$(date +%s.%N)
grp_make group 3
grp_front group
A_SITES=("${GRP_SITES[@]}") A_URLS=("${GRP_URLS[@]}") A_FRONT=$GRP_FRONT
echo "group: 3 sites (${A_URLS[*]}), front $A_FRONT; made in $(awk -v a="$t" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b - a}') s;" \
  "plain site $PLAIN_URL; PROCS=$PROCS; upload-gen and wrk $( [[ -n $UPLOAD_CPUS ]] && echo "pinned to CPU $UPLOAD_CPUS" || echo unpinned)"
pgids() { local d; for d in "${A_SITES[@]}"; do cat "$d/pgid"; done; }
master_dir() { # the folder of the site whose /healthz says master
  local i
  for i in "${!A_URLS[@]}"; do
    curl -s -m 2 "${A_URLS[i]}/healthz" | grep -q '"role":"master"' && { echo "${A_SITES[i]}"; return 0; }
  done
  return 1
}
dbstat() { # HOME -> commits flushes perm_not_acked
  [[ -n $DBSTAT ]] || { echo "0 0 0"; return; }
  local c f p
  c=$("$DBSTAT" -h "$1" -t 2>/dev/null | awk '/Number of transactions committed/{print $1}') || c=
  f=$("$DBSTAT" -h "$1" -l 2>/dev/null | awk '/Total log file flushes/{print $1}') || f=
  p=$("$DBSTAT" -h "$1" -r 2>/dev/null | awk '/Number of PERM messages not acknowledged/{print $1}') || p=
  echo "${c:-0} ${f:-0} ${p:-0}"
}
busy() { awk -v t="$1" -v hz="$CVB_HZ" -v e="$2" 'BEGIN{printf "%.0f%%", 100 * t / hz / e}'; }

# ---------------------------------------------------------------- 1. writes
declare -A W_SPS W_P50 W_P99 W_BPS
k=0
if has write; then
  echo
  echo "== writes: upload-gen, $VEHICLES vehicles, $SECS s a run, $ROUNDS rounds (CPU: 100% = one CPU; server = the target's processes)"
  printf '%-6s %-6s %-6s %10s %9s %8s %8s %8s %8s %9s %8s %8s %8s\n' batch round target samples/s batches/s p50_ms p99_ms max_ms server machine commits flushes unacked
  for B in $BATCH_LIST; do
    for ((r = 1; r <= ROUNDS; r++)); do
      order=(plain master front)
      ((r % 2)) || order=(front master plain)
      for tg in "${order[@]}"; do
        case $tg in
          plain) url=$PLAIN_URL vf=$PLAIN/vehicles.txt home=$PLAIN/db roots=("$PLAIN_PID") ;;
          master) md=$(master_dir) || cvb_die "no master"; url=$(grep -o 'HPORT=[0-9]*' "$md/site.env" | sed 's/HPORT=/http:\/\/127.0.0.1:/')
                  vf=$GRP_VFILE home=$md/db roots=($(pgids) "${GRP_FRONT_PID[group]}") ;;
          front) md=$(master_dir) || cvb_die "no master"; url=$A_FRONT vf=$GRP_VFILE home=$md/db roots=($(pgids) "${GRP_FRONT_PID[group]}") ;;
        esac
        echo "$tg" >>"$WORK/targets"
        # each run its own stretch of time (1 s a sample): 40 days back, 2 days apart
        start=$((($(date +%s) - (40 - 2 * k) * 86400) * 1000))
        read -r c0 f0 p0 < <(dbstat "$home")
        s0=$(cvb_ticks "${roots[@]}"); m0=$(cvb_machine_ticks); t0=$(date +%s.%N)
        "${PIN[@]}" "$BENCHBIN/upload-gen" --url "$url" --vehicles "$vf" --batch "$B" --seconds "$SECS" --start-ms "$start" \
          --tag "w$k" >"$WORK/gen.$k" 2>"$WORK/gen.$k.err" || echo "upload-gen ($tg) reported errors: $(grep -v ' batches, ' "$WORK/gen.$k.err" | head -3)" >&2
        t1=$(date +%s.%N); s1=$(cvb_ticks "${roots[@]}"); m1=$(cvb_machine_ticks)
        read -r c1 f1 p1 < <(dbstat "$home")
        line=$(grep '^UPLOAD ' "$WORK/gen.$k") || cvb_die "upload-gen gave no result: $(cat "$WORK/gen.$k.err")"
        f() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
        el=$(awk -v a="$t0" -v b="$t1" 'BEGIN{print b - a}')
        printf '%-6s %-6s %-6s %10s %9s %8s %8s %8s %8s %9s %8s %8s %8s\n' "$B" "$r" "$tg" "$(f samples_per_s)" "$(f batches_per_s)" \
          "$(f p50_ms)" "$(f p99_ms)" "$(f max_ms)" "$(busy $((s1 - s0)) "$el")" "$(busy $((m1 - m0)) "$el")" \
          "$((c1 - c0))" "$((f1 - f0))" "$((p1 - p0))"
        [[ $(f retries) =~ ^[1-9] ]] && echo "       ($(f retries) batches sent again after a 503 or a 429)"
        [[ $(f errors) == 0 ]] || echo "       ($(f errors) failed batches)"
        W_SPS[$B.$tg]+="$(f samples_per_s) " W_P50[$B.$tg]+="$(f p50_ms) " W_P99[$B.$tg]+="$(f p99_ms) " W_BPS[$B.$tg]+="$(f batches_per_s) "
        k=$((k + 1))
      done
    done
  done
  echo "(unacked: PERM messages not acknowledged in time at the master; each a 503 and a retry. commits and flushes: the"
  echo " target store's counters (db_stat -t, -l); a flush (write + fdatasync) can carry several commits (group commit).)"
fi
med() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END{if (NR == 0) print "-"; else if (NR % 2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# ---------------------------------------------------------------- 2. reads
declare -A R_RPS R_P50 R_P99
if has read; then
  vid_of() { awk -v v=VR3BENCHX00000001 '$1 == v {print $2}' "$1"; }
  PV=$(vid_of "$PLAIN/ids.txt") GV=$(vid_of "$GRP_IDS")
  md=$(master_dir) || cvb_die "no master"
  for i in "${!A_SITES[@]}"; do [[ ${A_SITES[i]} == "$md" ]] && MURL=${A_URLS[i]}; done
  for i in "${!A_SITES[@]}"; do [[ ${A_SITES[i]} != "$md" ]] && { RURL=${A_URLS[i]}; break; }; done
  echo
  echo "== reads: GET .../status, wrk -t2 -c$READ_CONNS, $SECS s a run, $ROUNDS rounds; master $MURL, replica $RURL"
  printf '%-6s %-8s %10s %8s %8s %8s\n' round target req/s p50_ms p99_ms non2xx
  for ((r = 1; r <= ROUNDS; r++)); do
    order=(plain master replica front)
    ((r % 2)) || order=(front replica master plain)
    for tg in "${order[@]}"; do
      case $tg in
        plain) u=$PLAIN_URL/connectedcar/v4/user/vehicles/$PV/status tok=$PLAIN_TOKEN ;;
        master) u=$MURL/connectedcar/v4/user/vehicles/$GV/status tok=$GRP_TOKEN ;;
        replica) u=$RURL/connectedcar/v4/user/vehicles/$GV/status tok=$GRP_TOKEN ;;
        front) u=$A_FRONT/connectedcar/v4/user/vehicles/$GV/status tok=$GRP_TOKEN ;;
      esac
      code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$u")
      [[ $code == 200 ]] || cvb_die "GET $u: $code"
      out=$("${PIN[@]}" wrk -t2 -c"$READ_CONNS" -d"${SECS}s" --latency -H "Authorization: Bearer $tok" "$u")
      rps=$(awk '/^Requests\/sec/{printf "%.0f", $2}' <<<"$out")
      ms() { awk -v p="$1" '$1 == p {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) sub(/ms/,"",v); else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; printf "%.2f", v}' <<<"$out"; }
      non=$(awk '/Non-2xx/{print $NF}' <<<"$out")
      printf '%-6s %-8s %10s %8s %8s %8s\n' "$r" "$tg" "$rps" "$(ms 50%)" "$(ms 99%)" "${non:-0}"
      R_RPS[$tg]+="$rps " R_P50[$tg]+="$(ms 50%) " R_P99[$tg]+="$(ms 99%) "
    done
  done
fi

# ---------------------------------------------------------------- 3. lag
if has lag; then
  echo
  echo "== lag: each site's logPosition every 100 ms; a write at the master until a replica's status shows it"
  read -r pvin pcred pid <"$PLAIN/probes.txt"
  PLAIN_PROBE="{\"vin\":\"$pvin\",\"cred\":\"$pcred\",\"id\":\"$pid\",\"url\":\"$PLAIN_URL\"}"
  grp_config "$WORK/lag-rest.json" "seconds=$SECS" 'label="rest"' "plain=$PLAIN_PROBE"
  node "$SRCDIR/bench/repl-driver.mjs" lag "$WORK/lag-rest.json" | tee "$WORK/lag-rest.out"
  md=$(master_dir) || cvb_die "no master"
  url=$(grep -o 'HPORT=[0-9]*' "$md/site.env" | sed 's/HPORT=/http:\/\/127.0.0.1:/')
  start=$((($(date +%s) - 2 * 86400) * 1000))
  "${PIN[@]}" "$BENCHBIN/upload-gen" --url "$url" --vehicles "$GRP_VFILE" --batch 100 --seconds "$((SECS + 2))" --start-ms "$start" \
    --tag lag >"$WORK/gen.lag" 2>"$WORK/gen.lag.err" &
  gp=$!
  sleep 1
  grp_config "$WORK/lag-load.json" "seconds=$SECS" 'label="load"'
  node "$SRCDIR/bench/repl-driver.mjs" lag "$WORK/lag-load.json" | tee "$WORK/lag-load.out"
  wait "$gp" || echo "upload-gen (lag) reported errors" >&2
  echo "   (under load: $(sed -n 's/^UPLOAD .*samples_per_s=\([^ ]*\).*/\1/p' "$WORK/gen.lag") samples/s at the master, batches of 100)"
fi

# ---------------------------------------------------------------- the count
# every sample upload-gen had acknowledged, at the plain site and at every site of the group
COUNT_OK=ok
if has write || has lag; then
  declare -A SENT_P SENT_G
  for e in "$WORK"/gen.*.err; do
    [[ -e $e ]] || continue
    run=${e#"$WORK"/gen.}; run=${run%.err}
    while read -r vin n; do
      if [[ $run != lag ]] && grep -q "plain" <<<"$(sed -n "$((run + 1))p" "$WORK/targets")"; then SENT_P[$vin]=$(( ${SENT_P[$vin]:-0} + n ))
      else SENT_G[$vin]=$(( ${SENT_G[$vin]:-0} + n )); fi
    done < <(sed -n 's/^upload-gen: \([A-Z0-9]*\) [a-z]*: [0-9]* batches, \([0-9]*\) samples.*/\1 \2/p' "$e")
  done
  total() { # URL TOKEN ID -> telemetry total
    curl -sS -H "Authorization: Bearer $2" "$1/connectedcar/v4/user/vehicles/$3/telemetry?pageSize=1" |
      node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{process.stdout.write(String(JSON.parse(s).total??""))}catch{}})'
  }
  bad=""
  while read -r vin id; do
    t=$(total "$PLAIN_URL" "$PLAIN_TOKEN" "$id")
    [[ $t == "${SENT_P[$vin]:-0}" ]] || bad+=" plain $vin: $t held, ${SENT_P[$vin]:-0} acknowledged;"
  done <"$PLAIN/ids.txt"
  for u in "${A_URLS[@]}"; do
    while read -r vin id; do
      for _ in $(seq 100); do # a replica may be applying the last batches
        t=$(total "$u" "$GRP_TOKEN" "$id"); [[ $t == "${SENT_G[$vin]:-0}" ]] && break; sleep 0.1
      done
      [[ $t == "${SENT_G[$vin]:-0}" ]] || bad+=" $u $vin: $t held, ${SENT_G[$vin]:-0} acknowledged;"
    done <"$GRP_IDS"
  done
  sp=0; for v in "${SENT_P[@]}"; do sp=$((sp + v)); done
  sg=0; for v in "${SENT_G[@]}"; do sg=$((sg + v)); done
  if [[ -n $bad ]]; then COUNT_OK=MISMATCH; echo "count:$bad" >&2; FAILED=1; fi
  echo
  echo "count: plain site $sp samples acknowledged and held; group $sg acknowledged, held at each of its ${#A_URLS[@]} sites ($COUNT_OK)"
fi

# ---------------------------------------------------------------- 4. failover
if has failover; then
  echo
  echo "== failover: kill -9 of every process of the master, $FAILOVERS times; cvctl repl init's defaults"
  grp_config "$WORK/fo-default.json" "rounds=$FAILOVERS" "front=\"$A_FRONT\"" 'label="default"'
  node "$SRCDIR/bench/repl-driver.mjs" failover "$WORK/fo-default.json" | tee "$WORK/fo-default.out" || FAILED=1
  grp_stop group
  echo
  echo "== failover: the same on a group with the tests' settings (--ack-timeout 10000 --election-timeout 4000 --heartbeat 500)"
  VEHICLES=0 grp_make tests 3 --ack-timeout 10000 --election-timeout 4000 --heartbeat 500
  grp_front tests
  grp_config "$WORK/fo-tests.json" "rounds=$FAILOVERS" "front=\"$GRP_FRONT\"" 'label="tests"'
  node "$SRCDIR/bench/repl-driver.mjs" failover "$WORK/fo-tests.json" | tee "$WORK/fo-tests.out" || FAILED=1
fi

# ---------------------------------------------------------------- summary
echo
echo "== summary (medians of the rounds; load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
if has write; then
  for B in $BATCH_LIST; do
    p=$(med <<<"${W_SPS[$B.plain]}") m=$(med <<<"${W_SPS[$B.master]}") fr=$(med <<<"${W_SPS[$B.front]}")
    echo "writes, batches of $B: plain $p samples/s (p50 $(med <<<"${W_P50[$B.plain]}") ms, p99 $(med <<<"${W_P99[$B.plain]}") ms);" \
      "group master $m (p50 $(med <<<"${W_P50[$B.master]}") ms, p99 $(med <<<"${W_P99[$B.master]}") ms), master/plain" \
      "$(awk -v a="$m" -v b="$p" 'BEGIN{printf "%.2f", a / b}'); through the front $fr (p50 $(med <<<"${W_P50[$B.front]}") ms," \
      "p99 $(med <<<"${W_P99[$B.front]}") ms), front/plain $(awk -v a="$fr" -v b="$p" 'BEGIN{printf "%.2f", a / b}')"
  done
fi
if has read; then
  line="reads:"
  for tg in plain master replica front; do
    line+=" $tg $(med <<<"${R_RPS[$tg]}") req/s (p50 $(med <<<"${R_P50[$tg]}"), p99 $(med <<<"${R_P99[$tg]}") ms);"
  done
  echo "$line replica/plain $(awk -v a="$(med <<<"${R_RPS[replica]}")" -v b="$(med <<<"${R_RPS[plain]}")" 'BEGIN{printf "%.2f", a / b}')"
fi
if has lag; then grep -h '^LAG\|^VISIBLE' "$WORK/lag-rest.out" "$WORK/lag-load.out"; fi
if has failover; then grep -h '^FAILOVER' "$WORK/fo-default.out" "$WORK/fo-tests.out" || true; fi
[[ -z ${FAILED:-} ]] || exit 1
