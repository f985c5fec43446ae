#!/usr/bin/env python3
"""fulcrum against HAProxy 2.6, side by side on loopback. Run it through scripts/bench,
which installs HAProxy and wrk and builds fulcrum and the backend first.

Every proxy runs with one thread, pinned to one CPU (BENCH_PROXY_CPU, default 0); the
backend (bench/tools/http_responder) and the load generator (wrk) share another
(BENCH_LOAD_CPU, default 1). The proxies are measured in interleaved rounds (fulcrum,
haproxy, direct, fulcrum, ...) so that drift in the machine affects them alike; the
table shows medians over the rounds. "CPU µs/req" is the proxy's own user+system CPU
time (/proc/PID/stat, proc(5)) spent during a run divided by the requests completed.

Settings (environment): BENCH_SECONDS per run (5), BENCH_ROUNDS (3),
BENCH_CONNECTIONS for wrk (50).

A workload is a function that drives load at 127.0.0.1:PORT for `seconds` and returns a
LoadResult; add one to WORKLOADS to measure something new.
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

LOOPBACK = "127.0.0.1"


@dataclass
class Settings:
    build_dir: Path
    seconds: int
    rounds: int
    connections: int
    proxy_cpu: int
    load_cpu: int
    work_dir: Path


def env_int(name: str, default: int, minimum: int) -> int:
    text = os.environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        sys.exit(f"bench: {name} must be an integer, not {text!r}")
    if value < minimum:
        sys.exit(f"bench: {name} must be at least {minimum}, not {value}")
    return value


# --- processes ------------------------------------------------------------------------

class ProcessSet:
    """Every process the bench starts; stop_all() ends each one by its PID."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen] = []

    def start(self, command: list[str], cpu: Optional[int], log: Path) -> subprocess.Popen:
        if cpu is not None:
            command = ["taskset", "-c", str(cpu)] + command
        with open(log, "wb") as log_file:
            process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL)
        self.processes.append(process)
        return process

    def stop_all(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for process in self.processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.processes.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    """Waits up to 10 s for `process` to accept on the port; exits with its log if not."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            socket.create_connection((LOOPBACK, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"bench: {what} did not start listening on {LOOPBACK}:{port}:\n"
             + log.read_text(errors="replace"))


def check_http(port: int, what: str) -> None:
    """One request through `what`; exits unless the answer is 200."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as connection:
            connection.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
    except OSError as error:
        sys.exit(f"bench: request through {what} failed: {error}")
    if not answer.startswith(b"HTTP/1.1 200 "):
        sys.exit(f"bench: request through {what} did not return 200: {answer[:200]!r}")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the whole process so far (proc(5): utime, stime)."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --- what is measured -----------------------------------------------------------------

@dataclass
class Target:
    """Where load goes: a proxy (with its PID, for CPU accounting) or the backend itself."""
    name: str
    port: int
    pid: Optional[int]


@dataclass
class LoadResult:
    requests: int
    seconds: float
    errors: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def run_wrk(settings: Settings, port: int, extra: list[str], seconds: int) -> LoadResult:
    command = ["taskset", "-c", str(settings.load_cpu), "wrk", "-t", "1",
               "-c", str(settings.connections), "-d", f"{seconds}s", "--timeout", "2s",
               *extra, f"http://{LOOPBACK}:{port}/"]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    output = completed.stdout
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", output)
    if completed.returncode != 0 or not totals:
        sys.exit(f"bench: wrk failed ({completed.returncode}):\n{output}{completed.stderr}")
    scale = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[totals.group(3)]
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(count) for count in socket_errors.groups())
    bad_status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad_status:
        errors += int(bad_status.group(1))
    return LoadResult(int(totals.group(1)), float(totals.group(2)) * scale, errors)


def http_keep_alive(settings: Settings, port: int, seconds: int) -> LoadResult:
    """Small requests over `connections` persistent connections."""
    return run_wrk(settings, port, [], seconds)


def http_new_connection(settings: Settings, port: int, seconds: int) -> LoadResult:
    """One small request per TCP connection: connect, request, response, close."""
    return run_wrk(settings, port, ["-H", "Connection: close"], seconds)


@dataclass
class Workload:
    name: str
    run: Callable[[Settings, int, int], LoadResult]


WORKLOADS = [
    Workload("http keep-alive", http_keep_alive),
    Workload("http conn/request", http_new_connection),
]


# --- the contenders -------------------------------------------------------------------

def start_backend(settings: Settings, processes: ProcessSet) -> int:
    port = free_port()
    log = settings.work_dir / "http_responder.log"
    binary = settings.build_dir / "bench" / "http_responder"
    process = processes.start([str(binary), "--port", str(port)], settings.load_cpu, log)
    wait_for_port(port, process, log, "http_responder")
    return port


def start_fulcrum(settings: Settings, processes: ProcessSet, backend_port: int) -> Target:
    port = free_port()
    config = settings.work_dir / "fulcrum.toml"
    config.write_text(f"""\
[runtime]
workers = 1
shutdown_grace = "1s"

[[listeners]]
name = "bench"
bind = "{LOOPBACK}:{port}"
protocol = "tcp"
pool = "responders"

[[pools]]
name = "responders"
balance = "round_robin"

  [[pools.backends]]
  address = "{LOOPBACK}:{backend_port}"
""")
    log = settings.work_dir / "fulcrum.log"
    binary = settings.build_dir / "fulcrum"
    process = processes.start([str(binary), "-c", str(config)], settings.proxy_cpu, log)
    wait_for_port(port, process, log, "fulcrum")
    return Target("fulcrum", port, process.pid)


def start_haproxy(settings: Settings, processes: ProcessSet, backend_port: int) -> Target:
    port = free_port()
    config = settings.work_dir / "haproxy.cfg"
    config.write_text(f"""\
global
    nbthread 1
    maxconn 8000

defaults
    mode tcp
    timeout connect 2s
    timeout client 5m
    timeout server 5m

frontend bench
    bind {LOOPBACK}:{port}
    default_backend responders

backend responders
    balance roundrobin
    server responder {LOOPBACK}:{backend_port}
""")
    log = settings.work_dir / "haproxy.log"
    process = processes.start(["haproxy", "-db", "-f", str(config)], settings.proxy_cpu, log)
    wait_for_port(port, process, log, "haproxy")
    return Target("haproxy", port, process.pid)


# --- running and reporting ------------------------------------------------------------

@dataclass
class Samples:
    rates: list[float] = field(default_factory=list)
    cpu_us_per_request: list[float] = field(default_factory=list)
    errors: int = 0


def measure(settings: Settings, workload: Workload, target: Target) -> tuple[LoadResult, float]:
    """Runs the workload against the target; returns its result and the proxy's CPU µs per
    request (NaN for the direct target)."""
    cpu_before = cpu_seconds(target.pid) if target.pid else 0.0
    result = workload.run(settings, target.port, settings.seconds)
    if not target.pid or result.requests == 0:
        return result, float("nan")
    cpu_spent = cpu_seconds(target.pid) - cpu_before
    return result, cpu_spent * 1e6 / result.requests


def median(values: list[float]) -> float:
    finite = [value for value in values if value == value]
    return statistics.median(finite) if finite else float("nan")


def format_number(value: float, digits: int = 0) -> str:
    if value != value:
        return "-"
    return f"{value:,.{digits}f}"


def ratio(numerator: float, denominator: float) -> str:
    if numerator != numerator or denominator != denominator or denominator == 0:
        return "-"
    return f"{numerator / denominator:.2f}"


def print_table(results: dict[str, dict[str, Samples]], settings: Settings) -> None:
    header = ["workload", "fulcrum req/s", "haproxy req/s", "ratio",
              "fulcrum CPU µs/req", "haproxy CPU µs/req", "ratio", "direct req/s"]
    rows = []
    for workload in WORKLOADS:
        samples = results[workload.name]
        fulcrum, haproxy, direct = samples["fulcrum"], samples["haproxy"], samples["direct"]
        rows.append([
            workload.name,
            format_number(median(fulcrum.rates)),
            format_number(median(haproxy.rates)),
            ratio(median(fulcrum.rates), median(haproxy.rates)),
            format_number(median(fulcrum.cpu_us_per_request), 1),
            format_number(median(haproxy.cpu_us_per_request), 1),
            ratio(median(fulcrum.cpu_us_per_request), median(haproxy.cpu_us_per_request)),
            format_number(median(direct.rates)),
        ])
    widths = [max(len(row[column]) for row in [header] + rows) for column in range(len(header))]
    print()
    print(f"medians of {settings.rounds} rounds of {settings.seconds} s, "
          f"{settings.connections} connections, proxies on CPU {settings.proxy_cpu}, "
          f"backend and wrk on CPU {settings.load_cpu}")
    for row in [header] + rows:
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:])]
        print("  ".join(cells))
    print("req/s ratio = fulcrum / haproxy (higher is better); "
          "CPU ratio = fulcrum / haproxy (lower is better)")
    for workload in WORKLOADS:
        for name, samples in results[workload.name].items():
            if samples.errors:
                print(f"note: {name} had {samples.errors} wrk errors in '{workload.name}'")


def describe_environment(settings: Settings) -> None:
    def first_line(command: list[str]) -> str:
        try:
            completed = subprocess.run(command, capture_output=True, text=True, timeout=10)
            return (completed.stdout or completed.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            return "?"
    cpu_model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    print(f"kernel   {os.uname().release}, {os.cpu_count()} CPUs: {cpu_model}")
    print(f"fulcrum  {first_line([str(settings.build_dir / 'fulcrum'), '--version'])}")
    print(f"haproxy  {first_line(['haproxy', '-v'])}")
    print(f"wrk      {first_line(['wrk', '-v'])}")
    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: load average {load:.1f} before the run: other work is using the "
              "CPUs, so rates will be low and noisy (CPU per request suffers less)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", type=Path, required=True)
    arguments = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("bench: needs at least 2 CPUs (one for the proxy, one for load and backend)")

    processes = ProcessSet()
    # SIGTERM/SIGINT end the run through the finally below, which stops every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    with tempfile.TemporaryDirectory(prefix="fulcrum-bench-") as work_dir:
        settings = Settings(
            build_dir=arguments.build_dir.resolve(),
            seconds=env_int("BENCH_SECONDS", 5, 1),
            rounds=env_int("BENCH_ROUNDS", 3, 1),
            connections=env_int("BENCH_CONNECTIONS", 50, 1),
            proxy_cpu=env_int("BENCH_PROXY_CPU", 0, 0),
            load_cpu=env_int("BENCH_LOAD_CPU", 1, 0),
            work_dir=Path(work_dir))
        try:
            describe_environment(settings)
            backend_port = start_backend(settings, processes)
            targets = [start_fulcrum(settings, processes, backend_port),
                       start_haproxy(settings, processes, backend_port),
                       Target("direct", backend_port, None)]
            for target in targets:
                check_http(target.port, target.name)
                http_keep_alive(settings, target.port, 1)  # warm-up
            results = {workload.name: {target.name: Samples() for target in targets}
                       for workload in WORKLOADS}
            for round_number in range(1, settings.rounds + 1):
                for workload in WORKLOADS:
                    for target in targets:
                        result, cpu_per_request = measure(settings, workload, target)
                        samples = results[workload.name][target.name]
                        samples.rates.append(result.rate)
                        samples.cpu_us_per_request.append(cpu_per_request)
                        samples.errors += result.errors
                        print(f"round {round_number}/{settings.rounds}  {workload.name:<18} "
                              f"{target.name:<8} {format_number(result.rate):>9} req/s  "
                              f"CPU {format_number(cpu_per_request, 1):>6} µs/req"
                              + (f"  ({result.errors} errors)" if result.errors else ""),
                              flush=True)
            print_table(results, settings)
        finally:
            processes.stop_all()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
