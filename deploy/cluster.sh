#!/usr/bin/env bash
# Stride Lab cluster on one Linux machine, no Docker: N Streamlit replicas on loopback ports and
# Debian's nginx in front of them, with the same sticky configuration as deploy/nginx.conf.
#
#   deploy/cluster.sh run   [N]     start, wait for Ctrl-C, then stop everything (`make cluster`)
#   deploy/cluster.sh start [N]     start in the background and return
#   deploy/cluster.sh stop          stop nginx and every replica this script started
#   deploy/cluster.sh status        what is running
#   deploy/cluster.sh kill-replica I    stop replica I (0-based), to try a failover
#
# Environment: PORT (nginx, default 8080), REPLICA_PORT (first replica, default 8601),
# RUN_DIR (pid files, logs, generated nginx.conf; default /tmp/stride-lab-cluster-$PORT),
# PY (default .venv/bin/python), NGINX_BIN (default: nginx on PATH or /usr/sbin/nginx; not NGINX,
# which nginx itself reads),
# STRIDE_LAB_COOKIE_SECRET (default: generated once per RUN_DIR and shared by all replicas),
# STRIDE_LAB_DATA (classroom polls: the directory of the one SQLite file every replica shares;
# default .stride-lab/ in the project, as for `make run`), STRIDE_LAB_DB (a database URL instead).
# Only processes recorded in RUN_DIR's pid files are ever stopped.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PORT:-8080}"
REPLICA_PORT="${REPLICA_PORT:-8601}"
RUN_DIR="${RUN_DIR:-/tmp/stride-lab-cluster-$PORT}"
DATA_DIR="${STRIDE_LAB_DATA:-$ROOT/.stride-lab}"
PY="${PY:-$ROOT/.venv/bin/python}"
NGINX_BIN="${NGINX_BIN:-$(command -v nginx || echo /usr/sbin/nginx)}"
CMD="${1:-run}"
N="${2:-2}"

die() { echo "cluster: $*" >&2; exit 1; }

wait_health() {  # url, seconds
  local url="$1" t="${2:-60}" i
  for ((i = 0; i < t * 5; i++)); do
    if "$PY" - "$url" <<'EOF' 2>/dev/null; then return 0; fi
import sys, urllib.request
sys.exit(urllib.request.urlopen(sys.argv[1], timeout=1).status != 200)
EOF
    sleep 0.2
  done
  return 1
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop_pid() {  # pid file: TERM, wait up to 10 s, then KILL
  local f="$1" pid i
  [ -f "$f" ] || return 0
  pid="$(cat "$f")"
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

start_replica() {  # index
  local i="$1" port=$((REPLICA_PORT + $1))
  alive "$RUN_DIR/replica-$i.pid" && return 0
  (
    cd "$ROOT"
    STREAMLIT_SERVER_COOKIE_SECRET="$(cat "$RUN_DIR/cookie_secret")" STRIDE_LAB_THREADS="${STRIDE_LAB_THREADS:-1}" MALLOC_ARENA_MAX="${MALLOC_ARENA_MAX:-2}" \
    STRIDE_LAB_DATA="$DATA_DIR" \
      exec "$PY" -m streamlit run app.py --server.address 127.0.0.1 --server.port "$port" --server.headless true \
      </dev/null >"$RUN_DIR/replica-$i.log" 2>&1
  ) &
  echo $! >"$RUN_DIR/replica-$i.pid"
}

write_nginx_conf() {
  local servers="" i
  for ((i = 0; i < N; i++)); do
    servers+="        server 127.0.0.1:$((REPLICA_PORT + i)) max_fails=1 fail_timeout=10s;\n"
  done
  mkdir -p "$RUN_DIR/tmp"
  cp "${NGINX_MIME_TYPES:-/etc/nginx/mime.types}" "$RUN_DIR/mime.types" || die "no mime.types (set NGINX_MIME_TYPES)"
  local temp="    client_body_temp_path $RUN_DIR/tmp/body; proxy_temp_path $RUN_DIR/tmp/proxy; fastcgi_temp_path $RUN_DIR/tmp/fastcgi; uwsgi_temp_path $RUN_DIR/tmp/uwsgi; scgi_temp_path $RUN_DIR/tmp/scgi;"
  sed -e "s|^.*# cluster.sh: replicas$|${servers%\\n}|" \
      -e "s|^.*# cluster.sh: listen$|        listen 127.0.0.1:$PORT;|" \
      -e "s|^.*# cluster.sh: access_log$|    access_log $RUN_DIR/access.log routed;|" \
      -e "s|^.*# cluster.sh: temp paths$|$temp|" \
      "$ROOT/deploy/nginx.conf" >"$RUN_DIR/nginx.conf"
}

nginx_cmd() { "$NGINX_BIN" -p "$RUN_DIR" -c "$RUN_DIR/nginx.conf" -e "$RUN_DIR/error.log" -g "pid $RUN_DIR/nginx.pid;" "$@"; }

start() {
  [ -x "$NGINX_BIN" ] || die "nginx not found (Debian: apt-get install -y nginx)"
  [ -x "$PY" ] || die "$PY not found (make run sets up .venv)"
  [[ "$N" =~ ^[1-9][0-9]*$ ]] || die "N must be a positive integer, got '$N'"
  mkdir -p "$RUN_DIR" "$DATA_DIR"
  echo "$N" >"$RUN_DIR/replicas"
  if [ ! -s "$RUN_DIR/cookie_secret" ]; then
    if [ -n "${STRIDE_LAB_COOKIE_SECRET:-}" ]; then echo "$STRIDE_LAB_COOKIE_SECRET" >"$RUN_DIR/cookie_secret"
    else "$PY" -c 'import secrets; print(secrets.token_hex(32))' >"$RUN_DIR/cookie_secret"; fi
    chmod 600 "$RUN_DIR/cookie_secret"
  fi
  local i
  for ((i = 0; i < N; i++)); do start_replica "$i"; done
  for ((i = 0; i < N; i++)); do
    wait_health "http://127.0.0.1:$((REPLICA_PORT + i))/_stcore/health" 90 || { stop; die "replica $i did not become healthy; see $RUN_DIR/replica-$i.log"; }
  done
  write_nginx_conf
  nginx_cmd -t -q || { stop; die "nginx rejected $RUN_DIR/nginx.conf"; }
  alive "$RUN_DIR/nginx.pid" || nginx_cmd </dev/null >>"$RUN_DIR/error.log" 2>&1
  wait_health "http://127.0.0.1:$PORT/_stcore/health" 30 || { stop; die "nginx is not answering on $PORT; see $RUN_DIR/error.log"; }
  echo "Stride Lab: $N replica(s) on 127.0.0.1:$REPLICA_PORT.. behind nginx at http://127.0.0.1:$PORT (run dir $RUN_DIR)"
}

stop() {
  # TERM nginx (graceful QUIT) and every replica at once, wait up to 10 s together, then KILL the rest.
  local f pid pids=() j
  if [ -f "$RUN_DIR/nginx.pid" ]; then
    pid="$(cat "$RUN_DIR/nginx.pid")"; kill -QUIT "$pid" 2>/dev/null && pids+=("$pid")
  fi
  for f in "$RUN_DIR"/replica-*.pid; do
    [ -e "$f" ] || continue
    pid="$(cat "$f")"; kill -TERM "$pid" 2>/dev/null && pids+=("$pid")
  done
  for ((j = 0; j < 50; j++)); do
    local left=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && left=1; done
    [ "$left" = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null; done
  rm -f "$RUN_DIR/nginx.pid" "$RUN_DIR"/replica-*.pid
  echo "cluster: stopped (logs kept in $RUN_DIR)"
}

status() {
  local f
  if alive "$RUN_DIR/nginx.pid"; then echo "nginx  pid $(cat "$RUN_DIR/nginx.pid")  http://127.0.0.1:$PORT"; else echo "nginx  stopped"; fi
  for f in "$RUN_DIR"/replica-*.pid; do
    [ -e "$f" ] || continue
    if alive "$f"; then echo "$(basename "$f" .pid)  pid $(cat "$f")"; else echo "$(basename "$f" .pid)  stopped"; fi
  done
}

case "$CMD" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  kill-replica) stop_pid "$RUN_DIR/replica-${2:?replica index}.pid"; echo "cluster: replica $2 stopped" ;;
  start-replica) start_replica "${2:?replica index}"; wait_health "http://127.0.0.1:$((REPLICA_PORT + $2))/_stcore/health" 90 ;;
  run)
    trap 'stop; exit 0' INT TERM
    start
    echo "Press Ctrl-C to stop."
    while true; do sleep 1; done
    ;;
  *) die "unknown command '$CMD' (run, start, stop, status, kill-replica I, start-replica I)" ;;
esac
