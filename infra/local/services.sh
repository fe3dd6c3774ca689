#!/usr/bin/env bash
# Local backing services for Fleetscope development and integration tests, without Docker:
#
#   Kafka 3.9.1  single-node KRaft broker+controller, resolved from Maven Central
#   Redis        Debian's redis-server
#   PostgreSQL   Debian's postgresql-15, a private cluster (not the system one)
#
# Usage: bash infra/local/services.sh <command> [kafka|redis|pg ...]
#   up [svc...]     start (installing/resolving what is missing); idempotent
#   down [svc...]   stop; fine when nothing is running
#   status          show each service up/down
#   env             print the connection settings (shell exports)
#   reset           stop everything and delete all local data (clean slate)
#   browser         install Debian's Chromium (and an emoji font) for the dashboard tests
#
# Everything listens on 127.0.0.1 only and keeps its state under <repo>/.local/
# (gitignored): .local/kafka, .local/redis, .local/pg, logs in .local/logs.
#
# Ports can be overridden: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093),
# REDIS_PORT (6379), PG_PORT (55432). PG_PORT defaults to 55432 so it never clashes with a
# system cluster that the postgresql package may have created on 5432.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
LOCAL_DIR="${FLEETSCOPE_LOCAL_DIR:-$REPO_ROOT/.local}"
LOG_DIR="$LOCAL_DIR/logs"
ENV_FILE="$LOCAL_DIR/services.env"

HOST=127.0.0.1
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-9093}"
REDIS_PORT="${REDIS_PORT:-6379}"
PG_PORT="${PG_PORT:-55432}"

# Application role/database. Local-only throwaway credentials, not secrets.
PG_APP_USER="${PG_APP_USER:-fleetscope}"
PG_APP_PASSWORD="${PG_APP_PASSWORD:-fleetscope}"
PG_APP_DB="${PG_APP_DB:-fleetscope}"

KAFKA_DIR="$LOCAL_DIR/kafka"
KAFKA_POM="$SCRIPT_DIR/kafka/pom.xml"
KAFKA_CP_FILE="$KAFKA_DIR/classpath.txt"
KAFKA_PID_FILE="$KAFKA_DIR/kafka.pid"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"

REDIS_DIR="$LOCAL_DIR/redis"
REDIS_PID_FILE="$REDIS_DIR/redis.pid"

PG_VERSION=15
PG_BIN="${PG_BIN:-/usr/lib/postgresql/$PG_VERSION/bin}"
PG_DIR="$LOCAL_DIR/pg"
PG_DATA="$PG_DIR/data"
PG_SOCKET_DIR="$PG_DIR/run"
# postgres refuses to run as root: when we are root, the cluster belongs to the `postgres`
# OS user (created by the Debian package). As a normal user, it simply belongs to us.
PG_OS_USER="$(id -un)"
if [[ $EUID -eq 0 ]]; then PG_OS_USER=postgres; fi

ALL_SERVICES=(kafka redis pg)

# ----------------------------------------------------------------------------- helpers

# Progress goes to stderr so that stdout carries only what callers may capture.
log() { printf '[services] %s\n' "$*" >&2; }
warn() { printf '[services] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

# Seconds since the epoch with decimals, for the timings we print.
now() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(now)" 'BEGIN { printf "%.1fs", e - s }'; }

# True when something accepts TCP connections on 127.0.0.1:$1. Uses bash's /dev/tcp so
# that no netcat flavour is needed; `timeout` bounds a connect that would hang.
port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/$HOST/$1" 2>/dev/null
}

# A live pid whose command line contains $2 (guards against a stale pid file whose pid
# was reused by an unrelated process).
pid_alive() {
  local pid="$1" pattern="$2"
  [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null &&
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$pattern"
}

read_pid() { if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi; }

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

# Run a command as the OS user that owns the PostgreSQL cluster.
as_pg() {
  if [[ "$PG_OS_USER" == "$(id -un)" ]]; then
    "$@"
  else
    runuser -u "$PG_OS_USER" -- "$@"
  fi
}

# apt-get install that does not start the packages' own system daemons: Debian's
# redis-server and postgresql packages would otherwise start a system-wide redis on 6379
# and a "main" cluster on 5432 (where an init system is available), clashing with ours.
# A policy-rc.d that exits 101 is Debian's documented way to say "do not start services".
apt_install() {
  local created_policy=0
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  log "installing Debian packages: $* (apt-get)"
  local rc=0
  if ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
    >"$LOG_DIR/apt.log" 2>&1; then
    # Usually a stale or missing package index on a fresh machine.
    log "apt-get install failed; running apt-get update and retrying"
    as_root apt-get update -q >>"$LOG_DIR/apt.log" 2>&1 || true
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@" \
      >>"$LOG_DIR/apt.log" 2>&1 || rc=$?
  fi
  if [[ $created_policy -eq 1 ]]; then as_root rm -f /usr/sbin/policy-rc.d; fi
  if [[ $rc -ne 0 ]]; then
    tail -n 20 "$LOG_DIR/apt.log" >&2 || true
    die "could not install $* (see $LOG_DIR/apt.log)"
  fi
}

# Ensure that a command exists, installing the Debian package that provides it.
need_cmd() {
  local cmd="$1" pkg="$2"
  command -v "$cmd" >/dev/null 2>&1 || apt_install "$pkg"
  command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' still missing after installing $pkg"
}

# Wait up to $1 seconds for the command "${@:2}" to succeed.
wait_until() {
  local timeout="$1"
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    ((SECONDS < deadline)) || return 1
    sleep 0.5
  done
}

# -------------------------------------------------------------------------------- kafka

kafka_running() {
  pid_alive "$(read_pid "$KAFKA_PID_FILE")" kafka.Kafka
}

# Resolve the broker's classpath with Maven once; cached in .local/kafka/classpath.txt
# (the jars themselves live in ~/.m2). The cache is keyed on the POM's checksum, and
# re-resolved if any jar disappeared (e.g. ~/.m2 was wiped).
kafka_classpath() {
  local pom_sum
  pom_sum="$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
  if [[ -s "$KAFKA_CP_FILE" && -f "$KAFKA_CP_FILE.sha256" ]] &&
    [[ "$(cat "$KAFKA_CP_FILE.sha256")" == "$pom_sum" ]]; then
    local missing=0 jar jars
    IFS=':' read -r -a jars <"$KAFKA_CP_FILE"
    for jar in "${jars[@]}"; do [[ -f "$jar" ]] || missing=1; done
    if [[ $missing -eq 0 ]]; then
      cat "$KAFKA_CP_FILE"
      return
    fi
  fi
  need_cmd java openjdk-17-jre-headless
  need_cmd mvn maven
  local t0
  t0="$(now)"
  log "resolving Kafka 3.9.1 and its dependencies with Maven (first run only)..."
  if ! mvn -q -B -f "$KAFKA_POM" dependency:build-classpath \
    -Dmdep.outputFile="$KAFKA_CP_FILE.tmp" -Dmdep.includeScope=runtime \
    >"$LOG_DIR/kafka-maven.log" 2>&1; then
    tail -n 30 "$LOG_DIR/kafka-maven.log" >&2
    die "Maven could not resolve the Kafka classpath (see $LOG_DIR/kafka-maven.log)"
  fi
  mv "$KAFKA_CP_FILE.tmp" "$KAFKA_CP_FILE"
  printf '%s\n' "$pom_sum" >"$KAFKA_CP_FILE.sha256"
  log "Kafka classpath resolved in $(elapsed "$t0")"
  cat "$KAFKA_CP_FILE"
}

kafka_write_config() {
  local data_dir="$KAFKA_DIR/data"
  # Regenerated on every start so that port overrides take effect; the storage format
  # (meta.properties) does not depend on anything that changes here.
  cat >"$KAFKA_DIR/server.properties" <<EOF
# Generated by infra/local/services.sh - edits are overwritten on the next 'up'.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data_dir

# Single node: every internal topic has exactly one replica.
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=12
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1

# The application creates its topics explicitly (with the partition count it wants).
auto.create.topics.enable=false
delete.topic.enable=true
# Tests start and stop consumer groups constantly; don't wait 3 s for joiners.
group.initial.rebalance.delay.ms=0

# Small machine: modest thread pools and short local retention.
num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=104857600
log.retention.check.interval.ms=300000
EOF

  # log4j 1.x (reload4j) config: everything to .local/logs/kafka.log, WARN by default with
  # the lifecycle loggers at INFO, so the log shows start/stop without per-partition noise.
  cat >"$KAFKA_DIR/log4j.properties" <<EOF
log4j.rootLogger=WARN, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$LOG_DIR/kafka.log
log4j.appender.file.MaxFileSize=20MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
log4j.logger.kafka.server.BrokerServer=INFO
log4j.logger.kafka.server.ControllerServer=INFO
log4j.logger.kafka.Kafka=INFO
log4j.logger.org.apache.kafka.common.utils.AppInfoParser=INFO
EOF
}

kafka_format_storage() {
  local cp="$1"
  [[ -f "$KAFKA_DIR/data/meta.properties" ]] && return 0
  # A KRaft cluster id is a base64url-encoded 16-byte UUID without padding. Generated once
  # and stored, so a re-format after a partial failure keeps the same id.
  if [[ ! -s "$KAFKA_DIR/cluster.id" ]]; then
    head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n' >"$KAFKA_DIR/cluster.id"
  fi
  local cluster_id
  cluster_id="$(cat "$KAFKA_DIR/cluster.id")"
  log "formatting Kafka storage (cluster id $cluster_id)"
  if ! java -cp "$cp" -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
    kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" \
    -c "$KAFKA_DIR/server.properties" >"$LOG_DIR/kafka-format.log" 2>&1; then
    cat "$LOG_DIR/kafka-format.log" >&2
    die "kafka-storage format failed"
  fi
}

kafka_up() {
  mkdir -p "$KAFKA_DIR" "$LOG_DIR"
  if kafka_running && port_open "$KAFKA_PORT"; then
    log "kafka: already running (pid $(read_pid "$KAFKA_PID_FILE"), $HOST:$KAFKA_PORT)"
    return
  fi
  if kafka_running; then
    # Process is alive but not listening (yet): it may still be starting up.
    log "kafka: process running, waiting for the listener..."
  else
    if port_open "$KAFKA_PORT"; then
      die "kafka: port $KAFKA_PORT is already in use by another process (set KAFKA_PORT)"
    fi
    local t0 cp
    t0="$(now)"
    need_cmd java openjdk-17-jre-headless
    cp="$(kafka_classpath)"
    kafka_write_config
    kafka_format_storage "$cp"
    log "kafka: starting broker on $HOST:$KAFKA_PORT (controller $HOST:$KAFKA_CONTROLLER_PORT)"
    # Remember where this run's log output starts, to recognise "started" from this run.
    local log_lines=0
    [[ -f "$LOG_DIR/kafka.log" ]] && log_lines="$(wc -l <"$LOG_DIR/kafka.log")"
    # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS is a list of JVM flags
    nohup java $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$KAFKA_DIR/log4j.properties" \
      -Dkafka.logs.dir="$LOG_DIR" \
      -cp "$cp" kafka.Kafka "$KAFKA_DIR/server.properties" \
      >"$LOG_DIR/kafka.out" 2>&1 </dev/null 9>&- &
    echo $! >"$KAFKA_PID_FILE"
    # The acceptor socket is bound before the broker has caught up with the metadata log,
    # so wait for both the port and the "Kafka Server started" line of this run.
    local deadline=$((SECONDS + KAFKA_START_TIMEOUT)) problem=""
    while :; do
      if ! kafka_running; then
        problem="the broker process exited during start-up"
        break
      fi
      if port_open "$KAFKA_PORT" &&
        tail -n +"$((log_lines + 1))" "$LOG_DIR/kafka.log" 2>/dev/null | grep -q 'Kafka Server started'; then
        break
      fi
      if ((SECONDS >= deadline)); then
        problem="kafka did not come up within ${KAFKA_START_TIMEOUT}s"
        break
      fi
      sleep 0.5
    done
    if [[ -n "$problem" ]]; then
      printf '\n--- tail of %s ---\n' "$LOG_DIR/kafka.out" >&2
      tail -n 30 "$LOG_DIR/kafka.out" >&2 || true
      printf -- '--- tail of %s ---\n' "$LOG_DIR/kafka.log" >&2
      tail -n 40 "$LOG_DIR/kafka.log" >&2 || true
      die "$problem (logs in $LOG_DIR)"
    fi
    log "kafka: up in $(elapsed "$t0") (pid $(read_pid "$KAFKA_PID_FILE"))"
    return
  fi
  wait_until "$KAFKA_START_TIMEOUT" port_open "$KAFKA_PORT" ||
    die "kafka: process alive but port $KAFKA_PORT not open; see $LOG_DIR/kafka.log"
  log "kafka: up"
}

kafka_down() {
  local pid
  pid="$(read_pid "$KAFKA_PID_FILE")"
  if ! pid_alive "$pid" kafka.Kafka; then
    rm -f "$KAFKA_PID_FILE"
    log "kafka: not running"
    return
  fi
  log "kafka: stopping (pid $pid)"
  kill -TERM "$pid" 2>/dev/null || true
  # A controlled shutdown flushes and closes the log segments, which makes the next start
  # skip log recovery. Give it 30 s, then force.
  if ! wait_until 30 bash -c "! kill -0 $pid 2>/dev/null"; then
    warn "kafka: did not stop within 30s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    wait_until 10 bash -c "! kill -0 $pid 2>/dev/null" || true
  fi
  rm -f "$KAFKA_PID_FILE"
  log "kafka: stopped"
}

kafka_status() {
  if kafka_running && port_open "$KAFKA_PORT"; then
    echo "kafka  up    pid $(read_pid "$KAFKA_PID_FILE")  $HOST:$KAFKA_PORT"
  elif kafka_running; then
    echo "kafka  starting  pid $(read_pid "$KAFKA_PID_FILE")  (port $KAFKA_PORT not open yet)"
  else
    echo "kafka  down"
  fi
}

# -------------------------------------------------------------------------------- redis

redis_ping() {
  [[ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]
}

redis_up() {
  mkdir -p "$REDIS_DIR" "$LOG_DIR"
  need_cmd redis-server redis-server
  need_cmd redis-cli redis-tools
  if redis_ping; then
    log "redis: already running ($HOST:$REDIS_PORT)"
    return
  fi
  if port_open "$REDIS_PORT"; then
    die "redis: port $REDIS_PORT is in use by something that does not answer PING (set REDIS_PORT)"
  fi
  local t0
  t0="$(now)"
  log "redis: starting on $HOST:$REDIS_PORT"
  # Cache/pub-sub only for us: no RDB snapshots, no AOF, so nothing to recover or to
  # fsync on a small test machine.
  redis-server --bind "$HOST" --port "$REDIS_PORT" --protected-mode yes \
    --daemonize yes --dir "$REDIS_DIR" --pidfile "$REDIS_PID_FILE" \
    --logfile "$LOG_DIR/redis.log" --loglevel notice \
    --save '' --appendonly no --maxmemory 512mb --maxmemory-policy noeviction 9>&- ||
    die "redis-server failed to start; see $LOG_DIR/redis.log"
  if ! wait_until 20 redis_ping; then
    tail -n 20 "$LOG_DIR/redis.log" >&2 || true
    die "redis did not answer PING within 20s"
  fi
  log "redis: up in $(elapsed "$t0")"
}

redis_down() {
  if command -v redis-cli >/dev/null 2>&1 && redis_ping; then
    log "redis: stopping"
    redis-cli -h "$HOST" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
    wait_until 10 bash -c "! timeout 2 bash -c 'exec 3<>/dev/tcp/$HOST/$REDIS_PORT' 2>/dev/null" ||
      warn "redis: still listening after shutdown"
    log "redis: stopped"
  else
    # Not answering: kill a leftover daemon from our pid file, if any.
    local pid
    pid="$(read_pid "$REDIS_PID_FILE")"
    if pid_alive "$pid" redis-server; then
      kill -TERM "$pid" 2>/dev/null || true
      log "redis: stopped (pid $pid)"
    else
      log "redis: not running"
    fi
  fi
  rm -f "$REDIS_PID_FILE"
}

redis_status() {
  if command -v redis-cli >/dev/null 2>&1 && redis_ping; then
    echo "redis  up    pid $(read_pid "$REDIS_PID_FILE")  $HOST:$REDIS_PORT"
  else
    echo "redis  down"
  fi
}

# ----------------------------------------------------------------------------- postgres

pg_ready() {
  "$PG_BIN/pg_isready" -q -h "$HOST" -p "$PG_PORT" -d postgres
}

pg_running() {
  [[ -f "$PG_DATA/PG_VERSION" ]] && as_pg "$PG_BIN/pg_ctl" status -D "$PG_DATA" >/dev/null 2>&1
}

# psql as the cluster's superuser over the private unix socket (trust auth, reachable
# only by the cluster's OS user because the socket directory is mode 0700).
pg_super_psql() {
  as_pg "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$PG_PORT" -U postgres -d postgres "$@"
}

pg_install() {
  if [[ ! -x "$PG_BIN/postgres" ]]; then
    apt_install "postgresql-$PG_VERSION" "postgresql-client-$PG_VERSION"
  fi
  [[ -x "$PG_BIN/postgres" ]] || die "PostgreSQL $PG_VERSION binaries not found in $PG_BIN"
  if [[ "$PG_OS_USER" != "$(id -un)" ]] && ! id "$PG_OS_USER" >/dev/null 2>&1; then
    die "OS user '$PG_OS_USER' does not exist (normally created by the postgresql package)"
  fi
}

pg_init() {
  mkdir -p "$PG_DIR" "$LOG_DIR"
  if [[ -f "$PG_DATA/PG_VERSION" ]]; then return; fi
  log "pg: creating cluster in $PG_DATA"
  rm -rf "$PG_DATA"
  mkdir -p "$PG_DATA" "$PG_SOCKET_DIR"
  chmod 700 "$PG_DATA" "$PG_SOCKET_DIR"
  if [[ $EUID -eq 0 ]]; then chown -R "$PG_OS_USER:" "$PG_DIR"; fi
  # The postgres user must be able to reach the data directory through every parent.
  as_pg test -w "$PG_DATA" ||
    die "pg: user '$PG_OS_USER' cannot write $PG_DATA (a parent directory is not traversable?)"
  # Superuser: trust on the private unix socket only. TCP (what the app uses): SCRAM.
  if ! as_pg "$PG_BIN/initdb" -D "$PG_DATA" -U postgres -E UTF8 --no-locale \
    --auth-local=trust --auth-host=scram-sha-256 >"$LOG_DIR/pg-initdb.log" 2>&1; then
    cat "$LOG_DIR/pg-initdb.log" >&2
    die "initdb failed"
  fi
  # Our settings live in their own file, included from postgresql.conf.
  echo "include_if_exists = 'fleetscope.conf'" | as_pg tee -a "$PG_DATA/postgresql.conf" >/dev/null
}

pg_write_config() {
  # Regenerated on each start so that PG_PORT overrides take effect.
  as_pg tee "$PG_DATA/fleetscope.conf" >/dev/null <<EOF
# Generated by infra/local/services.sh - edits are overwritten on the next 'up'.
listen_addresses = '$HOST'
port = $PG_PORT
unix_socket_directories = '$PG_SOCKET_DIR'
unix_socket_permissions = 0700
password_encryption = 'scram-sha-256'
# Sized for a 2-core test machine running the whole stack.
max_connections = 200
shared_buffers = 256MB
work_mem = 8MB
maintenance_work_mem = 128MB
effective_cache_size = 1GB
max_wal_size = 2GB
checkpoint_timeout = 15min
# Durability stays as in production (fsync, synchronous_commit on), so tests see real
# commit latencies.
logging_collector = off
log_min_messages = warning
log_min_duration_statement = 1000
log_line_prefix = '%m [%p] %q%u@%d '
timezone = 'UTC'
EOF
}

pg_ensure_app_role() {
  # Idempotent: create or (re)set the app role's password, create its database.
  pg_super_psql -v role="$PG_APP_USER" -v pw="$PG_APP_PASSWORD" -v db="$PG_APP_DB" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN CREATEDB', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN CREATEDB PASSWORD %L', :'role', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
}

pg_up() {
  pg_install
  if pg_running && pg_ready; then
    pg_ensure_app_role
    log "pg: already running ($HOST:$PG_PORT)"
    return
  fi
  if ! pg_running && port_open "$PG_PORT"; then
    die "pg: port $PG_PORT is already in use by another process (set PG_PORT)"
  fi
  local t0
  t0="$(now)"
  pg_init
  if ! pg_running; then
    pg_write_config
    touch "$LOG_DIR/postgres.log"
    if [[ $EUID -eq 0 ]]; then chown "$PG_OS_USER:" "$LOG_DIR/postgres.log"; fi
    log "pg: starting PostgreSQL $PG_VERSION on $HOST:$PG_PORT"
    if ! as_pg "$PG_BIN/pg_ctl" start -D "$PG_DATA" -l "$LOG_DIR/postgres.log" -w -t 60 \
      >/dev/null 2>&1 9>&-; then
      tail -n 30 "$LOG_DIR/postgres.log" >&2 || true
      die "pg_ctl start failed; see $LOG_DIR/postgres.log"
    fi
  fi
  if ! wait_until 60 pg_ready; then
    tail -n 30 "$LOG_DIR/postgres.log" >&2 || true
    die "pg: pg_isready did not succeed within 60s"
  fi
  pg_ensure_app_role
  log "pg: up in $(elapsed "$t0")"
}

pg_down() {
  if [[ ! -x "$PG_BIN/pg_ctl" ]] || ! pg_running; then
    log "pg: not running"
    return
  fi
  log "pg: stopping"
  as_pg "$PG_BIN/pg_ctl" stop -D "$PG_DATA" -m fast -w -t 60 >/dev/null
  log "pg: stopped"
}

pg_status() {
  if [[ -x "$PG_BIN/pg_isready" ]] && pg_running && pg_ready; then
    echo "pg     up    pid $(head -n 1 "$PG_DATA/postmaster.pid" 2>/dev/null)  $HOST:$PG_PORT"
  else
    echo "pg     down"
  fi
}

# ------------------------------------------------------------------------------ commands

database_url() { echo "postgres://$PG_APP_USER:$PG_APP_PASSWORD@$HOST:$PG_PORT/$PG_APP_DB"; }

write_env() {
  mkdir -p "$LOCAL_DIR"
  cat >"$ENV_FILE.tmp" <<EOF
# Written by infra/local/services.sh up. Load with: . $ENV_FILE
export KAFKA_BROKERS=$HOST:$KAFKA_PORT
export DATABASE_URL=$(database_url)
export REDIS_URL=redis://$HOST:$REDIS_PORT
EOF
  mv "$ENV_FILE.tmp" "$ENV_FILE"
}

# Validate and normalise service names ("postgres"/"postgresql" are accepted for pg).
parse_services() {
  local s
  if [[ $# -eq 0 ]]; then
    printf '%s\n' "${ALL_SERVICES[@]}"
    return
  fi
  for s in "$@"; do
    case "$s" in
      kafka) echo kafka ;;
      redis) echo redis ;;
      pg | postgres | postgresql) echo pg ;;
      *) die "unknown service '$s' (expected: kafka, redis, pg)" ;;
    esac
  done
}

# Serialise concurrent invocations (e.g. two test runs calling 'up' at once).
# NOTE: every daemon we launch gets `9>&-`: a daemon inheriting the lock's descriptor would
# hold the lock for as long as it runs and block every later invocation.
take_lock() {
  mkdir -p "$LOCAL_DIR"
  exec 9>"$LOCAL_DIR/.services.lock"
  if ! flock -w 300 9; then die "another services.sh is still running (lock $LOCAL_DIR/.services.lock)"; fi
}

cmd_up() {
  local t0 svc
  t0="$(now)"
  take_lock
  mkdir -p "$LOG_DIR"
  mapfile -t svcs < <(parse_services "$@")
  for svc in "${svcs[@]}"; do "${svc}_up"; done
  write_env
  log "ready in $(elapsed "$t0"). Connection settings ($ENV_FILE):"
  cat "$ENV_FILE"
}

cmd_down() {
  local svc
  take_lock
  mapfile -t svcs < <(parse_services "$@")
  # Reverse order of start-up.
  for ((i = ${#svcs[@]} - 1; i >= 0; i--)); do "${svcs[$i]}_down"; done
}

cmd_status() {
  kafka_status
  redis_status
  pg_status
}

cmd_env() {
  if [[ -f "$ENV_FILE" ]]; then
    cat "$ENV_FILE"
  else
    warn "$ENV_FILE not found (run 'up' first); printing the defaults"
    write_env
    cat "$ENV_FILE"
  fi
}

cmd_reset() {
  cmd_down
  log "deleting local service data under $LOCAL_DIR"
  # Keep the resolved classpath (a pure cache of ~/.m2 paths); everything else goes.
  rm -rf "$KAFKA_DIR/data" "$KAFKA_DIR/cluster.id" "$KAFKA_DIR/server.properties" \
    "$KAFKA_DIR/log4j.properties" "$REDIS_DIR" "$PG_DIR" "$LOG_DIR" "$ENV_FILE"
  log "reset done; run 'up' to start from a clean slate"
}

# The dashboard's browser tests drive Debian's Chromium with playwright-core (a browser
# download by a test tool cannot work here); the emoji font makes screenshots readable.
cmd_browser() {
  if [[ -x /usr/bin/chromium ]] && fc-list 2>/dev/null | grep -qi 'emoji'; then
    log "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
    return 0
  fi
  apt_install chromium fonts-noto-color-emoji
  log "chromium: $(/usr/bin/chromium --version 2>/dev/null | head -1)"
}

usage() {
  sed -n '2,20p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    up) cmd_up "$@" ;;
    down | stop) cmd_down "$@" ;;
    status) cmd_status ;;
    env) cmd_env ;;
    reset) cmd_reset ;;
    browser) cmd_browser ;;
    -h | --help | help) usage ;;
    *)
      usage >&2
      exit 2
      ;;
  esac
}

main "$@"
