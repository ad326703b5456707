"""The platform's timer loop: every few seconds, take the inactivity steps that are due."""

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session

from platform_api.config import settings
from platform_api.crashpoints import INACTIVITY_BEFORE_RECORD, crash_point
from platform_api.database import utcnow
from platform_api.inactivity import service
from platform_api.inactivity.rasa_events import RasaUnavailableError, TriggerIntent
from platform_api.inbound.turns import sender_id_for

logger = logging.getLogger(__name__)


def run_due_steps(
    new_session: Callable[[], Session],
    trigger: TriggerIntent,
    *,
    period_seconds: float,
    lease_seconds: float | None = None,
) -> list[service.DueStep]:
    """One pass. Each step: claim it with a lease (committed), tell Rasa (which sends
    Plantilla G through the connector and the outbox), then record it in one transaction; or
    give the claim back if Rasa could not be reached. Returns the steps recorded."""
    lease = lease_seconds or settings.inactivity_lease_seconds
    with new_session() as session:
        due = service.due_steps(session, now=utcnow(), period_seconds=period_seconds)
    taken = []
    for step in due:
        claimed_at = utcnow()
        with new_session() as session:
            claimed = service.claim(session, step, now=claimed_at, lease_seconds=lease)
            session.commit()
        if not claimed:
            continue
        try:
            trigger(sender_id_for(step.conversation_id), service.STEP_INTENTS[step.step])
        except RasaUnavailableError as error:
            logger.warning(
                "inactivity step %s of conversation %s postponed: %s",
                step.step,
                step.conversation_id,
                error,
            )
            with new_session() as session:
                service.release(session, step)
                session.commit()
            continue
        crash_point(INACTIVITY_BEFORE_RECORD)
        with new_session() as session:
            recorded = service.record_step(session, step, claimed_at=claimed_at)
            session.commit()
        if recorded:
            taken.append(step)
    return taken


class InactivityWorker:
    def __init__(
        self,
        new_session: Callable[[], Session],
        trigger: TriggerIntent,
        *,
        period_seconds: float | None = None,
        check_seconds: float | None = None,
    ) -> None:
        self.new_session = new_session
        self.trigger = trigger
        self.period_seconds = period_seconds or settings.inactivity_period_seconds
        self.check_seconds = check_seconds or settings.inactivity_check_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="inactivity", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stop.wait(self.check_seconds):
            try:
                run_due_steps(self.new_session, self.trigger, period_seconds=self.period_seconds)
            except Exception:
                # A database hiccup must not stop the timers for good.
                logger.exception("inactivity check failed; retrying in %ss", self.check_seconds)
