#!/usr/bin/env bash
# A throwaway Apache Kafka broker for tests and benchmarks: KRaft mode, each
# node a combined broker+controller on 127.0.0.1, jars from Maven Central
# only (scripts/kafka/pom.xml).  Everything (config, data, logs, pids) lives
# under DIR.
#   scripts/kafka-server.sh start [--brokers N] DIR   start N nodes (default 1;
#                             --brokers may also follow DIR) and print the
#                             export lines on stdout:
#                               eval "$(scripts/kafka-server.sh start DIR)"
#   scripts/kafka-server.sh stop DIR     stop exactly what start started (idempotent)
#   scripts/kafka-server.sh status DIR   exit 0 if running and answering, else 1
#   scripts/kafka-server.sh fetch        only fill the jar cache (CI pre-warm)
# Ports: node i (0-based) listens on KAFKA_PORT+2i (clients, default 9092) and
# KAFKA_CONTROLLER_PORT+2i (controller, default 9093); start refuses ports taken.
# KAFKA_SERVER_PROPS (newline-separated k=v lines) and KAFKA_SERVER_PROPS_FILE
# are appended to every node's server.properties and override its settings.
# KAFKA_HEAP_OPTS (default -Xms256m -Xmx512m) is per node.  Jars are cached in
# KAFKA_JARS_DIR (default .cache/kafka-jars/VERSION under the repo root).
# Progress and errors go to stderr; logs are in DIR/log.  docs/kafka-broker.md.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
POM=$HERE/kafka/pom.xml
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}
KAFKA_SERVER_PROPS=${KAFKA_SERVER_PROPS:-}
KAFKA_SERVER_PROPS_FILE=${KAFKA_SERVER_PROPS_FILE:-}
WAIT_S=${KAFKA_WAIT_S:-90}      # limit on the wait for the brokers to answer
FETCH_WAIT_S=600                # limit on the Maven fetch
STOP_WAIT_S=30                  # SIGTERM grace before SIGKILL
MAX_BROKERS=9

say() { echo "kafka-server: $*" >&2; }
die() { echo "kafka-server: error: $*" >&2; exit 1; }
usage() { sed -n '2,21s/^# \{0,1\}//p' "$0" >&2; exit 2; }

# The pinned release: the one property in the pom, so the two never disagree.
VERSION=$(sed -n 's:.*<kafka\.version>\([^<]*\)</kafka\.version>.*:\1:p' "$POM" | head -n 1)
[ -n "$VERSION" ] || die "no <kafka.version> in $POM"
JARS=${KAFKA_JARS_DIR:-$ROOT/.cache/kafka-jars/$VERSION}
JAVA=java
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] && JAVA=$JAVA_HOME/bin/java

# Paths inside DIR; set by set_dir.
dir='' log_dir='' pid_dir='' state=''
set_dir() {  # DIR
  dir=$1
  log_dir=$dir/log
  pid_dir=$dir/pids
  state=$dir/kafka-server.conf
}
brokers=1

# --- the jar cache -----------------------------------------------------------

pom_sum() { sha256sum "$POM" | cut -d' ' -f1; }

# Complete when a fetch finished for this very pom (the marker holds its hash).
cache_complete() {
  [ -f "$JARS/.complete" ] && [ "$(cat "$JARS/.complete")" = "$(pom_sum)" ] &&
    compgen -G "$JARS/kafka_2.13-$VERSION.jar" >/dev/null
}

cmd_fetch() {
  local tmp t0=$SECONDS
  if cache_complete; then
    say "jar cache complete: $JARS"
    return 0
  fi
  command -v mvn >/dev/null ||
    die "mvn not found; install Maven (Debian package maven: apt-get install -y maven)"
  need_java
  tmp=$JARS.partial.$$
  rm -rf "$tmp"
  mkdir -p "$tmp"
  say "fetching Kafka $VERSION jars from Maven Central into $JARS"
  # Into a fresh folder, then renamed: a cache never mixes two poms' jars.
  if ! timeout "$FETCH_WAIT_S" mvn -B -q -f "$POM" dependency:copy-dependencies \
       -DincludeScope=runtime -DoutputDirectory="$tmp" >"$tmp.log" 2>&1; then
    tail -n 20 "$tmp.log" >&2
    rm -rf "$tmp"
    die "mvn could not fetch the jars of $POM (full output was in $tmp.log)"
  fi
  [ -f "$tmp/kafka_2.13-$VERSION.jar" ] || { rm -rf "$tmp"; die "mvn gave no kafka_2.13-$VERSION.jar"; }
  pom_sum >"$tmp/.complete"
  rm -rf "$JARS"
  mkdir -p "$(dirname "$JARS")"
  mv "$tmp" "$JARS"
  rm -f "$tmp.log"
  say "fetched $(find "$JARS" -name '*.jar' | wc -l) jars in $((SECONDS - t0)) s"
}

need_java() {
  local out major min=11
  command -v "$JAVA" >/dev/null ||
    die "java not found; install a JDK (Debian package default-jdk-headless: apt-get install -y default-jdk-headless)"
  out=$(timeout 30 "$JAVA" -version 2>&1) || die "$JAVA -version failed: $out"
  major=$(sed -n '1s/.*version "\([0-9]*\).*/\1/p' <<<"$out")
  [ "${VERSION%%.*}" -ge 4 ] && min=17
  [ -n "$major" ] && [ "$major" -ge "$min" ] ||
    die "Kafka $VERSION needs Java $min or newer; $JAVA is: $(head -n 1 <<<"$out")" \
        "(Debian package default-jdk-headless)"
}

# --- nodes -------------------------------------------------------------------

node_dir() { echo "$dir/node-$1"; }            # I (0-based)
broker_port() { echo $((KAFKA_PORT + 2 * $1)); }
controller_port() { echo $((KAFKA_CONTROLLER_PORT + 2 * $1)); }

# True if PID is alive, not a zombie, and was started with node I's
# server.properties (a recycled PID or another instance's java never matches).
pid_is_ours() {  # PID I
  local pid=$1 stat st cmdline
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
  st=${stat##*) }
  st=${st%% *}
  [ "$st" != Z ] || return 1
  cmdline=$(tr '\0' '\n' 2>/dev/null <"/proc/$pid/cmdline") || return 1
  grep -qxF -- "$(node_dir "$2")/server.properties" <<<"$cmdline"
}

node_pid() { cat "$pid_dir/node-$1.pid" 2>/dev/null || true; }  # I

node_alive() {  # I
  local pid
  pid=$(node_pid "$1")
  [ -n "$pid" ] && pid_is_ours "$pid" "$1"
}

# The nodes that have a pid file, whatever --brokers says now.
recorded_nodes() {
  local f n
  for f in "$pid_dir"/node-*.pid; do
    [ -e "$f" ] || continue
    n=${f##*/node-}
    echo "${n%.pid}"
  done
}

log_tail() {  # I -> the end of node I's logs, on stderr
  local f
  for f in "$log_dir/node-$1.log" "$log_dir/node-$1.out"; do
    [ -s "$f" ] || continue
    echo "--- last lines of $f:" >&2
    tail -n 25 "$f" >&2
  done
}

# Start node I's JVM in its own session, with no tie to our stdout (so
# "$(start)" returns), and record its PID.  setsid execs in place here.
spawn_node() {  # I
  local i=$1 nd
  nd=$(node_dir "$i")
  # shellcheck disable=SC2086  # KAFKA_HEAP_OPTS is a list of options
  setsid "$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$nd/log4j2.properties" \
    -cp "$JARS/*" kafka.Kafka "$nd/server.properties" \
    </dev/null >>"$log_dir/node-$i.out" 2>&1 &
  echo $! >"$pid_dir/node-$i.pid"
}

# SIGTERM every node at once (one by one, the last would wait on a quorum
# already gone), wait, SIGKILL what is left; a zombie counts as stopped.
stop_nodes() {
  local i pid left deadline
  local -a nodes=() pids=()
  for i in $(recorded_nodes); do
    pid=$(node_pid "$i")
    if pid_is_ours "$pid" "$i"; then
      nodes+=("$i"); pids+=("$pid")
      kill -TERM "$pid" 2>/dev/null || true
    else
      rm -f "$pid_dir/node-$i.pid"
    fi
  done
  [ ${#nodes[@]} -gt 0 ] || return 0
  deadline=$((SECONDS + STOP_WAIT_S))
  while :; do
    left=0
    for i in "${!nodes[@]}"; do
      pid_is_ours "${pids[$i]}" "${nodes[$i]}" && left=1
    done
    [ $left -eq 1 ] && [ $SECONDS -lt $deadline ] || break
    sleep 0.2
  done
  for i in "${!nodes[@]}"; do
    pid=${pids[$i]}
    if pid_is_ours "$pid" "${nodes[$i]}"; then
      say "node ${nodes[$i]} (pid $pid) ignored SIGTERM for ${STOP_WAIT_S} s; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for i in "${!nodes[@]}"; do
    pid=${pids[$i]}
    for ((left = 0; left < 100; left++)); do
      pid_is_ours "$pid" "${nodes[$i]}" || break
      sleep 0.1
    done
    pid_is_ours "$pid" "${nodes[$i]}" && die "node ${nodes[$i]} (pid $pid) survived SIGKILL"
    say "stopped node ${nodes[$i]} (pid $pid)"
    rm -f "$pid_dir/node-${nodes[$i]}.pid"
  done
  stopped_any=1
}

# --- helpers -----------------------------------------------------------------

port_open() {  # PORT -> true if something accepts connections on 127.0.0.1:PORT
  # shellcheck disable=SC2016  # $1 is expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1"' _ "$1" 2>/dev/null
}

check_ports() {
  local i p what seen=' '
  for var in KAFKA_PORT KAFKA_CONTROLLER_PORT; do
    [[ ${!var} =~ ^[0-9]+$ ]] || die "$var=${!var} is not a port number"
  done
  for ((i = 0; i < brokers; i++)); do
    for what in broker controller; do
      p=$("${what}_port" "$i")
      [ "$p" -ge 1 ] && [ "$p" -le 65535 ] || die "node $i's $what port $p is out of range"
      case $seen in
        *" $p "*) die "port $p is both a broker and a controller port; set KAFKA_PORT and" \
                      "KAFKA_CONTROLLER_PORT apart (node i uses KAFKA_PORT+2i and KAFKA_CONTROLLER_PORT+2i)" ;;
      esac
      seen="$seen$p "
      if port_open "$p"; then
        die "port $p (node $i's $what port) is already in use on 127.0.0.1 (another" \
            "kafka-server.sh instance?); stop it or set KAFKA_PORT / KAFKA_CONTROLLER_PORT"
      fi
    done
  done
}

bootstrap() {  # -> 127.0.0.1:P0,127.0.0.1:P1,...
  local i out=''
  for ((i = 0; i < brokers; i++)); do
    out="$out${out:+,}127.0.0.1:$(broker_port "$i")"
  done
  echo "$out"
}

# Node I answers: its client port serves metadata that lists all the brokers
# (kcat), or, without kcat, the port accepts and the log says it started.
node_answers() {  # I
  local i=$1 p out
  p=$(broker_port "$i")
  if command -v kcat >/dev/null; then
    out=$(timeout 10 kcat -L -b "127.0.0.1:$p" -m 5 2>/dev/null) || return 1
    grep -q "^ $brokers brokers:" <<<"$out"
  else
    port_open "$p" && grep -q 'Kafka Server started' "$log_dir/node-$i.log" 2>/dev/null
  fi
}

all_answer() {
  local i
  for ((i = 0; i < brokers; i++)); do
    node_answers "$i" || return 1
  done
}

# Poll all_answer every 0.3 s; give up after WAIT_S seconds, or at once if a
# node has exited, with the end of its logs.
wait_ready() {
  local i deadline=$((SECONDS + WAIT_S))
  until all_answer; do
    for ((i = 0; i < brokers; i++)); do
      node_alive "$i" || { log_tail "$i"; die "node $i exited while starting; see $log_dir/node-$i.log"; }
    done
    if [ $SECONDS -ge $deadline ]; then
      for ((i = 0; i < brokers; i++)); do log_tail "$i"; done
      die "timed out after $WAIT_S s waiting for $brokers broker(s) to answer; see $log_dir"
    fi
    sleep 0.3
  done
}

min() { [ "$1" -lt "$2" ] && echo "$1" || echo "$2"; }

write_node_conf() {  # I VOTERS
  local i=$1 voters=$2 nd isr
  nd=$(node_dir "$i")
  isr=$(min "$brokers" 2)
  mkdir -p "$nd/data"
  cat >"$nd/server.properties" <<EOF
# Written by scripts/kafka-server.sh; everything stays under $dir.
process.roles=broker,controller
node.id=$((i + 1))
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i"),CONTROLLER://127.0.0.1:$(controller_port "$i")
advertised.listeners=PLAINTEXT://127.0.0.1:$(broker_port "$i")
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$nd/data
# Test settings: internal topics fit the node count, no rebalance delay.
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=$brokers
min.insync.replicas=$isr
offsets.topic.replication.factor=$brokers
offsets.topic.num.partitions=8
transaction.state.log.replication.factor=$brokers
transaction.state.log.min.isr=$isr
transaction.state.log.num.partitions=8
share.coordinator.state.topic.replication.factor=$brokers
share.coordinator.state.topic.min.isr=$isr
group.initial.rebalance.delay.ms=0
EOF
  if [ -n "$KAFKA_SERVER_PROPS_FILE" ]; then
    { echo "# KAFKA_SERVER_PROPS_FILE=$KAFKA_SERVER_PROPS_FILE"; cat "$KAFKA_SERVER_PROPS_FILE"; echo; } \
      >>"$nd/server.properties"
  fi
  if [ -n "$KAFKA_SERVER_PROPS" ]; then
    printf '# KAFKA_SERVER_PROPS\n%s\n' "$KAFKA_SERVER_PROPS" >>"$nd/server.properties"
  fi
  cat >"$nd/log4j2.properties" <<EOF
# Written by scripts/kafka-server.sh: node $i logs to one file.
status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = $log_dir/node-$i.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = INFO
logger.apache.name = org.apache.kafka
logger.apache.level = INFO
EOF
}

check_extra_props() {
  local line
  if [ -n "$KAFKA_SERVER_PROPS_FILE" ]; then
    [ -r "$KAFKA_SERVER_PROPS_FILE" ] || die "KAFKA_SERVER_PROPS_FILE=$KAFKA_SERVER_PROPS_FILE is not readable"
  fi
  while IFS= read -r line; do
    line=${line#"${line%%[![:space:]]*}"}
    [ -z "$line" ] || [ "${line:0:1}" = '#' ] || [[ $line =~ ^[A-Za-z0-9._-]+= ]] ||
      die "KAFKA_SERVER_PROPS: '$line' is not a key=value line"
  done <<<"$KAFKA_SERVER_PROPS"
}

cluster_id() {  # a random 16-byte Kafka Uuid, base64url without padding
  head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '='
}

# --- commands ----------------------------------------------------------------

cmd_stop() {
  stopped_any=0
  [ -d "$pid_dir" ] && stop_nodes
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
  local i voters='' cid t0=$SECONDS fmt_pids=() failed=0
  [[ $brokers =~ ^[1-9][0-9]*$ ]] && [ "$brokers" -le $MAX_BROKERS ] ||
    die "--brokers wants 1 to $MAX_BROKERS, not '$brokers'"
  if [ -d "$pid_dir" ]; then
    for i in $(recorded_nodes); do
      node_alive "$i" && die "already running in $dir; run: $0 stop $dir"
    done
  fi
  # DIR must be new, empty, or one of ours: we wipe our files in it below.
  if [ -e "$dir" ] && [ -n "$(ls -A "$dir")" ] && [ ! -f "$state" ]; then
    die "$dir is neither empty nor a kafka-server.sh directory"
  fi
  check_extra_props
  need_java
  check_ports
  cmd_fetch

  (cd "$dir" && rm -rf kafka-server.conf kafka.env log pids node-*)
  mkdir -p "$log_dir" "$pid_dir"
  for ((i = 0; i < brokers; i++)); do
    voters="$voters${voters:+,}$((i + 1))@127.0.0.1:$(controller_port "$i")"
  done
  cid=$(cluster_id)
  cat >"$state" <<EOF
# Written by scripts/kafka-server.sh start.
KAFKA_BROKERS=$brokers
KAFKA_PORT=$KAFKA_PORT
KAFKA_CONTROLLER_PORT=$KAFKA_CONTROLLER_PORT
KAFKA_BROKER_VERSION=$VERSION
KAFKA_CLUSTER_ID=$cid
EOF
  trap start_failed EXIT

  say "Kafka $VERSION, $brokers node(s), cluster id $cid; formatting storage"
  for ((i = 0; i < brokers; i++)); do
    write_node_conf "$i" "$voters"
    # Static voters: the same format works for one node and for a quorum.
    # A short-lived JVM: C1 only and serial GC start it ~1 s sooner.
    "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Dlog4j2.configurationFile="$(node_dir "$i")/log4j2.properties" \
      -cp "$JARS/*" kafka.tools.StorageTool format --cluster-id="$cid" \
      -c "$(node_dir "$i")/server.properties" >>"$log_dir/format-$i.out" 2>&1 &
    fmt_pids+=($!)
  done
  for i in "${!fmt_pids[@]}"; do
    wait "${fmt_pids[$i]}" || { failed=1; tail -n 20 "$log_dir/format-$i.out" >&2; }
  done
  [ $failed -eq 0 ] || die "formatting storage failed; see $log_dir/format-*.out"

  for ((i = 0; i < brokers; i++)); do
    say "node $i: clients 127.0.0.1:$(broker_port "$i"), controller 127.0.0.1:$(controller_port "$i")"
    spawn_node "$i"
  done
  wait_ready

  cat >"$dir/kafka.env" <<EOF
export KAFKA_BOOTSTRAP_SERVERS=$(bootstrap)
export KAFKA_BROKER_VERSION=$VERSION
export KAFKA_BROKERS=$brokers
EOF
  trap - EXIT
  say "up in $((SECONDS - t0)) s: $(bootstrap); stop with: $0 stop $dir"
  cat "$dir/kafka.env"
}

load_state() {
  [ -f "$state" ] || return 1
  brokers=$(sed -n 's/^KAFKA_BROKERS=//p' "$state")
  KAFKA_PORT=$(sed -n 's/^KAFKA_PORT=//p' "$state")
  KAFKA_CONTROLLER_PORT=$(sed -n 's/^KAFKA_CONTROLLER_PORT=//p' "$state")
}

cmd_status() {
  local i
  { [ -f "$dir/kafka.env" ] && load_state; } || { say "not started in $dir"; return 1; }
  for ((i = 0; i < brokers; i++)); do
    node_alive "$i" || { say "node $i is not running"; return 1; }
    node_answers "$i" || { say "node $i does not answer on port $(broker_port "$i")"; return 1; }
  done
  say "running: $(bootstrap) ($brokers node(s), Kafka $(sed -n 's/^KAFKA_BROKER_VERSION=//p' "$state"))"
}

# Arguments: a command, DIR (not for fetch), and for start --brokers N on
# either side of DIR.
cmd=${1:-}
[ $# -gt 0 ] && shift
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --brokers) [ "$cmd" = start ] && [ $# -ge 2 ] || usage; brokers=$2; shift 2 ;;
    --brokers=*) [ "$cmd" = start ] || usage; brokers=${1#--brokers=}; shift ;;
    -h|--help) usage ;;
    -*) usage ;;
    *) args+=("$1"); shift ;;
  esac
done
case $cmd in
  fetch)
    [ ${#args[@]} -eq 0 ] || usage ;;
  start)
    [ ${#args[@]} -eq 1 ] || usage
    mkdir -p "${args[0]}"
    set_dir "$(cd "${args[0]}" && pwd -P)" ;;
  stop|status)
    [ ${#args[@]} -eq 1 ] || usage
    if [ ! -d "${args[0]}" ]; then
      set_dir "${args[0]}"
    else
      set_dir "$(cd "${args[0]}" && pwd -P)"
    fi ;;
  *) usage ;;
esac
stopped_any=0
"cmd_$cmd"
