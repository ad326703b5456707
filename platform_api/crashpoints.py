"""Crash points for the end-to-end crash tests (tests/e2e/test_durable_work.py): with
PLATFORM_CRASH_POINT naming one of them, the process kills itself there with SIGKILL, as a
`kill -9` at that exact moment would: no cleanup, no commit, no answer. Settings refuse the
variable outside development and test, so production never stops here."""

import logging
import os
import signal

from platform_api.config import settings

logger = logging.getLogger(__name__)

# Outbound: the pending message is committed and claimed, Graph not yet called.
OUTBOX_BEFORE_GRAPH = "outbox.before_graph"
# Inactivity: the step claimed and Rasa told (the reminder sent), the step not yet recorded.
INACTIVITY_BEFORE_RECORD = "inactivity.before_record"
# Attachments: the file downloaded into its temporary file, not yet stored nor recorded.
ATTACHMENT_BEFORE_STORE = "attachment.before_store"
POINTS = (OUTBOX_BEFORE_GRAPH, INACTIVITY_BEFORE_RECORD, ATTACHMENT_BEFORE_STORE)


def crash_point(name: str) -> None:
    if settings.platform_crash_point != name or not settings.lax:
        return
    logger.warning("crash point %s: killing the process (PLATFORM_CRASH_POINT)", name)
    os.kill(os.getpid(), signal.SIGKILL)
