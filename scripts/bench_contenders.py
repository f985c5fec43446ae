"""The processes scripts/bench.py measures: the backends (on the load CPU) and the proxies
(on the proxy CPU), each proxy with one listener per kind of traffic:

  http      plain TCP to bench/tools/http_responder (wrk workloads, idle connections)
  bulk      plain TCP to `iperf3 -s`
  udp       UDP to bench/tools/udp_echo
  tls       TLS terminated by the proxy, plaintext to http_responder
  tls_bulk  TLS terminated by the proxy, plaintext to http_responder with a large body

Every proxy runs one thread: fulcrum `workers = 1`, HAProxy `nbthread 1`, nginx
`worker_processes 1` (its worker's PID is the one measured). Configs and logs go into the
bench's temporary folder."""
from __future__ import annotations

import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from bench_common import (LOOPBACK, ProcessSet, Settings, check_http, check_udp, child_pid,
                          fail_with_log, free_port, wait_for_output, wait_for_port)

NGINX_STREAM_MODULE = "/usr/lib/nginx/modules/ngx_stream_module.so"
TLS_BULK_BODY_BYTES = 1 << 20


@dataclass
class Target:
    """Where load goes: a proxy (with the PID whose CPU and memory are measured) or the
    backends themselves ("direct", no PID). `ports` maps a kind of traffic to a port."""
    name: str
    pid: Optional[int]
    ports: dict[str, int] = field(default_factory=dict)


@dataclass
class Backends:
    http: int = 0
    tls_bulk_http: int = 0
    bulk: int = 0
    udp: int = 0
    cert: Optional[Path] = None
    key: Optional[Path] = None
    combined_pem: Optional[Path] = None


def _tool(settings: Settings, name: str) -> str:
    path = settings.build_dir / "bench" / name
    if not path.exists():
        raise SystemExit(f"bench: {path} is missing; build the bench tools first")
    return str(path)


def start_backends(settings: Settings, processes: ProcessSet, kinds: set[str]) -> Backends:
    """Starts the backends the selected workloads need, pinned to the load CPU."""
    backends = Backends()
    if kinds & {"http", "tls"}:
        backends.http = _start_http_responder(settings, processes, "http_responder", [])
    if "tls_bulk" in kinds:
        backends.tls_bulk_http = _start_http_responder(
            settings, processes, "http_responder_large",
            ["--body-bytes", str(TLS_BULK_BODY_BYTES)])
    if "bulk" in kinds:
        backends.bulk = free_port()
        log = settings.work_dir / "iperf3-server.log"
        process = processes.start(["iperf3", "-s", "--forceflush", "-B", LOOPBACK,
                                   "-p", str(backends.bulk)], settings.load_cpu, log)
        wait_for_output(r"Server listening", process, log, "iperf3 -s")
    if "udp" in kinds:
        backends.udp = free_port(socket.SOCK_DGRAM)
        log = settings.work_dir / "udp_echo.log"
        process = processes.start([_tool(settings, "udp_echo"), "--port", str(backends.udp)],
                                  settings.load_cpu, log)
        wait_for_output(r"listening on", process, log, "udp_echo")
    if kinds & {"tls", "tls_bulk"}:
        _make_certificate(settings, backends)
    return backends


def _start_http_responder(settings: Settings, processes: ProcessSet, label: str,
                          extra: list[str]) -> int:
    # Port 0: http_responder does not set SO_REUSEADDR, so a port that free_port() finds
    # unbound may still have TIME_WAIT sockets from earlier runs and refuse the bind.
    log = settings.work_dir / f"{label}.log"
    process = processes.start([_tool(settings, "http_responder"), "--port", "0", *extra],
                              settings.load_cpu, log)
    found = wait_for_output(r"listening on [\d.]+:(\d+)", process, log, label)
    return int(found.group(1))


def _make_certificate(settings: Settings, backends: Backends) -> None:
    """A self-signed ECDSA P-256 certificate, made fresh for this run."""
    backends.cert = settings.work_dir / "cert.pem"
    backends.key = settings.work_dir / "key.pem"
    backends.combined_pem = settings.work_dir / "combined.pem"
    completed = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-keyout", str(backends.key), "-out", str(backends.cert)],
        capture_output=True, text=True)
    if completed.returncode != 0:
        raise SystemExit(f"bench: openssl could not make a certificate:\n{completed.stderr}")
    backends.combined_pem.write_text(backends.cert.read_text() + backends.key.read_text())


def _tls_client(plain: socket.socket) -> ssl.SSLSocket:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE  # the bench's own throw-away certificate
    return context.wrap_socket(plain, server_hostname="localhost")


def check_target(target: Target) -> None:
    """One request or datagram through every listener of the target; exits on failure."""
    for kind, port in target.ports.items():
        what = f"{target.name} ({kind}, port {port})"
        if kind == "http":
            check_http(port, what)
        elif kind in ("tls", "tls_bulk"):
            check_http(port, what, _tls_client)
        elif kind == "udp":
            check_udp(port, what)
        # bulk: iperf3 -s takes one test at a time and logs stray connections as errors;
        # the first measured run shows whether it works.


def backend_ports(backends: Backends, kinds: set[str]) -> dict[str, int]:
    ports = {"http": backends.http, "tls": backends.http, "tls_bulk": backends.tls_bulk_http,
             "bulk": backends.bulk, "udp": backends.udp}
    return {kind: ports[kind] for kind in kinds if ports.get(kind)}


def direct_target(backends: Backends, kinds: set[str]) -> Target:
    return Target("direct", None, backend_ports(backends, kinds & {"http", "bulk", "udp"}))


# --- fulcrum --------------------------------------------------------------------------

def start_fulcrum(settings: Settings, processes: ProcessSet, backends: Backends,
                  kinds: set[str], name: str = "fulcrum", workers: int = 1,
                  pinned: bool = True) -> Target:
    """fulcrum with one listener per kind, each to a pool of its one backend."""
    targets = backend_ports(backends, kinds)
    ports = {kind: free_port(socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
             for kind in targets}
    sections = [f'[runtime]\nworkers = {workers}\nshutdown_grace = "1s"\n']
    for kind, backend in targets.items():
        protocol = "udp" if kind == "udp" else "tcp"
        sections.append(f"""\
[[listeners]]
name = "{kind}"
bind = "{LOOPBACK}:{ports[kind]}"
protocol = "{protocol}"
pool = "{kind}"
idle_timeout = "10m"
""")
        if kind in ("tls", "tls_bulk"):
            sections.append(f"""\
  [listeners.tls]
  cert = "{backends.cert}"
  key = "{backends.key}"
""")
        sections.append(f"""\
[[pools]]
name = "{kind}"
balance = "round_robin"

  [[pools.backends]]
  address = "{LOOPBACK}:{backend}"
""")
    config = settings.work_dir / f"{name}.toml"
    config.write_text("\n".join(sections))
    log = settings.work_dir / f"{name}.log"
    process = processes.start([str(settings.build_dir / "fulcrum"), "-c", str(config)],
                              settings.proxy_cpu if pinned else None, log)
    _wait_for_tcp_listeners(ports, process, log, name)
    return Target(name, process.pid, ports)


def _wait_for_tcp_listeners(ports: dict[str, int], process: subprocess.Popen, log: Path,
                            what: str) -> None:
    for kind, port in ports.items():
        if kind != "udp":
            wait_for_port(port, process, log, what)


# --- HAProxy --------------------------------------------------------------------------

def start_haproxy(settings: Settings, processes: ProcessSet, backends: Backends,
                  kinds: set[str], name: str = "haproxy", splice: bool = False) -> Target:
    """HAProxy 2.6, nbthread 1, mode tcp; `splice` adds `option splice-auto`."""
    targets = backend_ports(backends, kinds - {"udp"})  # no UDP in HAProxy community
    ports = {kind: free_port() for kind in targets}
    # HAProxy refuses to start when 2 x maxconn descriptors exceed RLIMIT_NOFILE.
    # With splice it also reserves two per pipe (maxpipes = maxconn / 4); that run only
    # carries bulk traffic.
    maxconn = (1000 if splice else
               min(settings.idle_connections + 100, (settings.descriptor_limit - 250) // 2))
    sections = [f"""\
global
    nbthread 1
    maxconn {maxconn}

defaults
    mode tcp
    timeout connect 2s
    timeout client 10m
    timeout server 10m
{"    option splice-auto" if splice else ""}
"""]
    for kind, backend in targets.items():
        tls = f" ssl crt {backends.combined_pem}" if kind in ("tls", "tls_bulk") else ""
        sections.append(f"""\
frontend {kind}
    bind {LOOPBACK}:{ports[kind]}{tls}
    default_backend {kind}

backend {kind}
    server only {LOOPBACK}:{backend}
""")
    config = settings.work_dir / f"{name}.cfg"
    config.write_text("\n".join(sections))
    log = settings.work_dir / f"{name}.log"
    process = processes.start(["haproxy", "-db", "-f", str(config)], settings.proxy_cpu, log)
    _wait_for_tcp_listeners(ports, process, log, name)
    return Target(name, process.pid, ports)


# --- nginx ----------------------------------------------------------------------------

def start_nginx(settings: Settings, processes: ProcessSet, backends: Backends,
                kinds: set[str]) -> Target:
    """nginx 1.22 stream module, worker_processes 1, in the foreground with its own
    prefix; the measured PID is its one worker."""
    targets = backend_ports(backends, kinds & {"http", "bulk", "udp"})
    ports = {kind: free_port(socket.SOCK_DGRAM if kind == "udp" else socket.SOCK_STREAM)
             for kind in targets}
    prefix = settings.work_dir / "nginx"
    prefix.mkdir(exist_ok=True)
    servers = []
    for kind, backend in targets.items():
        if kind == "udp":
            servers.append(f"""\
    server {{
        listen {LOOPBACK}:{ports[kind]} udp reuseport;
        proxy_pass {LOOPBACK}:{backend};
        proxy_responses 1;
        proxy_timeout 10s;
    }}""")
        else:
            servers.append(f"""\
    server {{
        listen {LOOPBACK}:{ports[kind]};
        proxy_pass {LOOPBACK}:{backend};
        proxy_timeout 10m;
    }}""")
    config = prefix / "nginx.conf"
    servers_text = "\n".join(servers)
    config.write_text(f"""\
load_module {NGINX_STREAM_MODULE};
daemon off;
worker_processes 1;
worker_rlimit_nofile {settings.descriptor_limit};
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;

events {{
    worker_connections {settings.descriptor_limit};
}}

stream {{
{servers_text}
}}
""")
    log = settings.work_dir / "nginx.log"
    process = processes.start(["nginx", "-p", str(prefix), "-e", str(prefix / "error.log"),
                               "-c", str(config)], settings.proxy_cpu, log)
    _wait_for_tcp_listeners(ports, process, log, "nginx")
    worker = child_pid(process.pid)
    if worker is None:
        fail_with_log("nginx started no worker process", log)
    return Target("nginx", worker, ports)
