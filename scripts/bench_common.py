"""Shared pieces of scripts/bench.py: settings, the processes the bench starts, ports, and
what /proc says about a process (CPU time, memory, threads, descriptors)."""
from __future__ import annotations

import os
import re
import resource
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

LOOPBACK = "127.0.0.1"


@dataclass
class Settings:
    build_dir: Path
    work_dir: Path
    seconds: int
    rounds: int
    connections: int
    idle_connections: int
    descriptor_limit: int
    proxy_cpu: int
    load_cpu: int
    workloads: list[str]
    results_dir: Path


def env_int(name: str, default: int, minimum: int) -> int:
    text = os.environ.get(name, str(default))
    try:
        value = int(text)
    except ValueError:
        sys.exit(f"bench: {name} must be an integer, not {text!r}")
    if value < minimum:
        sys.exit(f"bench: {name} must be at least {minimum}, not {value}")
    return value


def raise_descriptor_limit(wanted: int) -> int:
    """Raises this process's RLIMIT_NOFILE (inherited by every process it starts) to
    `wanted`, or as far as allowed; returns the soft limit in force afterwards."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for limit in ((max(wanted, hard), max(wanted, hard)), (hard, hard)):
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, limit)
            return limit[0]
        except (ValueError, OSError):
            continue  # raising the hard limit needs root; fall back to the hard limit
    return soft


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

    def stop(self, process: subprocess.Popen) -> None:
        self._stop([process])
        self.processes.remove(process)

    def stop_all(self) -> None:
        self._stop(self.processes)
        self.processes.clear()

    @staticmethod
    def _stop(processes: list[subprocess.Popen]) -> None:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 5
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class CpuCap:
    """Holds a process (every thread) to `share` of one CPU while in a with-block, with a
    CFS bandwidth quota in a cgroup of its own (cgroup v1 cpu.cfs_quota_us, or v2 cpu.max:
    the kernel's Documentation/scheduler/sched-bwc.rst). A workload whose load generator
    cannot saturate the proxy measures the proxy's capacity this way: every proxy gets the
    same CPU budget and the cheaper one completes more operations. `available` is False
    (and the block runs uncapped) where no writable cpu controller exists."""

    _PERIOD_US = 10_000  # short periods: throttling spreads evenly over a 5 s run

    def __init__(self, pid: Optional[int], share: float) -> None:
        self.pid, self.share = pid, share
        self.available = False
        self._group: Optional[Path] = None
        self._root: Optional[Path] = None

    @staticmethod
    def supported() -> bool:
        """Whether a capped group can be made here (tried with no process in it)."""
        with CpuCap(None, 0.5) as cap:
            return cap.available

    def __enter__(self) -> "CpuCap":
        quota = int(self._PERIOD_US * self.share)
        for root, version in ((Path("/sys/fs/cgroup/cpu"), 1), (Path("/sys/fs/cgroup"), 2)):
            if version == 1 and not (root / "cpu.cfs_quota_us").exists():
                continue
            if version == 2 and "cpu" not in _read(root / "cgroup.subtree_control").split():
                continue
            group = root / f"fulcrum-bench-{os.getpid()}"
            try:
                group.mkdir(exist_ok=True)
                if version == 1:
                    (group / "cpu.cfs_period_us").write_text(str(self._PERIOD_US))
                    (group / "cpu.cfs_quota_us").write_text(str(quota))
                else:
                    (group / "cpu.max").write_text(f"{quota} {self._PERIOD_US}")
                if self.pid is not None:
                    (group / "cgroup.procs").write_text(str(self.pid))
            except OSError:
                _remove_group(group)
                continue
            self._group, self._root, self.available = group, root, True
            break
        return self

    def __exit__(self, *_exc) -> None:
        if self._group is None or self._root is None:
            return
        if self.pid is not None:
            try:
                (self._root / "cgroup.procs").write_text(str(self.pid))
            except OSError:
                pass  # the process has ended
        _remove_group(self._group)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _remove_group(group: Path) -> None:
    try:
        group.rmdir()  # a cgroup directory goes with rmdir even though it lists files
    except OSError:
        pass


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def fail_with_log(message: str, log: Path) -> None:
    sys.exit(f"bench: {message}; its output ({log}):\n" + log.read_text(errors="replace"))


def wait_for_port(port: int, process: subprocess.Popen, log: Path, what: str) -> None:
    """Waits up to 10 s for `process` to accept on the TCP port; exits with its log if not."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        try:
            socket.create_connection((LOOPBACK, port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    fail_with_log(f"{what} did not come up (no listener on {LOOPBACK}:{port})", log)


def wait_for_output(pattern: str, process: subprocess.Popen, log: Path, what: str) -> re.Match:
    """Waits up to 10 s for a line matching `pattern` in the process's log; returns it."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(pattern, log.read_text(errors="replace"))
        if found:
            return found
        time.sleep(0.05)
    fail_with_log(f"{what} did not come up (no {pattern!r} in its output)", log)


def check_http(port: int, what: str, wrap=None) -> None:
    """One request through `what` (optionally over TLS via `wrap`); exits unless 200."""
    try:
        with socket.create_connection((LOOPBACK, port), timeout=2) as plain:
            connection = wrap(plain) if wrap else plain
            connection.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := connection.recv(65536):
                answer += chunk
    except OSError as error:
        sys.exit(f"bench: request through {what} failed: {error}")
    if not answer.startswith(b"HTTP/1.1 200 "):
        sys.exit(f"bench: request through {what} did not return 200: {answer[:200]!r}")


def check_udp(port: int, what: str) -> None:
    """Sends a datagram through `what` until one comes back (up to 5 s); exits if none."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as client:
        client.settimeout(0.2)
        client.connect((LOOPBACK, port))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            try:
                client.send(b"bench probe 0123456789abcdef")
                if client.recv(65536):
                    return
            except OSError:
                time.sleep(0.1)
    sys.exit(f"bench: no UDP reply through {what} on {LOOPBACK}:{port}")


def run_tool(command: list[str], seconds: float, what: str) -> str:
    """Runs a load tool to completion; exits with its output if it fails."""
    try:
        completed = subprocess.run(command, capture_output=True, text=True,
                                   timeout=seconds + 60)
    except subprocess.TimeoutExpired:
        sys.exit(f"bench: {what} did not finish: {' '.join(command)}")
    if completed.returncode != 0:
        sys.exit(f"bench: {what} failed ({completed.returncode}): {' '.join(command)}\n"
                 f"{completed.stdout}{completed.stderr}")
    return completed.stdout


# --- what /proc says (proc(5)) --------------------------------------------------------

def _stat_fields(path: str) -> list[str]:
    with open(path) as stat:
        # The command name may contain spaces and parentheses: split after the last ')'.
        return stat.read().rsplit(")", 1)[1].split()


def cpu_seconds(pid: int) -> tuple[float, float]:
    """User and system CPU time of the whole process so far (utime, stime: fields 14, 15).
    On loopback most of a proxy's system time is the kernel's TCP stack, the same for
    every proxy; user time is the proxy's own code."""
    fields = _stat_fields(f"/proc/{pid}/stat")
    ticks = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / ticks, int(fields[12]) / ticks


def thread_cpu_seconds(pid: int) -> dict[str, float]:
    """User + system CPU time per thread, keyed by "comm (tid)"."""
    threads = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            name = Path(f"/proc/{pid}/task/{tid}/comm").read_text().strip()
            fields = _stat_fields(f"/proc/{pid}/task/{tid}/stat")
        except OSError:
            continue  # the thread ended meanwhile
        threads[f"{name} ({tid})"] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return threads


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for PID {pid}")


def descriptor_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def child_pid(parent: int, timeout: float = 10) -> Optional[int]:
    """The first child process of `parent` (e.g. nginx's worker under its master)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                if int(_stat_fields(f"/proc/{entry}/stat")[1]) == parent:
                    return int(entry)
            except (OSError, IndexError, ValueError):
                continue
        time.sleep(0.05)
    return None
