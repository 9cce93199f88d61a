#!/usr/bin/env bash
# A throwaway S3 server for tests: Ceph radosgw on 127.0.0.1 over one
# monitor and one in-memory (memstore) OSD, no cephx.  Everything (conf,
# mon/osd data, logs, pids, admin sockets) lives under DIR.
#   scripts/s3-server.sh start DIR      start, create bucket lakestream-test and
#                                       print the AWS_* export lines on stdout:
#                                         eval "$(scripts/s3-server.sh start DIR)"
#   scripts/s3-server.sh stop DIR       stop exactly what start started (idempotent)
#   scripts/s3-server.sh status DIR     exit 0 if running and answering, else 1
#   scripts/s3-server.sh selftest DIR   check a started server with curl: conditional
#                                       PUT, GET, ListObjectsV2, DELETE
# Ports: RGW_PORT (S3, default 7480) and RGW_MON_PORT (monitor, default 3390);
# start refuses ports already taken and 6800-7300 (where the OSD binds).
# RGW_TLS_PORT=N also serves HTTPS on N with a self-signed certificate for
# 127.0.0.1 (made with openssl under DIR/tls), and start then prints two more
# lines: export LS_S3_TLS_ENDPOINT=https://127.0.0.1:N and
# export LS_S3_TLS_CA=DIR/tls/cert.pem (the certificate, as a CA bundle).
# Progress and errors go to stderr; logs are in DIR/log.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
RGW_PORT=${RGW_PORT:-7480}
RGW_MON_PORT=${RGW_MON_PORT:-3390}
RGW_TLS_PORT=${RGW_TLS_PORT:-}
WAIT_S=60                       # limit on each wait during start
STOP_WAIT_S=30                  # SIGTERM grace before SIGKILL
BUCKET=lakestream-test
REGION=us-east-1
# Fixed test credentials: the server only listens on loopback.
ACCESS_KEY=LAKESTREAMTESTKEY000
SECRET_KEY=lakestream-test-secret-0000000000000000
USER_ID=lakestream-test
DAEMONS_STOP_ORDER=(rgw osd mon)  # clients before servers
SHA256_EMPTY=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855

say() { echo "s3-server: $*" >&2; }
die() { echo "s3-server: error: $*" >&2; exit 1; }
usage() { sed -n '2,14s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# Paths inside DIR; set by set_dir.
dir='' conf='' log_dir='' pid_dir=''
set_dir() {  # DIR
  dir=$1
  conf=$dir/ceph.conf
  log_dir=$dir/log
  pid_dir=$dir/pids
}

# --- daemons -----------------------------------------------------------------

log_of() {  # NAME -> the daemon's own log file
  case $1 in
    mon) echo "$log_dir/mon.a.log" ;;
    osd) echo "$log_dir/osd.0.log" ;;
    rgw) echo "$log_dir/client.rgw.0.log" ;;
  esac
}

# True if PID is alive, not a zombie, and was started with our ceph.conf (a
# recycled PID or another instance's daemon never matches).
pid_is_ours() {  # PID
  local pid=$1 stat state cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
  state=${stat##*) }
  state=${state%% *}
  [ "$state" != Z ] || return 1
  cmdline=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  grep -qxF -- "$conf" <<<"$cmdline"
}

daemon_pid() {  # NAME -> recorded pid (empty if none)
  cat "$pid_dir/$1.pid" 2>/dev/null || true
}

daemon_alive() {  # NAME
  local pid
  pid=$(daemon_pid "$1")
  [ -n "$pid" ] && pid_is_ours "$pid"
}

# Start a daemon in the foreground (-f) in the background of this script, in
# its own session, with no tie to our stdout (so "$(start)" returns), and
# record its PID.  setsid execs in place here (we are not a group leader).
spawn() {  # NAME CMD...
  local name=$1; shift
  setsid "$@" </dev/null >>"$log_dir/$name.out" 2>&1 &
  echo $! >"$pid_dir/$name.pid"
}

# SIGTERM, wait, SIGKILL if needed; a zombie counts as stopped (its parent,
# init or a container's PID 1, reaps it when it gets to it).
stop_daemon() {  # NAME
  local name=$1 pid i
  pid=$(daemon_pid "$name")
  [ -n "$pid" ] || return 0
  if pid_is_ours "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < STOP_WAIT_S * 10; i++)); do
      pid_is_ours "$pid" || break
      sleep 0.1
    done
    if pid_is_ours "$pid"; then
      say "$name (pid $pid) ignored SIGTERM for ${STOP_WAIT_S} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      for ((i = 0; i < 100; i++)); do
        pid_is_ours "$pid" || break
        sleep 0.1
      done
      pid_is_ours "$pid" && die "$name (pid $pid) survived SIGKILL"
    fi
    say "stopped $name (pid $pid)"
    stopped_any=1
  fi
  rm -f "$pid_dir/$name.pid"
}

# --- helpers -----------------------------------------------------------------

port_open() {  # PORT -> true if something accepts connections on 127.0.0.1:PORT
  # shellcheck disable=SC2016  # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

check_port() {  # VAR-NAME
  local var=$1 port=${!1}
  if ! [[ $port =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "$var=$port is not a port number"
  fi
  if [ "$port" -ge 6800 ] && [ "$port" -le 7300 ]; then
    die "$var=$port is in 6800-7300, where Ceph OSDs bind; pick another"
  fi
  if port_open "$port"; then
    die "port $port ($var) is already in use on 127.0.0.1 (another s3-server.sh" \
        "instance?); stop it or set $var to a free port"
  fi
}

ceph_cli() {  # ARGS...
  timeout "$WAIT_S" ceph -c "$conf" --connect-timeout "$WAIT_S" "$@"
}

osd_up() {
  local out
  out=$(ceph_cli osd dump 2>/dev/null) && grep -q '^osd\.0 up' <<<"$out"
}

rgw_answers() {
  curl -s --noproxy '*' -o /dev/null --max-time 2 "http://127.0.0.1:$RGW_PORT/"
}

# Poll CMD... every 0.2 s until it succeeds; give up after WAIT_S seconds,
# or at once if daemon NAME has exited, pointing at its log.
wait_for() {  # WHAT NAME CMD...
  local what=$1 name=$2 deadline=$((SECONDS + WAIT_S)); shift 2
  until "$@"; do
    daemon_alive "$name" ||
      die "$name exited while waiting for $what; see $(log_of "$name") and $log_dir/$name.out"
    [ $SECONDS -lt $deadline ] ||
      die "timed out after $WAIT_S s waiting for $what; see $(log_of "$name")"
    sleep 0.2
  done
}

# curl with SigV4 against the server described in DIR/s3.env; the response
# body goes to $body, the HTTP status to stdout.
s3() {  # METHOD PATH [CURL-ARGS...]
  local method=$1 path=$2; shift 2
  curl -sS --noproxy '*' --max-time 30 -o "$body" -w '%{http_code}' -X "$method" \
    --aws-sigv4 "aws:amz:$AWS_REGION:s3" \
    --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    "$@" "$AWS_ENDPOINT_URL$path"
}

load_env() {
  [ -f "$dir/s3.env" ] || die "no server was started in $dir (no $dir/s3.env)"
  # shellcheck source=/dev/null
  . "$dir/s3.env"
  RGW_PORT=${AWS_ENDPOINT_URL##*:}
}

# The frontend's HTTPS part when RGW_TLS_PORT is set.
tls_frontend() {
  [ -n "$RGW_TLS_PORT" ] || return 0
  printf ' ssl_endpoint=127.0.0.1:%s ssl_certificate=%s ssl_private_key=%s' \
    "$RGW_TLS_PORT" "$dir/tls/cert.pem" "$dir/tls/key.pem"
}

write_conf() {  # FSID
  cat >"$conf" <<EOF
# Written by scripts/s3-server.sh; everything stays under $dir.
[global]
fsid = $1
mon host = [v2:127.0.0.1:$RGW_MON_PORT]
public addr = 127.0.0.1
auth cluster required = none
auth service required = none
auth client required = none
keyring = $dir/keyring
run dir = $dir/run
crash dir = $dir/crash
log file = $log_dir/\$name.log
mon cluster log file = $log_dir/cluster.log
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
osd pool default pg num = 8
osd pool default pgp num = 8
mon max pg per osd = 1000
osd crush chooseleaf type = 0
mon data avail crit = 0
# OSDs bind here; start refuses RGW_PORT / RGW_MON_PORT in this range.
ms bind port min = 6800
ms bind port max = 7300

[mon]
mon data = $dir/mon/\$cluster-\$id
pid file = $dir/run/\$name.pid
# Pool creation (radosgw-admin user create) waits on paxos: ~13 s -> ~1.5 s.
paxos propose interval = 0.01
paxos min wait = 0.001

[osd]
osd data = $dir/osd/\$cluster-\$id
pid file = $dir/run/\$name.pid
osd objectstore = memstore
# Capacity, allocated on demand; the data lives in the OSD's RAM.
memstore device bytes = 4G

[client]
# Without it radosgw loops on "get_initial_auth_request returned -13".
ms mon client mode = crc

[client.rgw.0]
rgw frontends = beast endpoint=127.0.0.1:$RGW_PORT$(tls_frontend)
rgw data = $dir/rgw
pid file = $dir/run/\$name.pid
EOF
}

# --- commands ----------------------------------------------------------------

cmd_stop() {
  local name
  stopped_any=0
  if [ -d "$pid_dir" ]; then
    for name in "${DAEMONS_STOP_ORDER[@]}"; do
      stop_daemon "$name"
    done
  fi
  if [ $stopped_any -eq 0 ]; then
    say "nothing running in $dir"
  fi
}

start_failed() {
  local rc=$?
  [ $rc -eq 0 ] && return 0
  say "start failed; stopping what was started"
  cmd_stop || true
  exit $rc
}

cmd_start() {
  local name fsid uuid osd_id code t0=$SECONDS
  if ! command -v radosgw >/dev/null || ! command -v ceph-mon >/dev/null ||
     ! command -v ceph-osd >/dev/null || ! command -v curl >/dev/null; then
    say "installing Ceph radosgw (scripts/install-deps.sh --s3)"
    "$HERE/install-deps.sh" --s3 >&2
  fi
  for name in "${DAEMONS_STOP_ORDER[@]}"; do
    daemon_alive "$name" && die "already running in $dir; run: $0 stop $dir"
  done
  # DIR must be new, empty, or one of ours: we wipe our files in it below.
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$conf" ]; then
    die "$dir is neither empty nor an s3-server.sh directory"
  fi
  [ "$RGW_PORT" != "$RGW_MON_PORT" ] || die "RGW_PORT and RGW_MON_PORT are both $RGW_PORT"
  check_port RGW_PORT
  check_port RGW_MON_PORT
  if [ -n "$RGW_TLS_PORT" ]; then
    check_port RGW_TLS_PORT
    command -v openssl >/dev/null || die "RGW_TLS_PORT needs openssl"
  fi

  (cd "$dir" && rm -rf ceph.conf keyring monmap s3.env mon osd rgw run crash log pids selftest tls)
  mkdir -p "$dir/mon/ceph-a" "$dir/osd/ceph-0" "$dir/rgw" "$dir/run" "$dir/crash" \
           "$log_dir" "$pid_dir"
  fsid=$(cat /proc/sys/kernel/random/uuid)
  uuid=$(cat /proc/sys/kernel/random/uuid)
  if [ -n "$RGW_TLS_PORT" ]; then
    mkdir -p "$dir/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
      -addext "subjectAltName=IP:127.0.0.1" -keyout "$dir/tls/key.pem" \
      -out "$dir/tls/cert.pem" >>"$log_dir/setup.out" 2>&1 ||
      die "openssl could not make a certificate; see $log_dir/setup.out"
  fi
  write_conf "$fsid"
  trap start_failed EXIT

  say "monitor on 127.0.0.1:$RGW_MON_PORT"
  ceph-authtool --create-keyring "$dir/keyring" --gen-key -n mon. --cap mon 'allow *' \
    >>"$log_dir/setup.out" 2>&1 || die "ceph-authtool failed; see $log_dir/setup.out"
  monmaptool --create --fsid "$fsid" --addv a "[v2:127.0.0.1:$RGW_MON_PORT]" "$dir/monmap" \
    >>"$log_dir/setup.out" 2>&1 || die "monmaptool failed; see $log_dir/setup.out"
  ceph-mon -c "$conf" --mkfs -i a --monmap "$dir/monmap" --keyring "$dir/keyring" \
    >>"$log_dir/setup.out" 2>&1 || die "ceph-mon --mkfs failed; see $log_dir/setup.out"
  spawn mon ceph-mon -f -c "$conf" -i a
  wait_for "the monitor to listen" mon port_open "$RGW_MON_PORT"

  say "memstore OSD"
  osd_id=$(ceph_cli osd new "$uuid" 2>>"$log_dir/setup.out") ||
    die "ceph osd new failed; see $log_dir/setup.out and $(log_of mon)"
  [ "$osd_id" = 0 ] || die "ceph osd new returned '$osd_id', expected 0"
  ceph-osd -c "$conf" -i 0 --mkfs --osd-uuid "$uuid" \
    >>"$log_dir/setup.out" 2>&1 || die "ceph-osd --mkfs failed; see $log_dir/setup.out"
  spawn osd ceph-osd -f -c "$conf" -i 0
  wait_for "osd.0 up" osd osd_up

  say "radosgw on 127.0.0.1:$RGW_PORT"
  timeout "$WAIT_S" radosgw-admin -c "$conf" user create --uid="$USER_ID" \
    --display-name="Lakestream tests" --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" \
    >>"$log_dir/setup.out" 2>&1 ||
    die "radosgw-admin user create failed; see $log_dir/setup.out"
  spawn rgw radosgw -f -c "$conf" -n client.rgw.0
  wait_for "radosgw to answer on port $RGW_PORT" rgw rgw_answers
  daemon_alive rgw || die "radosgw exited; see $(log_of rgw)"

  cat >"$dir/s3.env" <<EOF
export AWS_ENDPOINT_URL=http://127.0.0.1:$RGW_PORT
export AWS_ACCESS_KEY_ID=$ACCESS_KEY
export AWS_SECRET_ACCESS_KEY=$SECRET_KEY
export AWS_REGION=$REGION
EOF
  if [ -n "$RGW_TLS_PORT" ]; then
    cat >>"$dir/s3.env" <<EOF
export LS_S3_TLS_ENDPOINT=https://127.0.0.1:$RGW_TLS_PORT
export LS_S3_TLS_CA=$dir/tls/cert.pem
EOF
  fi
  load_env
  body=$dir/run/create-bucket.body
  code=$(s3 PUT "/$BUCKET" -H "x-amz-content-sha256: $SHA256_EMPTY") ||
    die "bucket creation request failed; see $(log_of rgw)"
  case $code in
    200) ;;
    409) grep -q 'BucketAlready' "$body" ||
           die "creating bucket $BUCKET: HTTP 409: $(cat "$body")" ;;
    *) die "creating bucket $BUCKET: HTTP $code: $(cat "$body"); see $(log_of rgw)" ;;
  esac
  trap - EXIT
  say "up in $((SECONDS - t0)) s: bucket $BUCKET at $AWS_ENDPOINT_URL; stop with: $0 stop $dir"
  cat "$dir/s3.env"
}

cmd_status() {
  local name
  [ -f "$dir/s3.env" ] || { say "not started in $dir"; return 1; }
  for name in mon osd rgw; do
    daemon_alive "$name" || { say "$name is not running"; return 1; }
  done
  load_env
  rgw_answers || { say "radosgw does not answer on port $RGW_PORT"; return 1; }
  say "running: $AWS_ENDPOINT_URL"
}

# One check: run a request and compare its HTTP status.
expect() {  # WANT WHAT METHOD PATH [CURL-ARGS...]
  local want=$1 what=$2 got; shift 2
  got=$(s3 "$@") || die "selftest: $what: curl failed"
  [ "$got" = "$want" ] || die "selftest: $what: HTTP $got, expected $want: $(cat "$body")"
  say "ok: $what -> $got"
}

cmd_selftest() {
  local key obj sha
  cmd_status || die "selftest: no running server in $dir"
  mkdir -p "$dir/selftest"
  body=$dir/selftest/body
  key=selftest-$$-$RANDOM
  obj=/$BUCKET/$key
  echo "lakestream selftest $key $(date -u +%FT%TZ)" >"$dir/selftest/data"
  sha=$(sha256sum "$dir/selftest/data" | cut -d' ' -f1)
  local put=(-H "x-amz-content-sha256: $sha" -H 'Content-Type: application/octet-stream'
             --data-binary "@$dir/selftest/data")
  local empty=(-H "x-amz-content-sha256: $SHA256_EMPTY")

  expect 200 "PUT $obj If-None-Match: * (new)" PUT "$obj" -H 'If-None-Match: *' "${put[@]}"
  expect 412 "PUT $obj If-None-Match: * (exists)" PUT "$obj" -H 'If-None-Match: *' "${put[@]}"
  expect 200 "GET $obj" GET "$obj" "${empty[@]}"
  cmp -s "$body" "$dir/selftest/data" || die "selftest: GET $obj returned other bytes"
  say "ok: GET $obj returned the bytes put"
  # Query parameters sorted (curl 7.88 signs them as written).
  expect 200 "ListObjectsV2 prefix=$key" GET "/$BUCKET?list-type=2&prefix=$key" "${empty[@]}"
  grep -q "<Key>$key</Key>" "$body" || die "selftest: listing lacks $key: $(cat "$body")"
  grep -q '<KeyCount>1</KeyCount>' "$body" || die "selftest: listing: $(cat "$body")"
  say "ok: listing holds exactly $key"
  expect 403 "GET $obj with a wrong secret" GET "$obj" "${empty[@]}" \
    --user "$AWS_ACCESS_KEY_ID:wrong$AWS_SECRET_ACCESS_KEY"
  expect 204 "DELETE $obj" DELETE "$obj" "${empty[@]}"
  expect 404 "GET $obj after DELETE" GET "$obj" "${empty[@]}"
  rm -rf "$dir/selftest"
  say "selftest passed"
}

[ $# -eq 2 ] || usage
cmd=$1
case $cmd in
  start)
    mkdir -p "$2"
    set_dir "$(cd "$2" && pwd -P)" ;;
  stop|status|selftest)
    if [ ! -d "$2" ]; then
      set_dir "$2"
    else
      set_dir "$(cd "$2" && pwd -P)"
    fi ;;
  *) usage ;;
esac
body='' stopped_any=0
"cmd_$cmd"
