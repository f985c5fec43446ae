#!/usr/bin/env python3
"""fulcrum against HAProxy 2.6, nginx 1.22 (stream) and the direct path, side by side on
loopback. Run it through scripts/bench, which installs the anchors and tools and builds
fulcrum and the bench tools first.

Every proxy runs one thread pinned to one CPU (BENCH_PROXY_CPU, default 0); the backends
and load generators share another (BENCH_LOAD_CPU, default 1). The targets are measured
in interleaved rounds (fulcrum, haproxy, nginx, direct, fulcrum, ...) so that drift in the
machine affects them alike; the table shows medians over the rounds. "CPU µs/op" is the
proxy's own user+system CPU time (/proc/PID/stat, proc(5)) spent during a run divided by
the operations completed (requests, connections, MiB, round trips, handshakes).

Workloads (BENCH_WORKLOADS, a comma list; all by default): keepalive, conn, bulk, udp,
tls-handshake, tls-capacity, tls-bulk, idle, workers. Other settings (environment): BENCH_SECONDS per
run (5), BENCH_ROUNDS (3), BENCH_CONNECTIONS for wrk (50), BENCH_IDLE_CONNECTIONS (10000).

Writes bench/results/latest.md (the table as Markdown) and bench/results/ratios.png.
A workload is a function in bench_workloads.py; add it to WORKLOADS to measure more.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from bench_common import CpuCap, ProcessSet, Settings, cpu_seconds, env_int, raise_descriptor_limit
from bench_contenders import (Target, check_target, direct_target, start_backends,
                              start_fulcrum, start_haproxy, start_nginx)
from bench_report import (Results, Samples, describe_environment, format_markdown,
                          format_text, table_rows, target_checks, user_space_lines,
                          write_plot)
from bench_workloads import (EXTRA_WORKLOADS, WORKLOADS, LoadResult, Workload,
                             http_keep_alive, multi_worker)


def selected_workloads() -> list[str]:
    known = [workload.key for workload in WORKLOADS] + EXTRA_WORKLOADS
    text = os.environ.get("BENCH_WORKLOADS", "").strip()
    if not text:
        return known
    chosen = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in chosen if name not in known]
    if unknown:
        sys.exit(f"bench: unknown workload(s) {', '.join(unknown)} in BENCH_WORKLOADS; "
                 f"known: {', '.join(known)}")
    return chosen


def measure(settings: Settings, workload: Workload,
            target: Target) -> tuple[LoadResult, float, float]:
    """Runs the workload against the target; returns its result and the proxy's CPU µs per
    operation, all and user space only (NaN for the direct target)."""
    user_before, system_before = cpu_seconds(target.pid) if target.pid else (0.0, 0.0)
    if target.pid and workload.proxy_cpu_share:
        with CpuCap(target.pid, workload.proxy_cpu_share) as cap:
            if not cap.available:
                sys.exit(f"bench: could not put {target.name} into a capped cgroup")
            result = workload.run(settings, target)
    else:
        result = workload.run(settings, target)
    if not target.pid or not workload.cpu or result.operations == 0:
        return result, float("nan"), float("nan")
    user_after, system_after = cpu_seconds(target.pid)
    user = user_after - user_before
    return (result, (user + system_after - system_before) * 1e6 / result.operations,
            user * 1e6 / result.operations)


def start_targets(settings: Settings, processes: ProcessSet,
                  workloads: list[Workload]) -> tuple[dict[str, Target], object]:
    kinds = {workload.kind for workload in workloads}
    if "workers" in settings.workloads:
        kinds.add("http")
    wanted = {name for workload in workloads for name in workload.targets}
    backends = start_backends(settings, processes, kinds)
    targets = {"fulcrum": start_fulcrum(settings, processes, backends, kinds)}
    if "haproxy" in wanted:
        targets["haproxy"] = start_haproxy(settings, processes, backends, kinds)
    if "haproxy-splice" in wanted:
        targets["haproxy-splice"] = start_haproxy(settings, processes, backends, {"bulk"},
                                                  name="haproxy-splice", splice=True)
    if "nginx" in wanted:
        targets["nginx"] = start_nginx(settings, processes, backends, kinds)
    targets["direct"] = direct_target(backends, kinds)
    for target in targets.values():
        check_target(target)
    warm_up = dataclasses.replace(settings, seconds=1)
    for target in targets.values():
        if "http" in target.ports:
            http_keep_alive(warm_up, target)
    return targets, backends


def run_rounds(settings: Settings, workloads: list[Workload],
               targets: dict[str, Target]) -> tuple[Results, list[str]]:
    """Measures every workload against each of its targets, round after round; returns
    the samples and the printed line of every measurement."""
    lines = []
    results: Results = {workload.key: {name: Samples() for name in workload.targets}
                        for workload in workloads}
    for round_number in range(1, settings.rounds + 1):
        for workload in workloads:
            if workload.once and round_number > 1:
                continue
            for name in workload.targets:
                result, cpu_per_op, user_per_op = measure(settings, workload, targets[name])
                samples = results[workload.key][name]
                samples.rates.append(result.rate)
                samples.cpu_us.append(cpu_per_op)
                samples.user_us.append(user_per_op)
                samples.p99_ms.append(result.p99_ms)
                samples.loss_percent.append(result.loss_percent)
                samples.errors += result.errors
                extras = ""
                if workload.cpu and cpu_per_op == cpu_per_op:
                    extras += (f"  CPU {cpu_per_op:8.2f} µs/{workload.operation}"
                               f" (user {user_per_op:.2f})")
                if result.p99_ms is not None:
                    extras += f"  p99 {result.p99_ms:.2f} ms"
                if result.loss_percent is not None:
                    extras += f"  loss {result.loss_percent:.3f} %"
                if result.errors:
                    extras += f"  ({result.errors} errors)"
                lines.append(f"round {round_number}/{settings.rounds}  {workload.key:<13} "
                             f"{name:<14} {result.rate:>12,.2f} {workload.unit:<13}{extras}")
                print(lines[-1], flush=True)
    return results, lines


def report(settings: Settings, environment: list[str], workloads: list[Workload],
           results: Results, round_lines: list[str], multi_worker_lines: list[str]) -> None:
    header, rows = table_rows(workloads, results)
    checks = [check.line() for check in target_checks(results)]
    user_lines = user_space_lines(workloads, results)
    notes = []
    for workload in workloads:
        for name, samples in results[workload.key].items():
            if samples.errors:
                what = ("connections not held" if workload.key == "idle" else "errors")
                notes.append(f"note: {name} had {samples.errors} {what} in '{workload.key}'")
    legend = ("fulcrum ÷ this: fulcrum's throughput over this target's (higher is better; "
              "for KiB/conn lower is better); fulcrum CPU ÷ this: lower is better; "
              "user µs: the user-space part of CPU µs/op")
    print()
    print("\n".join(environment))
    print()
    print("\n".join(format_text(header, rows)))
    print(legend)
    print("\n".join(notes))
    if checks:
        print("targets (issues #7, #8, #9):")
        print("\n".join(checks))
    if user_lines:
        print("\n".join(user_lines))
    if multi_worker_lines:
        print("\n".join(multi_worker_lines))

    settings.results_dir.mkdir(parents=True, exist_ok=True)
    markdown = ["# Latest `scripts/bench` run", "", "```", *environment, "```", "",
                *format_markdown(header, rows), "", legend + ".", ""]
    if notes:
        markdown += [*notes, ""]
    if checks:
        markdown += ["Targets (issues #7, #8, #9):", "", "```", *checks, *user_lines, "```", ""]
    if multi_worker_lines:
        markdown += ["Multi-worker:", "", "```", *multi_worker_lines, "```", ""]
    markdown += ["![fulcrum's advantage over each anchor per workload](ratios.png)", "",
                 "<details><summary>Every measurement</summary>", "", "```", *round_lines,
                 "```", "", "</details>", ""]
    latest = settings.results_dir / "latest.md"
    latest.write_text("\n".join(markdown))
    png = settings.results_dir / "ratios.png"
    error = write_plot(workloads, results, png,
                       f"fulcrum vs anchors, {environment[0].split(None, 1)[1]}")
    print(f"wrote {latest}" + (f"; plot failed: {error}" if error else f" and {png}"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--build-dir", type=Path, required=True)
    parser.add_argument("--results-dir", type=Path,
                        default=Path(__file__).resolve().parent.parent / "bench" / "results")
    arguments = parser.parse_args()
    if (os.cpu_count() or 1) < 2:
        sys.exit("bench: needs at least 2 CPUs (one for the proxy, one for load and backends)")
    chosen = selected_workloads()
    capped = [workload.key for workload in WORKLOADS
              if workload.key in chosen and workload.proxy_cpu_share]
    if capped and not CpuCap.supported():
        message = (f"{', '.join(capped)} holds each proxy to part of a CPU with a cgroup cpu "
                   "quota, and no writable cpu controller is mounted here (run as root)")
        if os.environ.get("BENCH_WORKLOADS", "").strip():
            sys.exit(f"bench: {message}")
        print(f"bench: leaving out {message}", flush=True)
        chosen = [key for key in chosen if key not in capped]
    workloads = [workload for workload in WORKLOADS if workload.key in chosen]
    # A proxy holds two descriptors per proxied connection; children inherit the limit.
    # Without CAP_SYS_RESOURCE the hard limit stays (20,000 on the reference machine), and
    # so the default number of idle connections is what fits under it, at most 10,000.
    descriptor_limit = raise_descriptor_limit(65536)
    idle_connections = env_int("BENCH_IDLE_CONNECTIONS",
                               max(1, min(10000, (descriptor_limit - 400) // 2)), 1)
    if "idle" in chosen:
        if descriptor_limit < 2 * idle_connections + 256:
            sys.exit(f"bench: RLIMIT_NOFILE is {descriptor_limit}: too low for "
                     f"{idle_connections} idle "
                     "connections (run as root, or lower BENCH_IDLE_CONNECTIONS)")

    processes = ProcessSet()
    # SIGTERM/SIGINT end the run through the finally below, which stops every process.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(130))
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started with it ignored
    with tempfile.TemporaryDirectory(prefix="fulcrum-bench-") as work_dir:
        settings = Settings(
            build_dir=arguments.build_dir.resolve(),
            work_dir=Path(work_dir),
            seconds=env_int("BENCH_SECONDS", 5, 1),
            rounds=env_int("BENCH_ROUNDS", 3, 1),
            connections=env_int("BENCH_CONNECTIONS", 50, 1),
            idle_connections=idle_connections,
            descriptor_limit=descriptor_limit,
            proxy_cpu=env_int("BENCH_PROXY_CPU", 0, 0),
            load_cpu=env_int("BENCH_LOAD_CPU", 1, 0),
            workloads=chosen,
            results_dir=arguments.results_dir.resolve())
        started = time.monotonic()
        try:
            environment = describe_environment(settings)
            print("\n".join(environment), flush=True)
            targets, backends = start_targets(settings, processes, workloads)
            results, round_lines = run_rounds(settings, workloads, targets)
            multi_worker_lines = []
            if "workers" in chosen:
                multi_worker_lines = multi_worker(settings, processes, backends)
            report(settings, environment, workloads, results, round_lines, multi_worker_lines)
        finally:
            processes.stop_all()
        print(f"bench: done in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
