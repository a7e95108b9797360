# shellcheck shell=bash disable=SC2034
# repl-group.sh - what bench/repl.sh and repl-drill.sh share (sourced after
# common.sh and cvb_setup): a replication group of sites on this machine
# (bench/repl-site.sh: each site's processes in a session of their own),
# an HAProxy front (etc/haproxy.cfg.in), vehicles, and the drivers' CONFIG.
#
#   grp_make NAME NSITES [cvctl repl init options...]
#       $WORK/NAME/site1..siteN: site1 creates the group with the demo data,
#       VEHICLES bench vehicles (BENCH_VINS) and PROBES probe vehicles
#       (PROBE_VINS), rate budgets the benchmark never reaches (cvb_budgets)
#       and a token of the demo user; the others join one at a time. Sets
#       GRP_DIR, GRP_SITES (folders), GRP_URLS, GRP_TOKEN, GRP_VFILE (the
#       bench vehicles for upload-gen), GRP_IDS ("VIN id" lines), GRP_PROBES
#       ("VIN cred id" lines).
#   grp_front NAME      HAProxy in front of the group; sets GRP_FRONT (URL)
#   grp_stop NAME       every site of the group stopped (and its front)
#   grp_config FILE KEY=VALUE...  the drivers' CONFIG (JSON)
# Every site is stopped on exit (cvb_before_cleanup).

REPL_SITE=$SRCDIR/bench/repl-site.sh
export BUILDDIR SRCDIR PROCS=${PROCS:-2}
ALL_SITES=()
declare -A GRP_FRONT_PID
cvb_before_cleanup() {
  local d
  for d in "${ALL_SITES[@]}"; do "$REPL_SITE" stop "$d" || true; done
}

# vehicles STORE PREFIX COUNT VFILE IDS [PROBES]: COUNT vehicles VIN PREFIX%08d of the demo user
grp_vehicles() {
  local home=$1 prefix=$2 count=$3 vfile=$4 ids=$5 probes=${6:-} i vin en out id cred
  local energies=(petrol electric phev diesel)
  for ((i = 1; i <= count; i++)); do
    vin=$(printf '%s%08d' "$prefix" "$i")
    en=${energies[$(((i - 1) % 4))]}
    out=$("$BUILDDIR/tools/cvctl" -H "$home" vehicle add "$vin" --owner demo --energy "$en" --brand Peugeot --label bench) \
      || cvb_die "cvctl vehicle add $vin failed"
    id=$(sed -n 's/^id=//p' <<<"$out") cred=$(sed -n 's/^credential=//p' <<<"$out")
    [[ -n $id && -n $cred ]] || cvb_die "cvctl vehicle add printed no id or credential: $out"
    [[ -z $vfile ]] || echo "$vin $en $cred" >>"$vfile"
    [[ -z $ids ]] || echo "$vin $id" >>"$ids"
    [[ -z $probes ]] || echo "$vin $cred $id" >>"$probes"
  done
}

grp_make() {
  local name=$1 nsites=$2 n peers i
  shift 2
  GRP_DIR=$WORK/$name
  GRP_SITES=() GRP_URLS=()
  mkdir -p "$GRP_DIR"
  GRP_VFILE=$GRP_DIR/vehicles.txt GRP_IDS=$GRP_DIR/ids.txt GRP_PROBES=$GRP_DIR/probes.txt
  : >"$GRP_VFILE"; : >"$GRP_IDS"; : >"$GRP_PROBES"
  local -a hp rp
  for ((n = 1; n <= nsites; n++)); do hp[n]=$(cvb_free_port); rp[n]=$(cvb_free_port); done
  for ((n = 1; n <= nsites; n++)); do
    local d=$GRP_DIR/site$n
    peers=()
    for ((i = 1; i < n; i++)); do peers+=(--peer "127.0.0.1:${rp[i]}"); done
    "$REPL_SITE" init "$d" "${hp[n]}" "${rp[n]}" "${peers[@]}" "$@" || cvb_die "site $n of $name: init failed"
    if [[ $n -eq 1 ]]; then
      # the group's first data, before its first cvrepl
      "$BUILDDIR/tools/cvctl" -H "$d/db" init >/dev/null || cvb_die "cvctl init failed"
      "$BUILDDIR/tools/cvctl" -H "$d/db" demo --vehicles "$GRP_DIR/demo-vehicles.txt" >/dev/null || cvb_die "cvctl demo failed"
      grp_vehicles "$d/db" VR3BENCHX "${VEHICLES:-8}" "$GRP_VFILE" "$GRP_IDS"
      grp_vehicles "$d/db" VR3PRBEXX "${PROBES:-4}" "" "" "$GRP_PROBES"
      GRP_TOKEN=$("$BUILDDIR/tools/cvctl" -H "$d/db" token issue demo --client console --ttl 86400) || cvb_die "token issue failed"
      cvb_budgets "$d/db" console
    fi
    ALL_SITES+=("$d")
    "$REPL_SITE" start "$d" || cvb_die "site $n of $name did not start"
    GRP_SITES+=("$d") GRP_URLS+=("http://127.0.0.1:${hp[n]}")
  done
}

grp_front() {
  local name=$1 port i tk
  port=$(cvb_free_port)
  mkdir -p "$GRP_DIR/front"
  local -a s=()
  for ((i = 0; i < 3; i++)); do s[i]=${GRP_URLS[i]:-${GRP_URLS[0]}}; s[i]=${s[i]#http://}; done
  # no trackers here: the Teltonika front on a free port, its servers a closed one (down: nothing is forwarded)
  tk=$(cvb_free_port)
  sed -e "s|@PORT@|$port|g" -e "s|@SITE1@|${s[0]}|g" -e "s|@SITE2@|${s[1]}|g" -e "s|@SITE3@|${s[2]}|g" \
      -e "s|@TKPORT@|$tk|g" -e "s|@TK1@|127.0.0.1:1|g" -e "s|@TK2@|127.0.0.1:1|g" -e "s|@TK3@|127.0.0.1:1|g" \
      -e "s|@RUNDIR@|$GRP_DIR/front|g" "$SRCDIR/etc/haproxy.cfg.in" >"$GRP_DIR/front/haproxy.cfg"
  haproxy -db -f "$GRP_DIR/front/haproxy.cfg" >>"$GRP_DIR/front/haproxy.log" 2>&1 &
  GRP_FRONT_PID[$name]=$!
  CVB_PIDS+=("$!")
  GRP_FRONT=http://127.0.0.1:$port
  for i in $(seq 300); do
    # reads answered, and a write reaches the master (an empty token request: its 4xx, not the front's 503)
    if curl -fs -o /dev/null "$GRP_FRONT/healthz" &&
       [[ $(curl -s -o /dev/null -w '%{http_code}' -X POST "$GRP_FRONT/oauth2/token") == 4* ]]; then
      return 0
    fi
    sleep 0.1
  done
  cvb_die "the front of $name did not start: $(tail -5 "$GRP_DIR/front/haproxy.log")"
}

grp_stop() {
  local name=$1 d p
  for d in "$WORK/$name"/site*; do "$REPL_SITE" stop "$d" || true; done
  p=${GRP_FRONT_PID[$name]:-}
  [[ -z $p ]] || { kill -TERM "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; }
}

# grp_config FILE KEY=JSONVALUE...: CONFIG for repl-driver.mjs (sites, probes, token from the last grp_make)
grp_config() {
  local file=$1 i extra=""
  shift
  local sites="" probes=""
  for i in "${!GRP_SITES[@]}"; do
    sites+="${sites:+,}{\"n\":$((i + 1)),\"dir\":\"${GRP_SITES[i]}\",\"url\":\"${GRP_URLS[i]}\"}"
  done
  while read -r vin cred id; do probes+="${probes:+,}{\"vin\":\"$vin\",\"cred\":\"$cred\",\"id\":\"$id\"}"; done <"$GRP_PROBES"
  for kv in "$@"; do extra+=",\"${kv%%=*}\":${kv#*=}"; done
  printf '{"sites":[%s],"probes":[%s],"token":"%s","site":"%s","build":"%s"%s}\n' \
    "$sites" "$probes" "$GRP_TOKEN" "$REPL_SITE" "$BUILDDIR" "$extra" >"$file"
}
