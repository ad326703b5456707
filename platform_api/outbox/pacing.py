"""Meta's limits on how fast a business number sends: its throughput per second (paced here,
in each process) and the pause after Meta said the number went past it (130429), kept on the
number's row so every platform process holds back."""

import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from platform_api.config import settings
from platform_api.numbers.models import KIND_BOT, WhatsAppNumber

WINDOW_SECONDS = 1.0


class Pacer:
    """At most N sends per business number in any one-second window, in this process."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: dict[str, deque[float]] = {}

    def wait_for_slot(self, phone_number_id: str, per_second: float) -> float:
        """Blocks until the number may send once more; returns the seconds waited."""
        limit = max(1, int(per_second))
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                window = self._sent.setdefault(phone_number_id, deque())
                while window and window[0] <= now - WINDOW_SECONDS:
                    window.popleft()
                if len(window) < limit:
                    window.append(now)
                    return waited
                delay = window[0] + WINDOW_SECONDS - now
            self._sleep(delay)
            waited += delay


pacer = Pacer()


def number_row(session: Session, phone_number_id: str) -> WhatsAppNumber | None:
    return session.scalar(
        select(WhatsAppNumber).where(WhatsAppNumber.phone_number_id == phone_number_id)
    )


def sends_per_second(number: WhatsAppNumber | None) -> float:
    """Meta's Throughput page: 80 by default, 20 for a number on the WhatsApp Business app."""
    if number is not None and number.coexistence:
        return settings.outbox_coexistence_sends_per_second
    return settings.outbox_sends_per_second


def paused_until(number: WhatsAppNumber | None, now: datetime) -> datetime | None:
    if number is None or number.send_paused_until is None or number.send_paused_until <= now:
        return None
    return number.send_paused_until


def pause_number(session: Session, phone_number_id: str, until: datetime) -> None:
    """After 130429: no send from this number before `until`. The bot's number (configured
    in settings) gets a row of kind `bot` the first time, only to hold the pause."""
    number = number_row(session, phone_number_id)
    if number is None:
        if phone_number_id != settings.whatsapp_bot_phone_number_id:
            return
        try:
            with session.begin_nested():
                number = WhatsAppNumber(
                    phone_number_id=phone_number_id, kind=KIND_BOT, status=KIND_BOT
                )
                session.add(number)
        except IntegrityError:
            # Another process made it at the same moment.
            number = number_row(session, phone_number_id)
            if number is None:
                return
    if number.send_paused_until is None or number.send_paused_until < until:
        number.send_paused_until = until
    session.flush()
