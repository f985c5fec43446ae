"""What scripts/bench.py prints and writes: the machine and versions, the table of medians
with fulcrum's ratios against each anchor, the issues' targets met or missed, a Markdown
copy of it all (bench/results/latest.md) and a gnuplot chart of the ratios
(bench/results/ratios.png)."""
from __future__ import annotations

import datetime
import os
import statistics
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bench_common import Settings
from bench_workloads import Workload


@dataclass
class Samples:
    rates: list[float] = field(default_factory=list)
    cpu_us: list[float] = field(default_factory=list)
    user_us: list[float] = field(default_factory=list)  # the user-space part of cpu_us
    p99_ms: list[float] = field(default_factory=list)
    loss_percent: list[float] = field(default_factory=list)
    errors: int = 0


Results = dict[str, dict[str, Samples]]  # workload key -> target name -> samples


def median(values: list[float]) -> Optional[float]:
    finite = [value for value in values if value is not None and value == value]
    return statistics.median(finite) if finite else None


def _number(value: Optional[float], digits: int = 0) -> str:
    if value is None:
        return "-"
    if digits == 0 and abs(value) < 100:
        digits = 2 if abs(value) < 10 else 1
    return f"{value:,.{digits}f}"


def _ratio(numerator: Optional[float], denominator: Optional[float]) -> Optional[float]:
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


# --- the machine ----------------------------------------------------------------------

def _first_line(command: list[str]) -> str:
    try:
        completed = subprocess.run(command, capture_output=True, text=True, timeout=10)
        return (completed.stdout or completed.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def describe_environment(settings: Settings) -> list[str]:
    cpu_model = "?"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"date     {now}",
        f"machine  {os.cpu_count()} CPUs: {cpu_model}; kernel {os.uname().release}",
        f"fulcrum  {_first_line([str(settings.build_dir / 'fulcrum'), '--version'])}",
        f"haproxy  {_first_line(['haproxy', '-v'])}",
        f"nginx    {_first_line(['nginx', '-v'])}",
        f"tools    {_first_line(['wrk', '-v'])}; {_first_line(['iperf3', '-v'])}; "
        f"{_first_line(['openssl', 'version'])}",
        f"method   medians of {settings.rounds} interleaved rounds of {settings.seconds} s; "
        f"proxies on CPU {settings.proxy_cpu}, load and backends on CPU {settings.load_cpu}; "
        f"wrk {settings.connections} connections; {settings.idle_connections:,} idle connections",
        f"load     load average {os.getloadavg()[0]:.1f} at the start",
    ]
    if os.getloadavg()[0] > 0.5:
        lines.append("warning  other work is using the CPUs: rates are low and noisy "
                     "(CPU per operation suffers less)")
    return lines


# --- the table ------------------------------------------------------------------------

ANCHORS = ["haproxy", "nginx", "direct"]


def _best_haproxy(samples: dict[str, Samples]) -> Optional[Samples]:
    """The better (by throughput) of HAProxy's plain and splice-auto runs (bulk)."""
    runs = [samples[name] for name in ("haproxy", "haproxy-splice")
            if name in samples and median(samples[name].rates) is not None]
    return max(runs, key=lambda run: median(run.rates)) if runs else None


def table_rows(workloads: list[Workload], results: Results) -> tuple[list[str], list[list[str]]]:
    header = ["workload", "target", "throughput", "unit", "CPU µs/op", "user µs", "op", "p99 ms",
              "loss %", "fulcrum ÷ this", "fulcrum CPU ÷ this"]
    rows = []
    for workload in workloads:
        samples = results[workload.key]
        fulcrum_rate = median(samples["fulcrum"].rates)
        fulcrum_cpu = median(samples["fulcrum"].cpu_us)
        for name in workload.targets:
            these = samples[name]
            rate, cpu = median(these.rates), median(these.cpu_us)
            is_fulcrum = name == "fulcrum"
            rows.append([
                workload.title, name, _number(rate), workload.unit,
                _number(cpu, 1) if workload.cpu else "-",
                _number(median(these.user_us), 2) if workload.cpu else "-",
                workload.operation if workload.cpu else "-",
                _number(median(these.p99_ms), 2),
                _number(median(these.loss_percent), 3),
                "" if is_fulcrum else _number(_ratio(fulcrum_rate, rate), 2),
                "" if is_fulcrum or not workload.cpu else _number(_ratio(fulcrum_cpu, cpu), 2),
            ])
    return header, rows


def format_text(header: list[str], rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[column]) for row in [header] + rows) for column in range(len(header))]
    lines = []
    previous = None
    for row in [header] + rows:
        first = row[0] if row[0] != previous else ""
        previous = row[0]
        cells = [first.ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
    return lines


def format_markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    previous = None
    for row in rows:
        first = row[0] if row[0] != previous else ""
        previous = row[0]
        lines.append("| " + " | ".join([first] + row[1:]) + " |")
    return lines


# --- the targets of issues #7, #8, #9 -------------------------------------------------

@dataclass
class Check:
    text: str
    value: Optional[float]
    limit: float
    at_most: bool  # the value must be <= limit (else >=)

    def line(self) -> str:
        if self.value is None:
            return f"  n/a   {self.text}"
        met = self.value <= self.limit if self.at_most else self.value >= self.limit
        sign = "≤" if self.at_most else "≥"
        verdict = "met " if met else "MISS"
        return f"  {verdict}  {self.text}: {self.value:.2f} (target {sign} {self.limit:g})"


# (workload, what, figure, anchor, limit, at most?): fulcrum's figure divided by the
# anchor's (anchor None: fulcrum's own figure); "haproxy-best" is the better HAProxy run.
TARGETS = [
    ("keepalive", "keep-alive CPU/req, fulcrum ÷ HAProxy", "cpu", "haproxy", 0.8, True),
    ("keepalive", "keep-alive req/s, fulcrum ÷ HAProxy", "rate", "haproxy", 1.0, False),
    ("keepalive", "keep-alive p99, fulcrum ÷ HAProxy", "p99", "haproxy", 1.0, True),
    ("conn", "conn/request CPU/conn, fulcrum ÷ HAProxy", "cpu", "haproxy", 0.8, True),
    ("conn", "conn/request conn/s, fulcrum ÷ HAProxy", "rate", "haproxy", 1.0, False),
    ("bulk", "bulk Gbit/s, fulcrum ÷ better HAProxy run", "rate", "haproxy-best", 1.2, False),
    ("bulk", "bulk Gbit/s, fulcrum ÷ direct (aim)", "rate", "direct", 0.8, False),
    ("udp", "UDP round trips/s, fulcrum ÷ nginx", "rate", "nginx", 1.5, False),
    ("udp", "UDP CPU/round trip, fulcrum ÷ nginx", "cpu", "nginx", 0.5, True),
    # Uncapped, tls_load's own handshake work on the load CPU sets both proxies' rate (a
    # tie, shown in the table); the target is checked on the capped run.
    ("tls-capacity", "TLS handshakes/s, each proxy at ½ CPU, fulcrum ÷ HAProxy", "rate",
     "haproxy", 1.0, False),
    ("tls-bulk", "TLS bulk Gbit/s, fulcrum ÷ HAProxy", "rate", "haproxy", 1.0, False),
    ("idle", "idle connection KiB (fulcrum)", "rate", None, 2.0, True),
]


def _figure(samples: Optional[Samples], figure: str) -> Optional[float]:
    if samples is None:
        return None
    return median({"rate": samples.rates, "cpu": samples.cpu_us, "p99": samples.p99_ms}[figure])


def target_checks(results: Results) -> list[Check]:
    """The targets of issues #7, #8 and #9 for the workloads that ran."""
    checks = []
    for workload, text, figure, anchor, limit, at_most in TARGETS:
        if workload not in results:
            continue
        samples = results[workload]
        mine = _figure(samples["fulcrum"], figure)
        if anchor is None:
            value = mine
        else:
            theirs = _best_haproxy(samples) if anchor == "haproxy-best" else samples.get(anchor)
            value = _ratio(mine, _figure(theirs, figure))
        checks.append(Check(text, value, limit, at_most))
    return checks


def user_space_lines(workloads: list[Workload], results: Results) -> list[str]:
    """fulcrum's user-space CPU per operation over each anchor's: the part of the cost that
    is the proxy's own code (the rest is the kernel's socket work, alike for all)."""
    lines = []
    for workload in workloads:
        if not workload.cpu:
            continue
        samples = results[workload.key]
        mine = median(samples["fulcrum"].user_us)
        ratios = [f"÷ {name} {_number(_ratio(mine, median(samples[name].user_us)), 2)}"
                  for name in workload.targets if name not in ("fulcrum", "direct")]
        if ratios:
            lines.append(f"  {workload.key:<14} fulcrum user µs/op {_number(mine, 2)}; "
                         + ", ".join(ratios))
    return ["user-space CPU per operation (the proxy's own code), fulcrum ÷ anchor:"] + lines \
        if lines else []


# --- the plot -------------------------------------------------------------------------

Bar = tuple[str, Optional[float], Optional[float]]  # label, vs HAProxy, vs nginx


def _advantages(workloads: list[Workload], results: Results) -> list[Bar]:
    """Per workload and figure, fulcrum's advantage over HAProxy and over nginx, always
    "higher is better": throughput fulcrum ÷ anchor, CPU and memory anchor ÷ fulcrum."""
    bars = []
    for workload in workloads:
        samples = results[workload.key]

        def advantage(anchor: str, figure: str) -> Optional[float]:
            if anchor not in samples:
                return None
            theirs = _best_haproxy(samples) if anchor == "haproxy" else samples[anchor]
            mine = samples["fulcrum"]
            if figure == "rate":
                return (_ratio(median(mine.rates), median(theirs.rates))
                        if workload.higher_is_better
                        else _ratio(median(theirs.rates), median(mine.rates)))
            return _ratio(median(theirs.cpu_us), median(mine.cpu_us))

        label = workload.key
        bars.append((f"{label} {workload.unit}", advantage("haproxy", "rate"),
                     advantage("nginx", "rate")))
        if workload.cpu:
            bars.append((f"{label} CPU/op", advantage("haproxy", "cpu"),
                         advantage("nginx", "cpu")))
    return bars


def write_plot(workloads: list[Workload], results: Results, png: Path, title: str) -> Optional[str]:
    """Writes a clustered bar chart with gnuplot; returns an error text on failure."""
    data = png.with_suffix(".dat")
    lines = ["# figure vs_haproxy vs_nginx"]
    for label, haproxy, nginx in _advantages(workloads, results):
        cells = [f"{value:.3f}" if value is not None else "?" for value in (haproxy, nginx)]
        lines.append(f'"{label}" ' + " ".join(cells))
    data.write_text("\n".join(lines) + "\n")
    script = f"""\
set terminal pngcairo size 1200,560 font "sans,10"
set output "{png}"
set title "{title}"
set datafile missing "?"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set ylabel "fulcrum advantage (higher is better; 1 = same; log scale)"
set logscale y 2
set yrange [0.25:*]
set grid ytics
set bmargin 7
set xtics rotate by -30 scale 0
set key top right
set arrow from graph 0, first 1 to graph 1, first 1 nohead dashtype 2 lw 2
plot "{data}" using 2:xtic(1) title "vs HAProxy 2.6 (bulk: better of plain/splice)", \\
     "" using 3 title "vs nginx 1.22 stream"
"""
    try:
        completed = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True,
                                   timeout=30)
    except (OSError, subprocess.TimeoutExpired) as error:
        return str(error)
    finally:
        data.unlink(missing_ok=True)
    return completed.stderr.strip() if completed.returncode != 0 else None
