# shellcheck shell=bash
# shellcheck disable=SC2034 # variables here are used by the scripts that source this file
# Shared settings and helpers for deploy/local/{start,stop,status}.
# Sourced by those scripts, never executed directly.
#
# Environment overrides:
#   EMBARGO_CACHE          download cache (default: $HOME/.cache/embargo)
#   EMBARGO_LOCAL_DIR      data/logs/pids   (default: <repo>/.local)
#   EMBARGO_JAVA_HOME      JDK to use        (default: JDK 17, else JAVA_HOME, else `java` on PATH)
#   EMBARGO_OS_USER        user that runs OpenSearch when started as root (default: embargo-os)
#   EMBARGO_START_TIMEOUT_{KAFKA,OPENSEARCH,REDIS}  seconds to wait for health (90/180/30)
#   EMBARGO_STOP_TIMEOUT   seconds to wait after SIGTERM before SIGKILL (default: 60)
#   EMBARGO_APPCDS=0       do not use/record class-data sharing archives
#   EMBARGO_{KAFKA,KAFKA_CONTROLLER,OPENSEARCH,OPENSEARCH_TRANSPORT,REDIS}_PORT

# ---------------------------------------------------------------- paths ----
LOCAL_SCRIPTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)"
REPO_ROOT="$(cd "$LOCAL_SCRIPTS_DIR/../.." && pwd -P)"
LOCAL_DIR="${EMBARGO_LOCAL_DIR:-$REPO_ROOT/.local}"
CACHE_DIR="${EMBARGO_CACHE:-${HOME:-/root}/.cache/embargo}"

# ------------------------------------------------------------- versions ----
KAFKA_VERSION=3.9.1
KAFKA_SCALA_VERSION=2.13
OPENSEARCH_VERSION=2.19.6
MAVEN_DEPENDENCY_PLUGIN_VERSION=3.8.1

# ---------------------------------------------------------------- ports ----
# Fixed by default (deploy/local/env prints them); the overrides exist to run a
# second, separate stack next to the usual one (with another EMBARGO_LOCAL_DIR).
BIND_HOST=127.0.0.1
KAFKA_PORT="${EMBARGO_KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${EMBARGO_KAFKA_CONTROLLER_PORT:-9093}"
# SASL/SCRAM listener, for apps configured with KAFKA_SASL_* (no users until one is added:
# deploy/local/kafka-tool configs --alter --entity-type users --entity-name NAME
#   --add-config 'SCRAM-SHA-512=[password=...]').
KAFKA_SASL_PORT="${EMBARGO_KAFKA_SASL_PORT:-9094}"
OPENSEARCH_PORT="${EMBARGO_OPENSEARCH_PORT:-9200}"
OPENSEARCH_TRANSPORT_PORT="${EMBARGO_OPENSEARCH_TRANSPORT_PORT:-9300}"
REDIS_PORT="${EMBARGO_REDIS_PORT:-6379}"

SERVERS=(kafka opensearch redis)

KAFKA_HOME="$CACHE_DIR/kafka-$KAFKA_VERSION"           # lib/*.jar
OPENSEARCH_ZIP_DIR="$CACHE_DIR/opensearch-$OPENSEARCH_VERSION"
OPENSEARCH_ZIP="$OPENSEARCH_ZIP_DIR/opensearch-$OPENSEARCH_VERSION.zip"
OS_USER="${EMBARGO_OS_USER:-embargo-os}"

# -------------------------------------------------------------- output -----
log() { printf '%s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
  printf 'ERROR: %s\n' "$*" >&2
  exit 1
}

# Seconds (with decimals) since an $EPOCHREALTIME value.
elapsed_since() {
  awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }'
}

# Print the last lines of each existing file, for failure reports.
tail_logs() {
  local f
  for f in "$@"; do
    [[ -s "$f" ]] || continue
    printf -- '----- last 40 lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
  done
}

# Sizes of the given files ("file:size ..."), to show only newer output later.
log_marks() {
  local f
  for f in "$@"; do printf '%s:%s ' "$f" "$(stat -c %s "$f" 2>/dev/null || echo 0)"; done
}

# Like tail_logs, but only what was written after log_marks was taken.
tail_logs_since() {
  local mark f size now
  for mark in "$@"; do
    f="${mark%:*}"
    size="${mark##*:}"
    [[ -s "$f" ]] || continue
    now="$(stat -c %s "$f" 2>/dev/null || echo 0)"
    ((now > size)) || { ((now < size)) || continue; size=0; } # rotated: whole file
    printf -- '----- %s (last 40 lines written by this start) -----\n' "$f" >&2
    tail -c "+$((size + 1))" "$f" | tail -n 40 >&2 || true
  done
}

# ------------------------------------------------------------- process -----
server_dir() { printf '%s/%s' "$LOCAL_DIR" "$1"; }
pid_file() { printf '%s/%s/pid' "$LOCAL_DIR" "$1"; }

server_port() {
  case "$1" in
    kafka) echo "$KAFKA_PORT" ;;
    opensearch) echo "$OPENSEARCH_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
  esac
}

# A string that must appear in /proc/<pid>/cmdline (guards against pid reuse).
server_cmd_pattern() {
  case "$1" in
    kafka) echo "kafka.Kafka" ;;
    opensearch) echo "org.opensearch.bootstrap.OpenSearch" ;;
    redis) echo "redis-server" ;;
  esac
}

server_logs() {
  local d
  d="$(server_dir "$1")/logs"
  case "$1" in
    kafka) echo "$d/kafka.out $d/server.log" ;;
    opensearch) echo "$d/stdout.log $d/embargo-local.log" ;;
    redis) echo "$d/redis.log" ;;
  esac
}

# Prints the pid of our running server process, or nothing.
server_pid() {
  local name="$1" file pid
  file="$(pid_file "$name")"
  [[ -r "$file" ]] || return 0
  pid="$(tr -dc '0-9' 2>/dev/null <"$file" || true)"
  [[ -n "$pid" ]] || return 0
  [[ -r "/proc/$pid/cmdline" ]] || return 0
  if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$(server_cmd_pattern "$name")"; then
    echo "$pid"
  fi
}

# A server of this kind that these scripts started from ANOTHER checkout (its
# own pid file names it), printed as "<pid> <its .local/<server> dir>". Used so
# that a second checkout (e.g. CI in a fresh clone) shares the servers already
# listening on the fixed ports instead of failing on them.
find_other_server() {
  local name="$1" pattern p pid cmd dir
  pattern="$(server_cmd_pattern "$name")"
  for p in /proc/[0-9]*; do
    pid="${p#/proc/}"
    cmd="$(tr '\0' '\n' 2>/dev/null <"$p/cmdline")" || continue
    [[ "$cmd" == *"$pattern"* ]] || continue
    case "$name" in
      kafka) dir="$(dirname "$(tail -n 1 <<<"$cmd")")" ;; # .../kafka/server.properties
      opensearch) dir="$(sed -n 's/^-Dopensearch.path.conf=//p' <<<"$cmd")" && dir="$(dirname "$dir")" ;;
      redis) dir="$(readlink "$p/cwd" 2>/dev/null)" && dir="$(dirname "$dir")" ;; # runs in .../redis/data
    esac
    [[ -n "$dir" && "$dir" != "$(server_dir "$name")" ]] || continue
    [[ "$(tr -dc '0-9' 2>/dev/null <"$dir/pid")" == "$pid" ]] || continue
    # ...and configured for the port we want.
    case "$name" in
      kafka) grep -qs "^listeners=PLAINTEXT://$BIND_HOST:$KAFKA_PORT," "$dir/server.properties" ;;
      opensearch) grep -qs "^http.port: $OPENSEARCH_PORT\$" "$dir/config/opensearch.yml" ;;
      redis) grep -qs "^port $REDIS_PORT\$" "$dir/redis.conf" ;;
    esac || continue
    echo "$pid $dir"
    return 0
  done
  return 0
}

pid_alive() { [[ -n "$1" ]] && kill -0 "$1" 2>/dev/null; }

port_open() {
  (exec 3<>"/dev/tcp/$BIND_HOST/$1") 2>/dev/null
}

# ---------------------------------------------------------------- health ---
# Kafka: a real ApiVersions (v0) round trip on the PLAINTEXT listener. The
# broker only processes requests once it has caught up with the metadata log.
kafka_healthy() {
  local resp
  resp="$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/$BIND_HOST/$KAFKA_PORT" || exit 1
    # size=10 | api_key=18 | api_version=0 | correlation_id=1 | client_id=""
    printf '\x00\x00\x00\x0a\x00\x12\x00\x00\x00\x00\x00\x01\x00\x00' >&3
    timeout 3 head -c 10 <&3 | od -An -tx1 | tr -d ' \n'
  )" || return 1
  # response: size(4) | correlation_id=1 (4) | error_code=0 (2)
  [[ "$resp" =~ ^[0-9a-f]{8}000000010000$ ]]
}

opensearch_healthy() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
    "http://$BIND_HOST:$OPENSEARCH_PORT/_cluster/health?wait_for_status=yellow&timeout=2s" 2>/dev/null || true)"
  [[ "$code" == 200 ]]
}

redis_healthy() {
  command -v redis-cli >/dev/null 2>&1 || return 1
  [[ "$(timeout 5 redis-cli -h "$BIND_HOST" -p "$REDIS_PORT" ping 2>/dev/null || true)" == PONG ]]
}

server_healthy() { "${1}_healthy"; }

# ------------------------------------------------------------------ java ---
find_java_home() {
  local candidate
  for candidate in "${EMBARGO_JAVA_HOME:-}" /usr/lib/jvm/java-17-openjdk-amd64 "${JAVA_HOME:-}"; do
    if [[ -n "$candidate" && -x "$candidate/bin/java" ]]; then
      echo "$candidate"
      return 0
    fi
  done
  if command -v java >/dev/null 2>&1; then
    candidate="$(readlink -f "$(command -v java)")"
    dirname "$(dirname "$candidate")"
    return 0
  fi
  return 1
}

# ---------------------------------------------------------------- AppCDS ---
# Class-data sharing archives of the servers' own classes roughly halve the
# JVM startup CPU time. A server started without an archive records one when
# its JVM exits (-XX:ArchiveClassesAtExit, into *.jsa.partial); `stop` keeps it
# only after a graceful exit and a check that the JVM can map it (a truncated
# archive crashes the JVM). EMBARGO_APPCDS=0 turns this off.
appcds_enabled() { [[ "${EMBARGO_APPCDS:-1}" == 1 ]]; }

# Kafka's archive sits next to its jars in the cache (shared by checkouts);
# OpenSearch's next to its per-checkout distribution.
appcds_dir() {
  case "$1" in
    kafka) echo "$KAFKA_HOME/cds" ;;
    opensearch) echo "$LOCAL_DIR/opensearch/cds" ;;
  esac
}

# Called by stop once the server has exited: keep or drop the recorded archive.
appcds_promote() {
  local name="$1" graceful="$2" dir partial java cp
  dir="$(appcds_dir "$name")"
  [[ -n "$dir" && -d "$dir" ]] || return 0
  for partial in "$dir"/*.jsa.partial; do
    [[ -e "$partial" ]] || continue
    java="$(sed -n 1p "$partial.cmd" 2>/dev/null || true)"
    cp="$(sed -n 2p "$partial.cmd" 2>/dev/null || true)"
    if [[ "$graceful" == 1 && -s "$partial" && -x "$java" ]] &&
      "$java" -Xshare:auto "-XX:SharedArchiveFile=$partial" -cp "$cp" -version >/dev/null 2>&1; then
      mv -f "$partial" "${partial%.partial}"
      log "$name: saved class-data archive for faster starts"
    else
      rm -f "$partial"
    fi
    rm -f "$partial.cmd"
  done
}

# ------------------------------------------------------------------ lock ---
# Serialises start/stop so that concurrent invocations do not race.
# The lock is fd 9; never let a server inherit it (launches close it with 9>&-).
take_lock() {
  mkdir -p "$LOCAL_DIR"
  exec 9>"$LOCAL_DIR/.lock"
  flock -w 600 9 || die "could not lock $LOCAL_DIR/.lock (another start/stop running?)"
}
