"""Helpers shared by the benchmarks: machine description, memory and CPU readings, a loopback-only guard."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import ipaddress
import os
import platform
import resource
import socket
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = ROOT / "bench" / "results"


def package_versions(names: list[str]) -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in names:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def machine_info(packages: list[str]) -> dict[str, Any]:
    """CPU, memory, Python and package versions, and the date: what a reader needs to weigh the numbers."""
    cpu_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_mb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory_mb = int(line.split()[1]) // 1024
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": cpu_model,
        "memory_mb": memory_mb,
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "packages": package_versions(packages),
    }


def max_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process (RUSAGE_SELF) or of its largest waited-for child, in MB."""
    return round(resource.getrusage(who).ru_maxrss / 1024, 1)  # Linux reports kilobytes


def cpu_seconds_self() -> float:
    """User + system CPU time of this process and its waited-for children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def process_cpu_seconds(pid: int, *, reaped_children: bool = False) -> float:
    """User + system CPU time used so far by a process (Linux /proc), 0.0 if it is gone.

    With reaped_children, also the CPU of its children that exited and were waited for.
    """
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    ticks = int(fields[11]) + int(fields[12])
    if reaped_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pid: int) -> float:
    """CPU time of a process and all its descendants, live or exited-and-reaped (e.g. a process pool)."""
    total = 0.0
    stack = [pid]
    while stack:
        current = stack.pop()
        total += process_cpu_seconds(current, reaped_children=True)
        stack.extend(_children(current))
    return total


def machine_busy_seconds() -> float:
    """CPU-seconds the whole machine has spent busy (all cores, all processes), from /proc/stat."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return 0.0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_for_quiet(max_wait: float, threshold: float = 0.3, probe: float = 3.0) -> float:
    """Wait (up to max_wait seconds) until other processes use less than `threshold` cores; returns that use."""
    deadline = time.monotonic() + max_wait
    while True:
        own = tree_cpu_seconds(os.getpid())
        busy = machine_busy_seconds()
        time.sleep(probe)
        others = (machine_busy_seconds() - busy - (tree_cpu_seconds(os.getpid()) - own)) / probe
        if others < threshold or time.monotonic() >= deadline:
            return round(max(others, 0.0), 2)
        time.sleep(min(10.0, max(0.0, deadline - time.monotonic())))


def _children(pid: int) -> list[int]:
    found: list[int] = []
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            text = (task / "children").read_text().split()
            found.extend(int(child) for child in text)
    except OSError:
        pass
    return found


def tree_rss_mb(pid: int) -> float:
    """Current resident memory of a process and all its descendants, in MB."""
    total_kb = 0
    stack = [pid]
    while stack:
        current = stack.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
                    break
        except OSError:
            continue
        stack.extend(_children(current))
    return total_kb / 1024


class TreeMemorySampler(threading.Thread):
    """Samples a process tree's resident memory (the process plus any pool it starts) until stopped."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval = interval
        self.peak_mb = 0.0
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_mb = max(self.peak_mb, tree_rss_mb(self.pid))
            self._stop_event.wait(self.interval)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return round(self.peak_mb, 1)


# ---------------------------------------------------------------------------------------------------------------
# Loopback only: the benchmarks must never reach beyond 127.0.0.0/8 (nor ask DNS about another name).

BLOCKED: Counter[str] = Counter()


def _is_loopback_host(host: str) -> bool:
    if host in {"localhost", "localhost.localdomain", ""}:
        return True
    try:
        return ipaddress.ip_address(host.split("%", 1)[0].strip("[]")).is_loopback
    except ValueError:
        return False


def install_loopback_guard() -> Counter[str]:
    """Refuse name look-ups and connections to anything but loopback in this process; returns the refusals.

    A refused attempt raises (gaierror or ConnectionRefusedError) as if the network said no, and is counted,
    so a benchmark can report that the measured code tried to leave the machine.
    """
    if getattr(socket, "_bench_guarded", False):
        return BLOCKED
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is not None and not _is_loopback_host(str(name)):
            BLOCKED[f"resolve {name}"] += 1
            raise socket.gaierror(socket.EAI_NONAME, f"benchmark is loopback-only: not resolving {name}")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def check(sock: socket.socket, address: Any) -> None:
        if sock.family in {socket.AF_INET, socket.AF_INET6} and not _is_loopback_host(str(address[0])):
            BLOCKED[f"connect {address[0]}"] += 1
            raise ConnectionRefusedError(f"benchmark is loopback-only: not connecting to {address[0]}")

    def connect(self: socket.socket, address: Any) -> None:
        check(self, address)
        real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        check(self, address)
        return real_connect_ex(self, address)

    socket.getaddrinfo = getaddrinfo
    socket.socket.connect = connect  # type: ignore[method-assign,assignment]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign,assignment]
    socket._bench_guarded = True  # type: ignore[attr-defined]
    return BLOCKED
