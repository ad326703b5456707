"""The background worker of every platform process: durable work taken from the database
(the outbox's sends, attachment downloads), woken at once when a request queues some, and
looking for due work every BACKGROUND_POLL_SECONDS otherwise (retries that came due, work a
crashed process left once its lease ran out). Any number of processes run one each: every
item is claimed with a conditional update, so each attempt happens in one process only."""

import logging
import threading
from collections.abc import Callable

from platform_api.config import settings

logger = logging.getLogger(__name__)

# One pass over a kind of work; returns the seconds until its next waiting item comes due
# (None when nothing waits), so a backoff of half a second is not rounded up to the poll.
WorkPass = Callable[[], float | None]
SHORTEST_SLEEP_SECONDS = 0.05


class BackgroundWorker:
    def __init__(self, passes: dict[str, WorkPass], *, poll_seconds: float | None = None) -> None:
        self.passes = passes
        self.poll_seconds = poll_seconds or settings.background_poll_seconds
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="background-work", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=15)

    def wake(self) -> None:
        self._wake.set()

    def run_once(self) -> float:
        """Every pass once; the seconds to sleep before the next round."""
        sleep = self.poll_seconds
        for name, work in self.passes.items():
            try:
                due_in = work()
            except Exception:
                # A database or network hiccup must not stop the work for good.
                logger.exception("background work %r failed; trying again shortly", name)
                continue
            if due_in is not None:
                sleep = min(sleep, due_in)
        return max(sleep, SHORTEST_SLEEP_SECONDS)

    def _loop(self) -> None:
        while not self._stop.is_set():
            sleep = self.run_once()
            self._wake.wait(sleep)
            self._wake.clear()


_running: BackgroundWorker | None = None


def start(passes: dict[str, WorkPass]) -> BackgroundWorker:
    global _running
    _running = BackgroundWorker(passes)
    _running.start()
    return _running


def stop() -> None:
    global _running
    if _running is not None:
        _running.stop()
        _running = None


def wake() -> None:
    """Work was queued (and committed): this process's worker looks at once."""
    if _running is not None:
        _running.wake()
