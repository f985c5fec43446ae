"""The workloads of scripts/bench.py. Each drives load at one port of a target for some
seconds and returns a LoadResult; WORKLOADS lists them with the targets they apply to."""
from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from typing import Callable, Optional

from bench_common import (LOOPBACK, ProcessSet, Settings, descriptor_count, rss_kib,
                          run_tool, thread_cpu_seconds)
from bench_contenders import Backends, Target, start_fulcrum


@dataclass
class LoadResult:
    rate: float                        # in the workload's unit (req/s, Gbit/s, KiB/conn, ...)
    operations: int                    # what the proxy's CPU time is divided by
    errors: int = 0
    p99_ms: Optional[float] = None
    loss_percent: Optional[float] = None


@dataclass
class Workload:
    key: str                           # its name in BENCH_WORKLOADS
    title: str
    kind: str                          # which listener of a target it uses
    unit: str
    operation: str                     # what "CPU µs per operation" counts
    targets: list[str]
    run: Callable[[Settings, Target], LoadResult]
    higher_is_better: bool = True
    once: bool = False                 # measured in the first round only
    cpu: bool = True                   # whether the proxy's CPU per operation is shown
    proxy_cpu_share: Optional[float] = None  # held to this share of a CPU (CpuCap) if set


def _load_cpu(settings: Settings) -> list[str]:
    return ["taskset", "-c", str(settings.load_cpu)]


# --- wrk: small HTTP requests ---------------------------------------------------------

_TIME_SCALE = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def _run_wrk(settings: Settings, port: int, extra: list[str]) -> LoadResult:
    command = _load_cpu(settings) + [
        "wrk", "-t", "1", "-c", str(settings.connections), "-d", f"{settings.seconds}s",
        "--timeout", "2s", "--latency", *extra, f"http://{LOOPBACK}:{port}/"]
    output = run_tool(command, settings.seconds, "wrk")
    totals = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)\b", output)
    if not totals:
        sys.exit(f"bench: could not read wrk's output:\n{output}")
    requests = int(totals.group(1))
    seconds = float(totals.group(2)) * _TIME_SCALE[totals.group(3)]
    errors = 0
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", output)
    if socket_errors:
        errors += sum(int(count) for count in socket_errors.groups())
    bad_status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if bad_status:
        errors += int(bad_status.group(1))
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", output, re.MULTILINE)
    p99_ms = float(p99.group(1)) * _TIME_SCALE[p99.group(2)] * 1e3 if p99 else None
    return LoadResult(requests / seconds if seconds else 0.0, requests, errors, p99_ms)


def http_keep_alive(settings: Settings, target: Target) -> LoadResult:
    """Small requests over `connections` persistent connections."""
    return _run_wrk(settings, target.ports["http"], [])


def http_new_connection(settings: Settings, target: Target) -> LoadResult:
    """One small request per TCP connection: connect, request, response, close."""
    return _run_wrk(settings, target.ports["http"], ["-H", "Connection: close"])


# --- iperf3: bulk TCP -----------------------------------------------------------------

def bulk_tcp(settings: Settings, target: Target) -> LoadResult:
    """One iperf3 stream client -> server for `seconds`; Gbit/s received, CPU per MiB."""
    command = _load_cpu(settings) + ["iperf3", "-c", LOOPBACK, "-p", str(target.ports["bulk"]),
                                     "-t", str(settings.seconds), "-J"]
    # iperf3 -s takes one test at a time and may still be closing the previous one, or
    # be left in a bad state by an aborted test: retry a few times before giving up.
    for attempt in range(20):
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=settings.seconds + 60)
        output = completed.stdout
        if '"error"' not in output:
            break
        if attempt >= 2 and "server is busy" not in output:
            break
        time.sleep(0.5)
    try:
        received = json.loads(output)["end"]["sum_received"]
    except (ValueError, KeyError) as error:
        sys.exit(f"bench: could not read iperf3's output ({error}):\n{output}")
    return LoadResult(received["bits_per_second"] / 1e9, int(received["bytes"]) >> 20)


# --- udp_load: UDP request/response ---------------------------------------------------

def udp_request_response(settings: Settings, target: Target) -> LoadResult:
    """bench/tools/udp_load: 50 client sockets with 4 datagrams of 64 bytes in flight each."""
    command = _load_cpu(settings) + [
        str(settings.build_dir / "bench" / "udp_load"), "--port", str(target.ports["udp"]),
        "--clients", "50", "--inflight", "4", "--seconds", str(settings.seconds),
        "--format", "json"]
    output = run_tool(command, settings.seconds, "udp_load")
    try:
        result = json.loads(output)
        received = int(result["received"])
        return LoadResult(result["round_trips_per_second"], received,
                          int(result["send_errors"]),
                          result["latency_p99_us"] / 1e3 if received else None,
                          result["loss_ratio"] * 100)
    except (ValueError, KeyError) as error:
        sys.exit(f"bench: could not read udp_load's output ({error}):\n{output}")


# --- TLS: handshakes and bulk ---------------------------------------------------------

def _tls_load(settings: Settings) -> Optional[str]:
    path = settings.build_dir / "bench" / "tls_load"
    return str(path) if path.exists() else None


def _run_tls_load(settings: Settings, port: int, mode: str, connections: int) -> dict:
    command = _load_cpu(settings) + [
        _tls_load(settings), "--host", LOOPBACK, "--port", str(port), "--mode", mode,
        "--connections", str(connections), "--seconds", str(settings.seconds),
        "--format", "json"]
    output = run_tool(command, settings.seconds, "tls_load")
    try:
        return json.loads(output)
    except ValueError as error:
        sys.exit(f"bench: could not read tls_load's output ({error}):\n{output}")


def tls_handshakes(settings: Settings, target: Target) -> LoadResult:
    """New TLS 1.3 connections (ECDSA P-256), each doing one small request."""
    port = target.ports["tls"]
    if _tls_load(settings):
        result = _run_tls_load(settings, port, "handshake", settings.connections)
        operations = int(result["operations"])
        return LoadResult(operations / result["seconds"], operations, int(result["errors"]))
    # Until bench/tools/tls_load exists: one openssl client, one connection at a time.
    command = _load_cpu(settings) + ["openssl", "s_time", "-connect", f"{LOOPBACK}:{port}",
                                     "-new", "-tls1_3", "-www", "/",
                                     "-time", str(settings.seconds)]
    output = run_tool(command, settings.seconds, "openssl s_time")
    found = re.search(r"(\d+) connections in (\d+) real seconds", output)
    if not found:
        sys.exit(f"bench: could not read openssl s_time's output:\n{output}")
    connections, seconds = int(found.group(1)), int(found.group(2))
    return LoadResult(connections / seconds if seconds else 0.0, connections)


def tls_bulk(settings: Settings, target: Target) -> LoadResult:
    """Encrypted bytes through the proxy's TLS listener: Gbit/s, CPU per MiB."""
    if not _tls_load(settings):
        sys.exit("bench: tls-bulk needs bench/tools/tls_load, which is not built yet; "
                 "leave tls-bulk out of BENCH_WORKLOADS")
    result = _run_tls_load(settings, target.ports["tls_bulk"], "bulk", 4)
    data_bytes = int(result["bytes"])
    return LoadResult(data_bytes * 8 / result["seconds"] / 1e9, data_bytes >> 20,
                      int(result["errors"]))


# --- idle connections: memory ---------------------------------------------------------

def idle_memory(settings: Settings, target: Target) -> LoadResult:
    """Opens `idle_connections` connections through the proxy to http_responder (which
    stays silent while a client says nothing), holds them, and returns the proxy's RSS
    growth in KiB per connection (/proc/PID/status VmRSS before and after)."""
    assert target.pid is not None
    count = settings.idle_connections
    descriptors_before = descriptor_count(target.pid)
    rss_before = rss_kib(target.pid)
    clients = []
    try:
        # In batches, each waited for, so that neither the proxy's nor the backend's accept
        # queue overflows (a dropped SYN is retried after 1 s and may hit connect timeouts).
        while len(clients) < count:
            for _ in range(min(_IDLE_BATCH, count - len(clients))):
                clients.append(socket.create_connection((LOOPBACK, target.ports["http"]),
                                                        timeout=5))
            # Each proxied connection holds a client and a backend socket in the proxy.
            _wait_for_held(target.pid, descriptors_before + 2 * len(clients), 10)
        held = (descriptor_count(target.pid) - descriptors_before) // 2
        time.sleep(1)
        growth = rss_kib(target.pid) - rss_before
    except OSError as error:
        sys.exit(f"bench: opening {count} idle connections through {target.name} failed "
                 f"after {len(clients)}: {error}")
    finally:
        for client in clients:
            client.close()
    _wait_for_descriptors(target.pid, descriptors_before + 16)
    missing = max(0, count - held)
    return LoadResult(growth / count, count, missing)


_IDLE_BATCH = 200


def _wait_for_held(pid: int, at_least: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while descriptor_count(pid) < at_least and time.monotonic() < deadline:
        time.sleep(0.02)


def _wait_for_descriptors(pid: int, at_most: int) -> None:
    """Waits (up to 30 s) until the proxy has let go of the idle connections."""
    deadline = time.monotonic() + 30
    while descriptor_count(pid) > at_most and time.monotonic() < deadline:
        time.sleep(0.2)


ALL_PROXIES = ["fulcrum", "haproxy", "nginx"]

WORKLOADS = [
    Workload("keepalive", "keep-alive requests", "http", "req/s", "req",
             ALL_PROXIES + ["direct"], http_keep_alive),
    Workload("conn", "new connection per request", "http", "conn/s", "conn",
             ALL_PROXIES + ["direct"], http_new_connection),
    Workload("bulk", "bulk TCP (iperf3)", "bulk", "Gbit/s", "MiB",
             ["fulcrum", "haproxy", "haproxy-splice", "nginx", "direct"], bulk_tcp),
    Workload("udp", "UDP request/response", "udp", "round trips/s", "round trip",
             ["fulcrum", "nginx", "direct"], udp_request_response),
    Workload("tls-handshake", "TLS 1.3 handshakes", "tls", "handshakes/s", "handshake",
             ["fulcrum", "haproxy"], tls_handshakes),
    # tls_load spends more CPU per handshake than either proxy, so uncapped both proxies
    # run at the generator's rate; held to half a CPU each, the proxy sets the rate.
    Workload("tls-capacity", "TLS 1.3 handshakes, proxy at ½ CPU", "tls", "handshakes/s",
             "handshake", ["fulcrum", "haproxy"], tls_handshakes, proxy_cpu_share=0.5),
    Workload("tls-bulk", "TLS bulk", "tls_bulk", "Gbit/s", "MiB",
             ["fulcrum", "haproxy"], tls_bulk),
    Workload("idle", "idle connections", "http", "KiB/conn", "-",
             ALL_PROXIES, idle_memory, higher_is_better=False, once=True, cpu=False),
]
EXTRA_WORKLOADS = ["workers"]  # not a table row: fulcrum with workers = 2, see below


# --- multi-worker ---------------------------------------------------------------------

def multi_worker(settings: Settings, processes: ProcessSet, backends: Backends) -> list[str]:
    """fulcrum with `workers = 2`, not pinned, under the keep-alive workload: every
    thread's CPU time during the run shows that both workers take connections (the kernel
    spreads them over the workers' SO_REUSEPORT sockets). Returns printable lines."""
    target = start_fulcrum(settings, processes, backends, {"http"}, name="fulcrum-2-workers",
                           workers=2, pinned=False)
    process = next(p for p in processes.processes if p.pid == target.pid)
    try:
        before = thread_cpu_seconds(target.pid)
        result = http_keep_alive(settings, target)
        after = thread_cpu_seconds(target.pid)
    finally:
        processes.stop(process)
    lines = [f"fulcrum workers = 2 (not pinned), keep-alive, {settings.connections} "
             f"connections: {result.rate:,.0f} req/s; CPU seconds per thread during the run:"]
    busy = {name: after[name] - before.get(name, 0.0) for name in after}
    for name, spent in sorted(busy.items()):
        lines.append(f"  {name:<28} {spent:6.2f} s")
    workers = [spent for name, spent in busy.items() if name.startswith("fulcrum-w")]
    if not workers:
        # Worker threads not named in this build: every thread but the main one (whose
        # TID is the PID) and the health checker.
        workers = [spent for name, spent in busy.items()
                   if not name.endswith(f"({target.pid})") and "health" not in name]
        lines.append("  (worker threads are not named fulcrum-w0/-w1 in this build: counting "
                     "every thread but the main one and the health checker)")
    shares = ", ".join(f"{spent / max(sum(workers), 1e-9):.0%}" for spent in workers)
    verdict = "yes" if len(workers) >= 2 and all(spent > 0.01 for spent in workers) else "NO"
    lines.append(f"  both workers took connections: {verdict} (share of worker CPU: {shares})")
    return lines
