"""The stack under test and what it costs: the four processes as devstack starts them for the
end-to-end tests, their CPU and memory sampled with psutil, and py-spy profiles of a phase."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from devstack.stack import APP_SECRET, BOT_NUMBER, MODEL, SERVICE_TOKEN, Stack, running_stack

PROCESS_NAMES = ("platform", "rasa", "actions", "simulator")
BUSY_FIELDS = ("user", "nice", "system", "irq", "softirq")
__all__ = ["APP_SECRET", "BOT_NUMBER", "SERVICE_TOKEN", "ProcessMonitor", "Profiler", "Stack"]


@contextmanager
def benchmark_stack(**settings: str) -> Iterator[Stack]:
    """The four processes on free ports with their own SQLite databases, as `make test-e2e`
    starts them; long inactivity timers so no Plantilla G reminder joins the load."""
    if not MODEL.exists():
        raise SystemExit(f"{MODEL} is missing: run `make train` first (`make bench` does)")
    # The REST baseline needs Rasa's `rest` channel, off everywhere else (scripts/run_rasa.sh).
    settings = {"RASA_REST_CHANNEL": "true", **settings}
    with running_stack("bench", INACTIVITY_MINUTES="600", **settings) as stack:
        yield stack


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _high_water_rss(process: psutil.Process) -> int:
    """Peak resident memory the kernel recorded for the process (VmHWM), in bytes."""
    try:
        for line in Path(f"/proc/{process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


@dataclass
class Sample:
    at: float  # time.perf_counter()
    cpu: dict[str, float]  # CPU seconds so far, per process group
    rss: dict[str, int]  # resident bytes now, per process group
    machine_busy: float = 0.0  # CPU seconds every process on the machine used so far
    steal: float = 0.0  # CPU seconds the hypervisor gave to other machines


def machine_busy_seconds() -> float:
    """CPU seconds the machine's processes and kernel used (guest time is inside user; time
    the hypervisor took away, steal, is not ours and left out)."""
    times = psutil.cpu_times()
    return sum(getattr(times, field, 0.0) for field in BUSY_FIELDS)


def steal_seconds() -> float:
    return getattr(psutil.cpu_times(), "steal", 0.0)


def background_load(seconds: float = 2.0) -> float:
    """Share of the machine's cores busy right now (before the stack starts), 0..1."""
    before, started = machine_busy_seconds(), time.perf_counter()
    time.sleep(seconds)
    elapsed = time.perf_counter() - started
    return (machine_busy_seconds() - before) / elapsed / (psutil.cpu_count() or 1)


@dataclass
class ProcessMonitor:
    """CPU seconds and memory of each process group (the process and its children) and of
    the benchmark itself, sampled in a thread."""

    pids: dict[str, int]
    interval: float = 0.5
    samples: list[Sample] = field(default_factory=list)
    peak_rss: dict[str, int] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def __post_init__(self) -> None:
        self.pids = {**self.pids, "bench": os.getpid()}

    def snapshot(self) -> Sample:
        cpu: dict[str, float] = {}
        rss: dict[str, int] = {}
        for name, pid in self.pids.items():
            processes = [psutil.Process()] if name == "bench" else _tree(pid)
            cpu[name] = rss[name] = 0
            for process in processes:
                try:
                    times = process.cpu_times()
                    cpu[name] += times.user + times.system
                    rss[name] += process.memory_info().rss
                    peak = _high_water_rss(process)
                except psutil.NoSuchProcess:
                    continue
                self.peak_rss[name] = max(self.peak_rss.get(name, 0), peak, rss[name])
        return Sample(time.perf_counter(), cpu, rss, machine_busy_seconds(), steal_seconds())

    def start(self) -> None:
        self.samples.append(self.snapshot())
        self._thread = threading.Thread(target=self._run, name="process-monitor", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(self.snapshot())

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.samples.append(self.snapshot())


def children_cpu_seconds() -> float:
    """CPU of the children this process has waited for (here: finished py-spy runs)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class Profiler:
    """py-spy sampling the given processes for one phase, without pausing them."""

    def __init__(self, out_dir: Path, rate: int) -> None:
        self.binary = Path(sys.executable).parent / "py-spy"
        self.out_dir = out_dir
        self.rate = rate
        self.available = self.binary.exists()
        self.cpu_seconds = 0.0
        self._running: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, phase: str, pids: dict[str, int], seconds: float) -> None:
        if not self.available:
            return
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for name, pid in pids.items():
            path = self.out_dir / f"{phase}-{name}.txt"
            argv = [str(self.binary), "record", "--pid", str(pid), "--rate", str(self.rate)]
            argv += ["--duration", str(max(1, round(seconds))), "--format", "raw"]
            argv += ["--output", str(path), "--nonblocking"]
            if name == "platform":
                # Its worker threads wait for SQLite's lock asleep: count sleeping threads too.
                argv.append("--idle")
            popen = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self._running.append((name, popen, path))

    def finish(self) -> dict[str, Path]:
        """Waits for the running recordings; their files by process name."""
        before = children_cpu_seconds()
        done: dict[str, Path] = {}
        for name, popen, path in self._running:
            try:
                popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                popen.kill()
                popen.wait()
            if path.exists():
                done[name] = path
        self.cpu_seconds += children_cpu_seconds() - before
        self._running = []
        return done
