#!/usr/bin/env bash
# Start/stop real local infrastructure for ShopMind as plain processes (no Docker).
#
#   deploy/local/infra.sh up     [--report-started] [kafka|neo4j|postgres|redis ...]
#                                  (default: kafka neo4j postgres; --report-started prints on stdout
#                                   the components this call started, or "none")
#   deploy/local/infra.sh down   [--purge] [component ...|none]     (default: everything we started;
#                                   "none" is a no-op)
#   deploy/local/infra.sh purge                                     (= down --purge)
#   deploy/local/infra.sh status
#   deploy/local/infra.sh env                                       (export KEY=VALUE lines)
#   deploy/local/infra.sh kafka-topics --list                       (Kafka TopicCommand, bootstrap preset)
#
# See deploy/local/README.md for ports, env vars and the cache layout.
set -euo pipefail
shopt -s inherit_errexit

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

SHOPMIND_CACHE="${SHOPMIND_CACHE:-$HOME/.cache/shopmind}"
RUN_DIR="${SHOPMIND_RUN_DIR:-/tmp/shopmind-infra}"
TIMEOUT="${SHOPMIND_INFRA_TIMEOUT:-180}"

KAFKA_VERSION="${SHOPMIND_KAFKA_VERSION:-3.9.1}"
NEO4J_VERSION="${SHOPMIND_NEO4J_VERSION:-5.26.30}"

KAFKA_PORT="${SHOPMIND_KAFKA_PORT:-19092}"
KAFKA_CONTROLLER_PORT="${SHOPMIND_KAFKA_CONTROLLER_PORT:-19093}"
NEO4J_PORT="${SHOPMIND_NEO4J_PORT:-17687}"
PG_PORT="${SHOPMIND_PG_PORT:-15432}"
REDIS_PORT="${SHOPMIND_REDIS_PORT:-16379}"

NEO4J_AUTH="${SHOPMIND_NEO4J_AUTH:-false}"
NEO4J_PASSWORD="${SHOPMIND_NEO4J_PASSWORD:-}"

ALL_COMPONENTS=(kafka neo4j postgres redis)
DEFAULT_UP=(kafka neo4j postgres)

log() { printf '[infra] %s\n' "$*" >&2; }
die() { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- helpers

port_open() { # port -> 0 if something accepts TCP connections on 127.0.0.1:port
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

comp_port() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    neo4j) echo "$NEO4J_PORT" ;;
    postgres) echo "$PG_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
    *) die "unknown component '$1' (expected: ${ALL_COMPONENTS[*]})" ;;
  esac
}

comp_log() {
  case "$1" in
    kafka) echo "$RUN_DIR/kafka/logs/server.log" ;;
    neo4j) echo "$RUN_DIR/neo4j/neo4j.out" ;;
    postgres) echo "$RUN_DIR/postgres/postgres.log" ;;
    redis) echo "$RUN_DIR/redis/redis.log" ;;
  esac
}

pid_file() { echo "$RUN_DIR/$1.pid"; }

# Is pid alive and does it look like the process we started (guards against pid reuse)?
pid_is_ours() {
  local comp="$1" pid="$2" cmd
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
  case "$comp" in
    redis) [[ "$cmd" == *redis-server* ]] ;; # redis rewrites its process title
    *) [[ "$cmd" == *"$RUN_DIR/$comp"* ]] ;;
  esac
}

running_pid() { # prints the pid if the component is running (started by us)
  local comp="$1" pf pid
  pf="$(pid_file "$comp")"
  [[ -s "$pf" ]] || return 1
  pid="$(head -n1 "$pf" | tr -d '[:space:]')"
  pid_is_ours "$comp" "$pid" || return 1
  echo "$pid"
}

fail_with_log() { # comp message
  local comp="$1" lf
  lf="$(comp_log "$comp")"
  printf '[infra] ERROR: %s\n' "$2" >&2
  for f in "$lf" "$RUN_DIR/$comp/stdout.log" "$RUN_DIR/$comp/logs/debug.log"; do
    if [[ -s "$f" ]]; then
      printf '[infra] ---- last 40 lines of %s ----\n' "$f" >&2
      tail -n 40 "$f" >&2 || true
    fi
  done
  exit 1
}

ensure_run_dir() {
  mkdir -p "$RUN_DIR"
  touch "$RUN_DIR/.shopmind-infra"
  # postgres (non-root user) must be able to traverse into the run dir
  chmod 0755 "$RUN_DIR"
}

# Download jars for a component once; a marker file records the POM checksum.
ensure_jars() { # component version -> prints jar dir
  local comp="$1" version="$2" dir marker sum tmp prop
  dir="$SHOPMIND_CACHE/jars/$comp-$version"
  marker="$dir/.complete"
  sum="$(sha256sum "$HERE/$comp/pom.xml" | cut -d' ' -f1)"
  if [[ -f "$marker" && "$(cat "$marker")" == "$sum" ]]; then
    echo "$dir"; return 0
  fi
  command -v mvn >/dev/null || die "mvn (Maven) is required to download $comp jars"
  mkdir -p "$SHOPMIND_CACHE/jars"
  (
    flock 9
    if [[ -f "$marker" && "$(cat "$marker")" == "$sum" ]]; then exit 0; fi
    log "downloading $comp $version jars into $dir (first run only) ..."
    tmp="$(mktemp -d "$SHOPMIND_CACHE/jars/.$comp-$version.XXXXXX")"
    prop="$comp.version"
    if ! mvn -q -B -f "$HERE/$comp/pom.xml" "-D$prop=$version" \
        dependency:copy-dependencies "-DoutputDirectory=$tmp" >&2; then
      rm -rf "$tmp"; die "maven download of $comp $version failed"
    fi
    rm -rf "$dir"
    mv "$tmp" "$dir"
    echo "$sum" >"$marker"
  ) 9>"$SHOPMIND_CACHE/jars/.lock" || exit 1
  [[ -f "$marker" ]] || die "jar download for $comp did not complete"
  echo "$dir"
}

# wait_ready comp pid : poll comp_ready until it succeeds, the process dies, or timeout.
wait_ready() {
  local comp="$1" pid="$2" deadline
  deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      fail_with_log "$comp" "$comp exited during startup"
    fi
    if comp_ready "$comp"; then return 0; fi
    sleep 0.5
  done
  fail_with_log "$comp" "$comp not ready after ${TIMEOUT}s"
}

stop_pid() { # comp pid : SIGTERM, wait up to 30s, then SIGKILL
  local comp="$1" pid="$2" i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 60; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.5
  done
  log "$comp (pid $pid) did not stop in 30s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
  sleep 0.5
}

JAVA_BIN="${JAVA_HOME:+$JAVA_HOME/bin/}java"
need_java() { command -v "$JAVA_BIN" >/dev/null || die "java (17+) is required"; }

# ---------------------------------------------------------------- kafka

KAFKA_DIR="$RUN_DIR/kafka"

kafka_write_config() {
  mkdir -p "$KAFKA_DIR/data" "$KAFKA_DIR/logs"
  cat >"$KAFKA_DIR/server.properties" <<EOF
# generated by deploy/local/infra.sh -- single-node KRaft (broker + controller)
process.roles=broker,controller
node.id=1
# static quorum (formatted WITHOUT --standalone; never combine with controller.quorum.bootstrap.servers)
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DIR/data
num.partitions=3
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
delete.topic.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
log.retention.hours=24
log.segment.bytes=67108864
num.network.threads=2
num.io.threads=4
EOF
  cat >"$KAFKA_DIR/log4j.properties" <<EOF
# generated by deploy/local/infra.sh (reload4j)
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$KAFKA_DIR/logs/server.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka=INFO
log4j.logger.org.apache.kafka=INFO
log4j.logger.kafka.request.logger=WARN
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.log.LogCleaner=WARN
log4j.logger.org.apache.kafka.clients=WARN
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=WARN
EOF
}

kafka_ready() {
  port_open "$KAFKA_PORT" || return 1
  grep -q 'Kafka Server started' "$KAFKA_DIR/logs/server.log" 2>/dev/null || return 1
  # Metadata round-trip (Metadata v0 request, no topics listed is "all topics" in v0 -> use v1 with null array).
  command -v python3 >/dev/null || return 0
  python3 - "$KAFKA_PORT" <<'PY' 2>/dev/null
import socket, struct, sys
port = int(sys.argv[1])
client = b"shopmind-infra"
# api_key=3 (Metadata), api_version=1, correlation_id=42, client_id, topics=null(-1)
body = struct.pack(">hhih", 3, 1, 42, len(client)) + client + struct.pack(">i", -1)
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(struct.pack(">i", len(body)) + body)
def read(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit(1)
        buf += chunk
    return buf
size = struct.unpack(">i", read(4))[0]
resp = read(size)
corr, nbrokers = struct.unpack(">ii", resp[:8])
sys.exit(0 if corr == 42 and nbrokers >= 1 else 1)
PY
}

kafka_start() {
  need_java
  local jars pid cluster_id
  jars="$(ensure_jars kafka "$KAFKA_VERSION")"
  kafka_write_config
  if [[ ! -f "$KAFKA_DIR/data/meta.properties" ]]; then
    cluster_id="$("$JAVA_BIN" -cp "$jars/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)"
    [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a kafka cluster id (got '$cluster_id')"
    log "formatting kafka storage (cluster id $cluster_id)"
    "$JAVA_BIN" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" -cp "$jars/*" \
      kafka.tools.StorageTool format -t "$cluster_id" -c "$KAFKA_DIR/server.properties" -g \
      >"$KAFKA_DIR/format.log" 2>&1 || { cat "$KAFKA_DIR/format.log" >&2; die "kafka storage format failed"; }
  fi
  rm -f "$KAFKA_DIR/logs/server.log"
  log "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT"
  setsid "$JAVA_BIN" -Xms256m -Xmx512m -XX:+UseG1GC -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    -Dkafka.logs.dir="$KAFKA_DIR/logs" \
    -cp "$jars/*" kafka.Kafka "$KAFKA_DIR/server.properties" \
    </dev/null >"$KAFKA_DIR/stdout.log" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$(pid_file kafka)"
  wait_ready kafka "$pid"
}

# ---------------------------------------------------------------- neo4j

NEO4J_DIR="$RUN_DIR/neo4j"
# From Neo4j's own neo4j.conf (server.jvm.additional); without them: LinkageError on DirectByteBuffer.
NEO4J_JVM_FLAGS=(
  -XX:+UseG1GC -XX:-OmitStackTraceInFastThrow -XX:+UnlockExperimentalVMOptions
  -XX:+TrustFinalNonStaticFields -XX:+DisableExplicitGC
  -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true
  -Djdk.tls.ephemeralDHKeySize=2048 -Djdk.tls.rejectClientInitiatedRenegotiation=true
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  -Dlog4j2.disable.jmx=true
)

neo4j_ready() {
  grep -q 'NEO4J READY' "$NEO4J_DIR/neo4j.out" 2>/dev/null && port_open "$NEO4J_PORT"
}

neo4j_start() {
  need_java
  local jars pid auth=false
  case "${NEO4J_AUTH,,}" in true | 1 | yes) auth=true ;; esac
  if [[ "$auth" == true && ${#NEO4J_PASSWORD} -lt 8 ]]; then
    die "SHOPMIND_NEO4J_AUTH=true needs SHOPMIND_NEO4J_PASSWORD (at least 8 characters)"
  fi
  jars="$(ensure_jars neo4j "$NEO4J_VERSION")"
  mkdir -p "$NEO4J_DIR"
  # Compile Neo4jServer.java once per source checksum (saves ~3 s per start over the
  # single-file source launcher); fall back to the source launcher without javac.
  local main=("$HERE/neo4j/Neo4jServer.java") cp="$jars/*" sum cls javac_bin
  javac_bin="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
  if command -v "$javac_bin" >/dev/null; then
    sum="$(sha256sum "$HERE/neo4j/Neo4jServer.java" | cut -c1-12)"
    cls="$SHOPMIND_CACHE/classes/neo4j-server-$NEO4J_VERSION-$sum"
    if [[ ! -f "$cls/Neo4jServer.class" ]]; then
      mkdir -p "$cls.tmp.$$"
      "$javac_bin" -nowarn -d "$cls.tmp.$$" -cp "$jars/*" "$HERE/neo4j/Neo4jServer.java" >&2 ||
        die "javac Neo4jServer.java failed"
      rm -rf "$cls" && mv "$cls.tmp.$$" "$cls"
    fi
    main=(Neo4jServer)
    cp="$cls:$jars/*"
  fi
  log "starting neo4j $NEO4J_VERSION (bolt 127.0.0.1:$NEO4J_PORT, auth=$auth)"
  SHOPMIND_NEO4J_PASSWORD="$NEO4J_PASSWORD" setsid "$JAVA_BIN" -Xms256m -Xmx768m "${NEO4J_JVM_FLAGS[@]}" \
    -cp "$cp" "${main[@]}" "$NEO4J_DIR" "$NEO4J_PORT" "$auth" \
    </dev/null >"$NEO4J_DIR/neo4j.out" 2>&1 9>&- &
  pid=$!
  echo "$pid" >"$(pid_file neo4j)"
  wait_ready neo4j "$pid"
}

# ---------------------------------------------------------------- postgres

PG_DIR="$RUN_DIR/postgres"
PG_DATA="$PG_DIR/data"
PG_BIN=""

find_pg_bin() {
  local d
  d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
  if [[ -z "$d" ]]; then
    [[ "$(id -u)" == 0 ]] || die "PostgreSQL not found under /usr/lib/postgresql; install it: sudo apt-get install -y postgresql"
    log "installing postgresql via apt-get ..."
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    [[ -n "$d" ]] || die "postgresql installation failed"
  fi
  PG_BIN="$d"
}

as_pg() { # run a command as the postgres OS user when we are root (postgres refuses root)
  if [[ "$(id -u)" == 0 ]]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_ready() { "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

postgres_start() {
  find_pg_bin
  mkdir -p "$PG_DIR/sock"
  if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || die "OS user 'postgres' missing (install the postgresql package)"
    chown -R postgres:postgres "$PG_DIR"
    runuser -u postgres -- test -x "$PG_DIR" ||
      die "user postgres cannot traverse $PG_DIR; choose a SHOPMIND_RUN_DIR under /tmp"
  fi
  if [[ ! -f "$PG_DATA/PG_VERSION" ]]; then
    log "initdb $PG_DATA ($PG_BIN)"
    as_pg "$PG_BIN/initdb" -D "$PG_DATA" --auth=trust -U postgres --encoding=UTF8 --locale=C \
      >"$PG_DIR/initdb.log" 2>&1 || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    echo "include_if_exists = 'shopmind.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
  fi
  as_pg tee "$PG_DATA/shopmind.conf" >/dev/null <<EOF
# generated by deploy/local/infra.sh (test settings: NOT durable)
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$PG_DIR/sock'
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
  log "starting postgres $(basename "$(dirname "$PG_BIN")") on 127.0.0.1:$PG_PORT"
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/postgres.log" -w -t "$TIMEOUT" start </dev/null >/dev/null 2>&1 9>&- ||
    fail_with_log postgres "pg_ctl start failed"
  head -n1 "$PG_DATA/postmaster.pid" >"$(pid_file postgres)"
  wait_ready postgres "$(cat "$(pid_file postgres)")"
  "$PG_BIN/psql" -q -X -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres >/dev/null <<'SQL' ||
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'shopmind') THEN
    CREATE ROLE shopmind LOGIN CREATEDB PASSWORD 'shopmind';
  END IF;
END $$;
SELECT 'CREATE DATABASE shopmind OWNER shopmind'
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = 'shopmind')\gexec
SQL
    fail_with_log postgres "creating role/database shopmind failed"
}

postgres_stop() {
  find_pg_bin
  as_pg "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast -w -t 30 stop >/dev/null 2>&1 || true
}

# ---------------------------------------------------------------- redis

REDIS_DIR="$RUN_DIR/redis"

redis_ready() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_start() {
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    [[ "$(id -u)" == 0 ]] || die "redis-server/redis-cli not found; install them: sudo apt-get install -y redis-server redis-tools"
    log "installing redis-server via apt-get ..."
    apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server redis-tools >&2
  fi
  mkdir -p "$REDIS_DIR"
  rm -f "$(pid_file redis)"
  log "starting redis on 127.0.0.1:$REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$(pid_file redis)" --logfile "$REDIS_DIR/redis.log" --dir "$REDIS_DIR" \
    </dev/null >/dev/null 2>&1 9>&- || fail_with_log redis "redis-server failed to start"
  local i
  for ((i = 0; i < 20; i++)); do [[ -s "$(pid_file redis)" ]] && break; sleep 0.25; done
  wait_ready redis "$(cat "$(pid_file redis)" 2>/dev/null || true)"
}

# ---------------------------------------------------------------- commands

comp_ready() {
  case "$1" in
    kafka) kafka_ready ;;
    neo4j) neo4j_ready ;;
    postgres) { [[ -n "$PG_BIN" ]] || find_pg_bin; } && pg_ready ;;
    redis) redis_ready ;;
  esac
}

up_one() { # must run with the component lock held (see locked)
  local comp="$1" port pid t0
  port="$(comp_port "$comp")"
  t0=$SECONDS
  if pid="$(running_pid "$comp")"; then
    if port_open "$port"; then
      log "$comp already running (pid $pid, port $port)"
      return 0
    fi
    log "$comp (pid $pid) is running but port $port not open yet; waiting"
    wait_ready "$comp" "$pid"
    return 0
  fi
  if port_open "$port"; then
    die "port $port (for $comp) is already in use by a process not started by infra.sh; stop it or set SHOPMIND_$(tr a-z A-Z <<<"${comp/postgres/pg}")_PORT"
  fi
  rm -f "$(pid_file "$comp")"
  [[ -z "${STARTED_FILE:-}" ]] || echo "$comp" >>"$STARTED_FILE"
  "${comp}_start"
  log "$comp ready on 127.0.0.1:$port ($((SECONDS - t0))s)"
}

# locked comp fn : run fn comp in a subshell holding the per-component lock, so that
# concurrent up/down calls (other shells, parallel test runs) do not race.
# Every daemon we launch closes fd 9 (`9>&-`), or it would hold the lock forever.
locked() {
  mkdir -p "$RUN_DIR/locks"
  (
    flock -w "$((TIMEOUT + 60))" 9 ||
      die "timed out waiting for $RUN_DIR/locks/$1.lock (held by another infra.sh call or a process that inherited it: fuser $RUN_DIR/locks/$1.lock)"
    "$2" "$1"
  ) 9>"$RUN_DIR/locks/$1.lock"
}

down_one() {
  local comp="$1" pid
  if ! pid="$(running_pid "$comp")"; then
    if [[ -f "$(pid_file "$comp")" ]]; then
      log "$comp: stale pid file removed"
      rm -f "$(pid_file "$comp")"
    fi
    return 0
  fi
  log "stopping $comp (pid $pid)"
  if [[ "$comp" == postgres ]]; then postgres_stop; fi
  if kill -0 "$pid" 2>/dev/null; then stop_pid "$comp" "$pid"; fi
  rm -f "$(pid_file "$comp")"
}

cmd_up() {
  local comps=() report=false c
  for a in "$@"; do
    case "$a" in
      --report-started) report=true ;;
      *) comp_port "$a" >/dev/null; comps+=("$a") ;;
    esac
  done
  ((${#comps[@]})) || comps=("${DEFAULT_UP[@]}")
  ensure_run_dir
  STARTED_FILE="$(mktemp "$RUN_DIR/.started.XXXXXX")"
  export STARTED_FILE

  local pids=() failed=() i
  if ((${#comps[@]} == 1)) || [[ "${SHOPMIND_INFRA_SERIAL:-}" == 1 ]]; then
    for c in "${comps[@]}"; do
      # run as a job + wait: keeps `set -e` active inside (it is ignored in `||` context)
      locked "$c" up_one &
      wait $! || { failed+=("$c"); break; }
    done
  else
    # Start components in parallel (jar downloads are serialised by a lock).
    for c in "${comps[@]}"; do
      locked "$c" up_one &
      pids+=($!)
    done
    for i in "${!pids[@]}"; do
      wait "${pids[$i]}" || failed+=("${comps[$i]}")
    done
  fi

  local started=()
  for c in "${ALL_COMPONENTS[@]}"; do grep -qx "$c" "$STARTED_FILE" && started+=("$c"); done
  rm -f "$STARTED_FILE"
  if ((${#failed[@]})); then
    # Roll back what this invocation started, so a failed `up` leaves nothing behind.
    if ((${#started[@]})); then
      log "up failed (${failed[*]}); stopping what this call started: ${started[*]}"
      cmd_down "${started[@]}" || true
    fi
    die "failed to start: ${failed[*]}"
  fi
  if [[ "$report" == true ]]; then
    # stdout: components this call started (for a later `down <list>`), or "none".
    if ((${#started[@]})); then echo "${started[*]}"; else echo none; fi
  fi
}

cmd_down() {
  local purge=false comps=() ordered=() c i
  local none=false
  for a in "$@"; do
    case "$a" in
      --purge) purge=true ;;
      none) none=true ;; # what `up --report-started` prints when it started nothing
      *) comp_port "$a" >/dev/null; comps+=("$a") ;;
    esac
  done
  if [[ "$none" == true && ${#comps[@]} -eq 0 && "$purge" == false ]]; then return 0; fi
  ((${#comps[@]})) || comps=("${ALL_COMPONENTS[@]}")
  # reverse of the canonical start order
  for ((i = ${#ALL_COMPONENTS[@]} - 1; i >= 0; i--)); do
    for c in "${comps[@]}"; do [[ "$c" == "${ALL_COMPONENTS[$i]}" ]] && ordered+=("$c"); done
  done
  [[ -d "$RUN_DIR" ]] || return 0
  for c in "${ordered[@]}"; do locked "$c" down_one; done
  if [[ "$purge" == true ]]; then
    for c in "${ALL_COMPONENTS[@]}"; do
      if running_pid "$c" >/dev/null; then die "not purging: $c still running"; fi
    done
    [[ -f "$RUN_DIR/.shopmind-infra" ]] || die "refusing to purge $RUN_DIR (no .shopmind-infra marker)"
    log "removing $RUN_DIR"
    rm -rf "$RUN_DIR"
  fi
}

cmd_status() {
  local c port pid
  for c in "${ALL_COMPONENTS[@]}"; do
    port="$(comp_port "$c")"
    if pid="$(running_pid "$c")"; then
      if port_open "$port"; then
        printf '%-9s running  pid=%-8s port=%s\n' "$c" "$pid" "$port"
      else
        printf '%-9s starting pid=%-8s port=%s (not answering)\n' "$c" "$pid" "$port"
      fi
    elif port_open "$port"; then
      printf '%-9s foreign  port=%s is taken by a process not started by infra.sh\n' "$c" "$port"
    else
      printf '%-9s stopped  port=%s\n' "$c" "$port"
    fi
  done
}

cmd_env() {
  local pw=""
  case "${NEO4J_AUTH,,}" in true | 1 | yes) pw="$NEO4J_PASSWORD" ;; esac
  echo "export KAFKA_BOOTSTRAP=127.0.0.1:$KAFKA_PORT"
  echo "export NEO4J_URI=bolt://127.0.0.1:$NEO4J_PORT"
  echo "export NEO4J_USER=neo4j"
  if [[ -z "$pw" ]]; then echo "export NEO4J_PASSWORD="; else echo "export NEO4J_PASSWORD=$(printf '%q' "$pw")"; fi
  echo "export DATABASE_URL=postgresql+psycopg://shopmind:shopmind@127.0.0.1:$PG_PORT/shopmind"
  echo "export REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0"
}

cmd_kafka_topics() { # thin wrapper around Kafka's TopicCommand, bootstrap server preset
  need_java
  local jars
  jars="$(ensure_jars kafka "$KAFKA_VERSION")"
  exec "$JAVA_BIN" -Xmx256m -Dlog4j.configuration="file:$HERE/kafka/tools-log4j.properties" \
    -cp "$jars/*" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"
}

usage() {
  sed -n '2,14p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local cmd="${1:-}"
  (($#)) && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down) cmd_down "$@" ;;
    purge) cmd_down --purge "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    kafka-topics) cmd_kafka_topics "$@" ;;
    *) usage ;;
  esac
}

main "$@"
