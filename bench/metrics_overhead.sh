#!/usr/bin/env bash
# What the metrics cost the data path: keep-alive requests/s through fulcrum built as
# usual (relaxed-atomic counters in every read, /metrics scraped once a second during
# the run) against fulcrum built with -DFULCRUM_NO_DATA_PATH_COUNTERS (the counter
# increments compiled out, nothing scraped). Same machine, same run, interleaved rounds
# (with, without, with, ...), medians compared. Fails (exit 1) when the rate with
# metrics is more than BENCH_MAX_DROP_PERCENT below the rate without.
#
# Like scripts/bench: fulcrum (workers = 1) pinned to BENCH_PROXY_CPU (0), the backend
# (bench/tools/http_responder) and wrk (-t 1) to BENCH_LOAD_CPU (1); 127.0.0.1 only.
# Settings: BENCH_SECONDS (5) per run, BENCH_ROUNDS (5), BENCH_CONNECTIONS (50),
# BENCH_MAX_DROP_PERCENT (2). Build folders: FULCRUM_BUILD_DIR (build/) and
# FULCRUM_NO_COUNTERS_BUILD_DIR (build-no-counters/), both Release.
# Run it on a quiet machine: anything else running skews both sides, but not equally.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly with_dir=${FULCRUM_BUILD_DIR:-$root/build}
readonly without_dir=${FULCRUM_NO_COUNTERS_BUILD_DIR:-$root/build-no-counters}
readonly seconds=${BENCH_SECONDS:-5}
readonly rounds=${BENCH_ROUNDS:-5}
readonly connections=${BENCH_CONNECTIONS:-50}
readonly max_drop=${BENCH_MAX_DROP_PERCENT:-2}
readonly proxy_cpu=${BENCH_PROXY_CPU:-0}
readonly load_cpu=${BENCH_LOAD_CPU:-1}

for tool in wrk taskset curl python3; do
  command -v "$tool" > /dev/null || { echo "metrics_overhead: $tool is missing (scripts/setup wrk util-linux curl)" >&2; exit 1; }
done
if ! grep -q FULCRUM_NO_DATA_PATH_COUNTERS "$root/lb/proxy/tcp_connection.cc"; then
  echo "metrics_overhead: warning: lb/proxy/tcp_connection.cc does not use FULCRUM_NO_DATA_PATH_COUNTERS yet;" \
       "both builds count, so this measures only the cost of scraping" >&2
fi

build() {  # build DIR [extra cmake args...]
  local dir=$1
  shift
  local log
  log=$(mktemp)
  if ! cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DFULCRUM_BUILD_TESTS=OFF "$@" > "$log" 2>&1 ||
     ! cmake --build "$dir" -j "$(nproc)" --target fulcrum http_responder >> "$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    exit 1
  fi
  rm -f "$log"
}
echo "metrics_overhead: building fulcrum with counters ($with_dir) and without ($without_dir)"
build "$with_dir"
build "$without_dir" -DCMAKE_CXX_FLAGS=-DFULCRUM_NO_DATA_PATH_COUNTERS

work=$(mktemp -d)
# The processes running now, each stopped by its PID on exit.
responder_pid=""
fulcrum_pid=""
scraper_pid=""
stop() {  # stop PID...
  for pid in "$@"; do
    [[ -n $pid ]] || continue
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
  done
}
cleanup() {
  stop "$scraper_pid" "$fulcrum_pid" "$responder_pid"
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_for_port() {  # wait_for_port PORT PID WHAT LOG
  local deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)); do
    kill -0 "$2" 2> /dev/null || break
    if (echo > "/dev/tcp/127.0.0.1/$1") 2> /dev/null; then return 0; fi
    sleep 0.05
  done
  echo "metrics_overhead: $3 did not listen on 127.0.0.1:$1" >&2
  cat "$4" >&2
  exit 1
}

backend_port=$(free_port)
taskset -c "$load_cpu" "$with_dir/bench/http_responder" --port "$backend_port" > "$work/responder.log" 2>&1 &
responder_pid=$!
wait_for_port "$backend_port" "$responder_pid" http_responder "$work/responder.log"

# One measured run; sets `rate` to its requests/s. run_once VARIANT (with | without)
run_once() {
  local variant=$1 dir=$with_dir
  [[ $variant == without ]] && dir=$without_dir
  local port admin
  port=$(free_port)
  admin=$(free_port)
  cat > "$work/fulcrum.toml" << EOF
[runtime]
workers = 1
shutdown_grace = "1s"

[admin]
bind = "127.0.0.1:$admin"

[[listeners]]
name = "bench"
bind = "127.0.0.1:$port"
pool = "responders"

[[pools]]
name = "responders"
  [[pools.backends]]
  address = "127.0.0.1:$backend_port"
EOF
  taskset -c "$proxy_cpu" "$dir/fulcrum" -c "$work/fulcrum.toml" > "$work/fulcrum-$variant.log" 2>&1 &
  fulcrum_pid=$!
  wait_for_port "$port" "$fulcrum_pid" "fulcrum ($variant)" "$work/fulcrum-$variant.log"

  if [[ $variant == with ]]; then
    (while true; do curl -s -o /dev/null "http://127.0.0.1:$admin/metrics" || true; sleep 1; done) &
    scraper_pid=$!
  fi
  local output
  output=$(taskset -c "$load_cpu" wrk -t 1 -c "$connections" -d "${seconds}s" --timeout 2s "http://127.0.0.1:$port/")
  stop "$scraper_pid" "$fulcrum_pid"
  scraper_pid=""
  fulcrum_pid=""
  if grep -q "Socket errors\|Non-2xx" <<< "$output"; then
    echo "metrics_overhead: wrk reported errors ($variant):" >&2
    echo "$output" >&2
    exit 1
  fi
  rate=$(awk '/^Requests\/sec:/ { print $2 }' <<< "$output")
}

with_rates=()
without_rates=()
for ((round = 1; round <= rounds; round++)); do
  run_once with
  with_rates+=("$rate")
  run_once without
  without_rates+=("$rate")
  echo "round $round/$rounds: with metrics ${with_rates[-1]} req/s, without counters ${without_rates[-1]} req/s"
done

python3 - "$max_drop" "${with_rates[*]}" "${without_rates[*]}" << 'EOF'
import statistics
import sys

max_drop = float(sys.argv[1])
with_rates = [float(value) for value in sys.argv[2].split()]
without_rates = [float(value) for value in sys.argv[3].split()]
with_median = statistics.median(with_rates)
without_median = statistics.median(without_rates)
drop = (without_median - with_median) / without_median * 100
print(f"median keep-alive req/s: with metrics {with_median:.0f}, without counters {without_median:.0f}; "
      f"drop {drop:.2f}% (limit {max_drop}%)")
sys.exit(0 if drop <= max_drop else 1)
EOF
