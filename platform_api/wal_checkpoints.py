"""SQLite copies its write-ahead log back into the database file (a checkpoint) every 1000
pages, inside the commit that crossed the mark: that one request then waits for the copy and
its fsync, a spike in the webhook acknowledgement tail. Here a thread does it every second
instead (PASSIVE: it takes no write lock, writers carry on), so the log stays short and the
automatic checkpoint, still there as a backstop, is not reached."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

logger = logging.getLogger(__name__)


class WalCheckpointer:
    def __init__(self, engine: Engine, every_seconds: float = 1.0) -> None:
        self.engine = engine
        self.every_seconds = every_seconds
        self.checkpoints = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="wal-checkpoint", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def checkpoint(self) -> tuple[int, int, int]:
        """(busy, log frames, frames copied), as SQLite reports them."""
        # A raw driver connection: a PRAGMA outside any transaction, so the write lock of
        # platform_api.database is not taken.
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA wal_checkpoint(PASSIVE)")
            busy, frames, copied = cursor.fetchone()
            cursor.close()
        finally:
            connection.close()
        self.checkpoints += 1
        return busy, frames, copied

    def _loop(self) -> None:
        while not self._stop.wait(self.every_seconds):
            try:
                self.checkpoint()
            except Exception:
                logger.exception("WAL checkpoint failed; retrying in %ss", self.every_seconds)
