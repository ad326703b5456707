"""Where the live streams' rounds run (platform_api/inbox/live.py): a worker process of this
platform process's own, at a lower CPU priority, or with LIVE_ROUNDS_PROCESS=false a thread
of this process (the platform tests: their streams read the test's rolled-back transaction).

Why a process: a round is Python work (queries, the policy, rendering) and, run in a thread,
it holds the GIL that webhook ingestion needs in the same process. `make bench`, open inbox
tabs (2 cores, 80 webhooks/s, 20 advisors' lists open), with the rounds one at a time in a
low-priority thread: acknowledgement p95 10.4 → 27.1 ms, p99 12.6 → 47.6 ms. The worker
process reads the database on its own read-only sessions; what it sends back is small (the
HTML of what changed, the read marks to write), and the writes stay here.

`run` and `submit` call a module-level function (sent by reference) with picklable arguments
in the worker.
A worker that died is replaced at the next round; live.py's streams then register again with
what their pages show, so nothing is lost or sent twice."""

from __future__ import annotations

import asyncio
import ctypes
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from typing import Any, TypeVar

from platform_api.auth import lower_thread_priority
from platform_api.config import settings

T = TypeVar("T")
# The worker's niceness: the kernel gives request handling (0) the cores first.
WORKER_NICENESS = 10
PR_SET_PDEATHSIG = 1


def _worker_started() -> None:
    """In the worker: lower priority, Ctrl-C left to the platform process (which stops the
    worker), and the worker ends with the platform process even if that one is SIGKILLed."""
    with suppress(OSError):
        os.nice(WORKER_NICENESS)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _ready() -> int:
    return os.getpid()


class Rounds:
    def __init__(self, in_process: bool) -> None:
        self.in_process = in_process
        self._executor: Executor | None = None
        self._lock = threading.Lock()

    def _current(self) -> Executor:
        with self._lock:
            if self._executor is None:
                if self.in_process:
                    self._executor = ProcessPoolExecutor(
                        max_workers=1,
                        mp_context=multiprocessing.get_context("spawn"),
                        initializer=_worker_started,
                    )
                else:
                    self._executor = ThreadPoolExecutor(
                        max_workers=1, thread_name_prefix="live", initializer=lower_thread_priority
                    )
            return self._executor

    def _replace(self, broken: Executor) -> None:
        with self._lock:
            if self._executor is broken:
                self._executor = None
        broken.shutdown(wait=False, cancel_futures=True)

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in the worker, one call at a time; a worker that died is
        replaced and the call made once more in the new one."""
        loop = asyncio.get_running_loop()
        executor = self._current()
        try:
            return await loop.run_in_executor(executor, function, *args)
        except BrokenProcessPool:
            self._replace(executor)
            return await loop.run_in_executor(self._current(), function, *args)

    def submit(self, function: Callable[..., Any], *args: Any) -> None:
        """`function(*args)` in the worker, without waiting for it (forgetting a stream)."""
        with suppress(RuntimeError, BrokenProcessPool):  # a pool shutting down
            self._current().submit(function, *args)

    def start(self) -> None:
        """Starts the worker now (at start-up), so the first page opened waits for no process
        start (about a second: the worker imports the platform's modules)."""
        self.submit(_ready)

    def stop(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)


rounds = Rounds(in_process=settings.live_rounds_process)
