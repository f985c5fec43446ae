#!/usr/bin/env python3
"""Scale-out test (issue "Scale-out"; README "Scaling out"): three fulcrum instances
behind a router that learns the VIP from each over BGP (BIRD 2) and spreads flows by
ECMP with L4 hashing; consistent hashing sends a client to the same backend whichever
instance carries it.

Topology, all in network namespaces this test creates (private addresses only):
  client (200 source addresses) -- router (BIRD, ECMP) -- lb1..lb3 (fulcrum, BIRD,
  fulcrum-bgp-announce; VIP 10.99.0.1 on lo) -- backends (ids b1..b3, TCP and UDP)

Checks: consistency (100 % agreement with what each instance answers directly);
failover (SIGTERM lb1: route withdrawn within 5 s, every new connection succeeds, UDP
flows keep their backend, zero held connections of lb2/lb3 broken with the resilient
nexthop group); recovery (lb1 back, its route returns, traffic over three again); and,
reported only, how many held connections a plain multipath route breaks.

Usage: scale_out_test.py --fulcrum PATH. Exit 0 pass, 1 fail, 77 skipped (the machine
cannot create network namespaces). Everything it creates is removed in all cases.
"""
import argparse
import contextlib
import ctypes
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONF = os.path.normpath(os.path.join(HERE, "..", "..", "conf", "scale-out"))
VIP = "10.99.0.1"
TCP_PORT = 80
UDP_PORT = 5300
BACKEND_PORT = 7000
INSTANCES = (1, 2, 3)
CLIENTS = [f"10.77.100.{i}" for i in range(1, 201)]
BACKENDS = {f"b{i}": f"10.77.250.1{i}" for i in INSTANCES}
SKIP = 77
CLONE_NEWNET = 0x40000000
WITHDRAW_DELAY = 2.0  # runtime.withdraw_delay of the instances, seconds
OVERALL_BUDGET = 85.0  # seconds; ctest's TIMEOUT is above this


class Failure(Exception):
    pass


def router_link(i):
    return f"10.77.{i}.1", f"10.77.{i}.2"  # router side, instance side


def backend_link(i):
    return f"10.77.{10 + i}.1", f"10.77.{10 + i}.2"  # backend side, instance side


INSTANCE_BY_BACKEND_PEER = {backend_link(i)[1]: i for i in INSTANCES}


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*args, check=True):
    result = subprocess.run(list(args), capture_output=True, text=True, timeout=20)
    if check and result.returncode != 0:
        raise Failure(f"{' '.join(args)}: {result.stderr.strip() or result.stdout.strip()}")
    return result


class Lab:
    """Namespaces, links and processes of one run; close() removes them all."""

    def __init__(self, fulcrum, workdir):
        self.fulcrum = fulcrum
        self.workdir = workdir
        self.prefix = f"fso{os.getpid() % 100000}"
        self.namespaces = []
        self.processes = {}  # name -> Popen
        self.libc = ctypes.CDLL(None, use_errno=True)

    def ns(self, role):
        return f"{self.prefix}-{role}"

    def add_namespace(self, role):
        run("ip", "netns", "add", self.ns(role))
        self.namespaces.append(self.ns(role))
        self.ip(role, "link", "set", "lo", "up")

    def ip(self, role, *args, check=True):
        return run("ip", "-n", self.ns(role), *args, check=check)

    def sysctl(self, role, key, value):
        run("ip", "netns", "exec", self.ns(role), "sysctl", "-qw", f"{key}={value}")

    def veth(self, role_a, name_a, address_a, role_b, name_b, address_b):
        self.ip(role_a, "link", "add", name_a, "type", "veth", "peer", "name", name_b, "netns", self.ns(role_b))
        for role, name, address in ((role_a, name_a, address_a), (role_b, name_b, address_b)):
            self.ip(role, "addr", "add", f"{address}/24", "dev", name)
            self.ip(role, "link", "set", name, "up")

    def start(self, name, role, *command):
        output = open(os.path.join(self.workdir, f"{name}.log"), "ab")
        process = subprocess.Popen(["ip", "netns", "exec", self.ns(role), *command], stdout=output,
                                   stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        output.close()
        self.processes[name] = process
        return process

    def stop(self, name, timeout=5.0):
        process = self.processes.pop(name, None)
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def log_of(self, name):
        with contextlib.suppress(OSError), open(os.path.join(self.workdir, f"{name}.log"), errors="replace") as f:
            return f.read()
        return ""

    @contextlib.contextmanager
    def inside(self, role):
        """Runs the block with this thread in the namespace (sockets made there stay there)."""
        with open("/proc/thread-self/ns/net") as home, open(f"/run/netns/{self.ns(role)}") as target:
            if self.libc.setns(target.fileno(), CLONE_NEWNET) != 0:
                raise Failure(f"setns {role}: {os.strerror(ctypes.get_errno())}")
            try:
                yield
            finally:
                if self.libc.setns(home.fileno(), CLONE_NEWNET) != 0:
                    raise Failure(f"setns back: {os.strerror(ctypes.get_errno())}")

    def close(self):
        for name in list(self.processes):
            self.stop(name, timeout=2.0)
        for namespace in self.namespaces:
            # Anything still running in it was started by this run (e.g. a daemon child).
            pids = run("ip", "netns", "pids", namespace, check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGKILL)
            run("ip", "netns", "del", namespace, check=False)
        self.namespaces.clear()


def can_create_namespaces():
    probe = f"fso-probe{os.getpid() % 100000}"
    result = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if result.returncode != 0:
        return False, result.stderr.strip()
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return True, ""


def fulcrum_config(i):
    backends = "".join(f'  [[pools.backends]]\n  address = "{address}:{BACKEND_PORT}"\n' for address in BACKENDS.values())
    pool = """
[[pools]]
name = "{name}"
balance = "consistent_hash"
hash_key = "source_ip"
{health}{backends}"""
    health = '  [pools.health_check]\n  type = "tcp"\n  interval = "500ms"\n  timeout = "300ms"\n'
    return f"""
[runtime]
workers = 2
shutdown_grace = "3s"
withdraw_delay = "{WITHDRAW_DELAY:g}s"

[admin]
bind = "127.0.0.1:9901"

[[listeners]]
name = "tcp"
bind = "0.0.0.0:{TCP_PORT}"
pool = "tcp"

[[listeners]]
name = "udp"
bind = "{VIP}:{UDP_PORT}"
protocol = "udp"
pool = "udp"
idle_timeout = "30s"
""" + pool.format(name="tcp", health=health, backends=backends) + pool.format(name="udp", health="",
                                                                                 backends=backends)


def instance_bird_config(i):
    router, own = router_link(i)
    with open(os.path.join(CONF, "instance-bird.conf")) as f:
        text = f.read()
    # The shipped file, with this instance's addresses and AS.
    return text.replace("10.0.1.2", own).replace("10.0.1.1", router).replace("65001", f"6500{i}")


def router_bird_config():
    with open(os.path.join(CONF, "router-bird.conf")) as f:
        text = f.read()
    router, _ = router_link(1)
    text = text.replace("router id 10.0.1.1", f"router id {router}")
    for i in INSTANCES:
        text = text.replace(f"neighbor 10.0.{i}.2", f"neighbor {router_link(i)[1]}")
    return text


def router_bird_plain_config():
    """The router config as used without fulcrum-resilient-ecmp: BIRD's own multipath
    route in the main table (plain ECMP)."""
    text = router_bird_config()
    if "  kernel table 100;\n" not in text:
        raise Failure("conf/scale-out/router-bird.conf no longer exports to kernel table 100")
    return text.replace("  kernel table 100;\n", "")


class Scenario:
    def __init__(self, lab):
        self.lab = lab
        self.started = time.monotonic()

    def budget_left(self):
        return OVERALL_BUDGET - (time.monotonic() - self.started)

    def wait_for(self, what, condition, timeout, step=0.05):
        deadline = time.monotonic() + min(timeout, max(self.budget_left(), 0.1))
        while time.monotonic() < deadline:
            value = condition()
            if value:
                return value
            time.sleep(step)
        raise Failure(f"timed out waiting for {what}")

    # --- topology -----------------------------------------------------------------
    def build(self):
        lab = self.lab
        for role in ("client", "router", "backends", *[f"lb{i}" for i in INSTANCES]):
            lab.add_namespace(role)
        lab.veth("client", "up0", "10.77.0.2", "router", "cl0", "10.77.0.1")
        batch = "".join(f"addr add {address}/32 dev up0\n" for address in CLIENTS)
        subprocess.run(["ip", "-n", lab.ns("client"), "-batch", "-"], input=batch, text=True, check=True)
        lab.ip("client", "route", "add", "default", "via", "10.77.0.1")
        lab.ip("router", "route", "add", "10.77.100.0/24", "via", "10.77.0.2")
        lab.sysctl("router", "net.ipv4.ip_forward", 1)
        lab.sysctl("router", "net.ipv4.fib_multipath_hash_policy", 1)
        for address in BACKENDS.values():
            lab.ip("backends", "addr", "add", f"{address}/32", "dev", "lo")
        for i in INSTANCES:
            role = f"lb{i}"
            router_side, own = router_link(i)
            lab.veth("router", f"lb{i}", router_side, role, "up0", own)
            backend_side, own_down = backend_link(i)
            lab.veth("backends", f"lb{i}", backend_side, role, "down0", own_down)
            lab.ip(role, "addr", "add", f"{VIP}/32", "dev", "lo")
            lab.ip(role, "route", "add", "default", "via", router_side)
            lab.ip(role, "route", "add", "10.77.250.0/24", "via", backend_side)

    def start_daemons(self):
        lab = self.lab
        lab.start("backends", "backends", sys.executable, os.path.join(HERE, "id_backends.py"), str(BACKEND_PORT),
                  *[f"{bid}={address}" for bid, address in BACKENDS.items()])
        self.write("router-bird.conf", router_bird_config())
        lab.start("router-bird", "router", "bird", "-f", "-c", self.path("router-bird.conf"), "-s",
                  self.path("router.ctl"))
        lab.start("resilient", "router", sys.executable, os.path.join(CONF, "fulcrum-resilient-ecmp"), "--prefix",
                  f"{VIP}/32", "--table", "100", "--group-id", "100", "--interval", "0.1")
        for i in INSTANCES:
            self.write(f"lb{i}.toml", fulcrum_config(i))
            self.write(f"lb{i}-bird.conf", instance_bird_config(i))
            lab.start(f"lb{i}-bird", f"lb{i}", "bird", "-f", "-c", self.path(f"lb{i}-bird.conf"), "-s",
                      self.path(f"lb{i}.ctl"))
            self.start_fulcrum(i)
            lab.start(f"lb{i}-announce", f"lb{i}", "sh", os.path.join(CONF, "fulcrum-bgp-announce"), "-u",
                      "http://127.0.0.1:9901/readyz", "-s", self.path(f"lb{i}.ctl"), "-p", "vip", "-i", "0.25")

    def start_fulcrum(self, i):
        self.lab.start(f"lb{i}-fulcrum", f"lb{i}", self.lab.fulcrum, "-c", self.path(f"lb{i}.toml"))

    def path(self, name):
        return os.path.join(self.lab.workdir, name)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)

    # --- observations -------------------------------------------------------------
    def vip_gateways(self):
        """The instances the router's main-table VIP route points to."""
        result = self.lab.ip("router", "-4", "-j", "route", "show", "exact", f"{VIP}/32", check=False)
        if result.returncode != 0 or not result.stdout.strip():
            return set()
        gateways = set()
        for route in json.loads(result.stdout):
            for hop in route.get("nexthops") or [route]:
                if "gateway" in hop:
                    gateways.add(hop["gateway"])
        return {i for i in INSTANCES if router_link(i)[1] in gateways}

    def vip_route_uses_group(self):
        result = self.lab.ip("router", "-4", "-j", "route", "show", "exact", f"{VIP}/32", check=False)
        return result.returncode == 0 and any("nhid" in r for r in json.loads(result.stdout or "[]"))

    def tcp_connect(self, source, destination, timeout=2.0):
        with self.lab.inside("client"):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        try:
            sock.bind((source, 0))
            sock.connect((destination, TCP_PORT))
            line = read_line(sock)
        except OSError:
            sock.close()
            return None, None
        if line is None:
            sock.close()
            return None, None
        return sock, line

    def ask(self, source, destination):
        """(backend id, instance) for a new TCP connection, or None."""
        sock, line = self.tcp_connect(source, destination)
        if sock is None:
            return None
        sock.close()
        return parse_reply(line)

    def round_via_vip(self):
        """One new connection per client: {client: (backend, instance) or None}."""
        return {client: self.ask(client, VIP) for client in CLIENTS}

    # --- phases -------------------------------------------------------------------
    def wait_until_ready(self):
        # Each instance is announced only once its /readyz answers 200.
        started = time.monotonic()
        self.wait_for("the VIP route via three instances", lambda: self.vip_gateways() == set(INSTANCES), 30)
        self.wait_for("the resilient group", self.vip_route_uses_group, 5)
        log(f"router learned the VIP from 3 instances {time.monotonic() - started:.1f}s after start-up")

    def check_consistency(self):
        direct = {}
        for i in INSTANCES:
            address = router_link(i)[1]
            for client in CLIENTS:
                answer = self.ask(client, address)
                if answer is None or answer[1] != i:
                    raise Failure(f"direct connection {client} -> lb{i} failed or went elsewhere: {answer}")
                direct.setdefault(client, set()).add(answer[0])
        disagreeing_instances = [c for c, ids in direct.items() if len(ids) != 1]
        via_vip = self.round_via_vip()
        failed = [c for c, answer in via_vip.items() if answer is None]
        if failed:
            raise Failure(f"{len(failed)} connections through the VIP failed, e.g. {failed[:3]}")
        agree = sum(1 for c, answer in via_vip.items() if direct[c] == {answer[0]})
        instances = {answer[1] for answer in via_vip.values()}
        backends = {answer[0] for answer in via_vip.values()}
        log(f"consistency: {agree}/{len(CLIENTS)} clients ({100.0 * agree / len(CLIENTS):.1f} %) reach the same "
            f"backend through the VIP as through each instance directly; instances used {sorted(instances)}, "
            f"backends used {sorted(backends)}")
        if disagreeing_instances:
            raise Failure(f"instances disagree for {len(disagreeing_instances)} clients, e.g. {disagreeing_instances[:3]}")
        if agree != len(CLIENTS):
            raise Failure("backend agreement below 100 %")
        if instances != set(INSTANCES):
            raise Failure(f"ECMP used only instances {sorted(instances)}")
        self.expected = {c: answer[0] for c, answer in via_vip.items()}

    def hold_connections(self):
        held = []
        for client in CLIENTS:
            sock, line = self.tcp_connect(client, VIP)
            if sock is None:
                raise Failure(f"held connection from {client} failed")
            held.append((client, sock, parse_reply(line)[1]))
        return held

    def udp_flows(self):
        flows = []
        for client in CLIENTS[:90]:
            with self.lab.inside("client"):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            sock.bind((client, 0))
            sock.connect((VIP, UDP_PORT))
            answer = udp_ask(sock)
            if answer is None:
                raise Failure(f"UDP flow from {client} got no answer")
            flows.append((client, sock, answer))
        return flows

    def failover(self, mode):
        """SIGTERM lb1 with held connections and UDP flows; returns the figures."""
        held = self.hold_connections()
        flows = self.udp_flows() if mode == "resilient" else []
        by_instance = {i: sum(1 for _, _, inst in held if inst == i) for i in INSTANCES}
        signalled = time.monotonic()
        self.lab.processes["lb1-fulcrum"].send_signal(signal.SIGTERM)
        withdrawn_after = None
        new_failures = 0
        new_total = 0
        full_rounds_after = 0
        # New connections from every client: during the withdrawal, during withdraw_delay
        # and after lb1's listener closed, with at least one whole round after the
        # withdrawal.
        while full_rounds_after < 1 or time.monotonic() - signalled < WITHDRAW_DELAY + 0.5:
            started_after_withdrawal = withdrawn_after is not None
            for client in CLIENTS:
                answer = self.ask(client, VIP)
                new_total += 1
                if answer is None or answer[0] != self.expected[client]:
                    new_failures += 1
                if withdrawn_after is None and 1 not in self.vip_gateways():
                    withdrawn_after = time.monotonic() - signalled
            if withdrawn_after is None and 1 not in self.vip_gateways():
                withdrawn_after = time.monotonic() - signalled
            if started_after_withdrawal:
                full_rounds_after += 1
            if time.monotonic() - signalled > 8 and withdrawn_after is None:
                raise Failure("lb1's route was not withdrawn within 8 s")
        broken_survivors = 0
        lost_stopped = 0
        for client, sock, instance in held:
            alive = echo_ok(sock)
            sock.close()
            if instance == 1:
                lost_stopped += 0 if alive else 1
            elif not alive:
                broken_survivors += 1
        udp_moved = udp_kept = 0
        udp_changed = []
        for client, sock, (backend, instance) in flows:
            answer = udp_ask(sock)
            sock.close()
            if instance == 1:
                udp_moved += 1
            if answer is not None and answer[0] == backend:
                udp_kept += 1
            else:
                udp_changed.append((client, backend, answer))
        return {
            "withdrawn_after": withdrawn_after, "held": by_instance, "broken_survivors": broken_survivors,
            "lost_stopped": lost_stopped, "new_failures": new_failures, "new_total": new_total,
            "udp_flows": len(flows), "udp_moved": udp_moved, "udp_kept": udp_kept, "udp_changed": udp_changed,
        }

    def wait_lb1_exit(self):
        process = self.lab.processes["lb1-fulcrum"]
        try:
            code = process.wait(10)
        except subprocess.TimeoutExpired:
            raise Failure("lb1's fulcrum did not exit within 10 s of SIGTERM")
        if code != 0:
            raise Failure(f"lb1's fulcrum exited {code} after SIGTERM")
        self.lab.processes.pop("lb1-fulcrum")

    def recover(self):
        restarted = time.monotonic()
        self.start_fulcrum(1)
        self.wait_for("lb1's route to return", lambda: self.vip_gateways() == set(INSTANCES), 15)
        log(f"recovery: lb1 restarted, its route back after {time.monotonic() - restarted:.2f}s")

        def spread_over_three():
            time.sleep(1.2)  # resilient buckets move to the new member once idle (idle_timer 1s)
            answers = self.round_via_vip()
            if any(a is None or a[0] != self.expected[c] for c, a in answers.items()):
                raise Failure("a connection failed or changed backend after recovery")
            counts = {i: sum(1 for a in answers.values() if a[1] == i) for i in INSTANCES}
            return counts if all(counts.values()) else None

        counts = self.wait_for("traffic over three instances again", spread_over_three, 20, step=0)
        log(f"recovery: new connections per instance {counts}")

    def switch_to_plain_multipath(self):
        self.lab.stop("resilient")  # removes its route and group
        self.write("router-bird-plain.conf", router_bird_plain_config())
        run("ip", "netns", "exec", self.lab.ns("router"), "birdc", "-s", self.path("router.ctl"), "configure",
            f'"{self.path("router-bird-plain.conf")}"')
        self.wait_for("BIRD's plain multipath route", lambda: self.vip_gateways() == set(INSTANCES)
                      and not self.vip_route_uses_group(), 10)


def read_line(sock):
    data = b""
    while not data.endswith(b"\n"):
        chunk = sock.recv(256)
        if not chunk:
            return None
        data += chunk
    return data.decode()


def parse_reply(line):
    backend, peer = line.split()
    return backend, INSTANCE_BY_BACKEND_PEER.get(peer)


def echo_ok(sock):
    try:
        sock.settimeout(1.0)
        sock.sendall(b"ping\n")
        return read_line(sock) == "ping\n"
    except OSError:
        return False


def udp_ask(sock):
    sock.settimeout(0.5)
    for _ in range(4):  # a datagram may be lost while a route changes
        try:
            sock.send(b"q")
            return parse_reply(sock.recv(256).decode())
        except OSError:
            continue
    return None


def report_failover(mode, figures):
    held = figures["held"]
    survivors = held[2] + held[3]
    log(f"failover ({mode}): route withdrawn {figures['withdrawn_after']:.2f}s after SIGTERM; "
        f"new connections failed {figures['new_failures']}/{figures['new_total']}; held connections "
        f"{sum(held.values())} (lb1 {held[1]}, lb2 {held[2]}, lb3 {held[3]}): lost on lb1 "
        f"{figures['lost_stopped']}/{held[1]}, broken on surviving instances "
        f"{figures['broken_survivors']}/{survivors}")
    if figures["udp_flows"]:
        log(f"failover ({mode}): UDP flows {figures['udp_flows']} ({figures['udp_moved']} through lb1): "
            f"{figures['udp_kept']} kept their backend")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fulcrum", required=True)
    parser.add_argument("--keep-logs", action="store_true")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("SKIP: network namespaces need root (CAP_SYS_ADMIN); this test cannot run here")
        return SKIP
    possible, why = can_create_namespaces()
    if not possible:
        print(f"SKIP: this machine cannot create network namespaces: {why}")
        return SKIP
    for tool in ("bird", "birdc", "ip", "curl"):
        if shutil.which(tool) is None:
            print(f"FAIL: {tool} is not installed (scripts/setup installs bird2, iproute2 and curl)")
            return 1

    workdir = tempfile.mkdtemp(prefix="fulcrum-scale-out-")
    lab = Lab(os.path.abspath(args.fulcrum), workdir)
    # A signal (e.g. ctest's timeout) still runs the cleanup in `finally`.
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(signum, lambda s, _f: (_ for _ in ()).throw(Failure(f"interrupted by signal {s}")))
    failed = False
    try:
        scenario = Scenario(lab)
        scenario.build()
        scenario.start_daemons()
        scenario.wait_until_ready()
        scenario.check_consistency()

        figures = scenario.failover("resilient")
        report_failover("resilient nexthop group", figures)
        if figures["withdrawn_after"] > 5.0:
            raise Failure("route withdrawal took more than 5 s")
        if figures["new_failures"]:
            raise Failure("new connections failed during failover")
        if figures["broken_survivors"]:
            raise Failure("held connections of surviving instances broke with the resilient group")
        if figures["udp_changed"] or figures["udp_moved"] == 0:
            raise Failure(f"UDP flows changed backend: {figures['udp_changed'][:3]} (moved {figures['udp_moved']})")
        scenario.wait_lb1_exit()
        scenario.recover()

        scenario.switch_to_plain_multipath()
        plain = scenario.failover("plain")
        report_failover("plain multipath route", plain)
        log(f"figures: SIGTERM->withdrawal {figures['withdrawn_after']:.2f}s; connections lost in failover "
            f"{figures['lost_stopped'] + figures['broken_survivors']} (all held by the stopped instance); "
            f"surviving connections broken by plain ECMP {plain['broken_survivors']}/"
            f"{plain['held'][2] + plain['held'][3]}; backend agreement 100 %")
        log(f"PASS in {time.monotonic() - scenario.started:.1f}s")
    except Failure as error:
        failed = True
        print(f"FAIL: {error}", flush=True)
    except Exception:
        failed = True
        raise
    finally:
        if failed:
            for name in sorted(os.listdir(workdir)):
                if name.endswith(".log"):
                    print(f"----- {name} (last lines)\n" + "".join(lab.log_of(name[:-4]).splitlines(True)[-15:]))
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, signal.SIG_IGN)
        lab.close()
        if not args.keep_logs:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
