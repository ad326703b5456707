"""What Meta's answers mean for a message and what follows: permanent refusals end at once
(the bot's turn goes on, reminders stop, an advisor is told, the inbox shows the code and the
reason), rate limits hold back the number or the customer, and sends are paced per number.

Error bodies not produced by the simulator yet (131056, 131051, 368...) are Meta's shapes as
its error-code page gives them (developers.facebook.com/documentation/business-messaging/
whatsapp/support/error-codes), parsed by the real Graph client."""

import time
from contextlib import nullcontext
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from platform_api.audit.models import AuditEvent
from platform_api.conversations.models import Conversation, Message
from platform_api.database import utcnow
from platform_api.graph import meta_errors
from platform_api.graph.client import GraphError, SentMessage, _raise_for_graph_error
from platform_api.inbound import raw_events, statuses, statuses_sweep
from platform_api.notifications.models import Notification
from platform_api.numbers import onboarding
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from platform_api.outbox import pacing, service
from tests.platform_api.conftest import BOT_NUMBER
from tests.platform_api.events import status_event, text_event
from tests.platform_api.factories import make_advisor, sign_in

EVENTS = "/api/internal/whatsapp/events"
SEND = "/api/internal/whatsapp/send"
DONE = "/api/internal/whatsapp/turns/done"
# A user id the simulator does not know: it refuses sends to it with 131026 at once.
UNREACHABLE = "CO.00000000000000000099"
UNDELIVERABLE = {"code": 131026, "title": "Message undeliverable"}


def meta_error(http_status: int, code: int, message: str, details: str) -> GraphError:
    """A Graph error body as Meta's error-code page shows it, through the client's parser."""
    response = httpx.Response(
        http_status,
        json={
            "error": {
                "message": message,
                "type": "OAuthException",
                "code": code,
                "error_data": {"messaging_product": "whatsapp", "details": details},
                "fbtrace_id": "AbCdEf123",
            }
        },
    )
    with pytest.raises(GraphError) as raised:
        _raise_for_graph_error(response)
    return raised.value


def customer_writes(client, auth, text: str = "hola", **fields) -> dict:
    response = client.post(EVENTS, headers=auth, json={"events": [text_event(text, **fields)]})
    assert response.status_code == 200, response.text
    return response.json()


def bot_replies(client, auth, turn: dict, text: str, seq: int = 0) -> dict:
    response = client.post(
        SEND,
        headers=auth,
        json={
            "conversation_id": turn["conversation_id"],
            "message": {"type": "text", "text": {"body": text}},
            "in_reply_to": turn["wamid"],
            "reply_seq": seq,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_bot_turn_whose_reply_meta_refuses_finishes_and_does_not_hold_the_next_message(
    client, auth, session
) -> None:
    [turn] = customer_writes(client, auth, wa_id=None, user_id=UNREACHABLE)["bot_turns"]

    reply = bot_replies(client, auth, turn, "¿Cuál es tu nombre?")
    done = client.post(DONE, headers=auth, json={"wamid": turn["wamid"], "awaiting_reply": True})

    assert (reply["status"], reply["error_code"]) == ("failed", 131026)
    assert done.json()["bot_status"] == "answered"
    session.expire_all()
    conversation = session.get(Conversation, turn["conversation_id"])
    # No reminders for a customer the bot cannot reach.
    assert conversation.awaiting_reply_since is None
    [next_turn] = customer_writes(client, auth, "sigo aquí", wa_id=None, user_id=UNREACHABLE)[
        "bot_turns"
    ]
    assert next_turn["conversation_id"] == turn["conversation_id"]


def test_a_failed_status_on_a_bot_message_ends_the_reminders_once_and_tells_the_advisor(
    client, auth, session
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    [turn] = customer_writes(client, auth, wa_id="573008880001")["bot_turns"]
    sent = bot_replies(client, auth, turn, "¿Cuál es tu número de cédula?")
    client.post(DONE, headers=auth, json={"wamid": turn["wamid"], "awaiting_reply": True})
    client.post(
        f"/api/conversations/{turn['conversation_id']}/assign",
        headers=auth,
        json={"advisor_id": paola.id},
    )

    for _ in range(2):  # Meta redelivers the status
        client.post(
            EVENTS,
            headers=auth,
            json={"events": [status_event(sent["wamid"], "failed", errors=[UNDELIVERABLE])]},
        )

    session.expire_all()
    assert session.get(Conversation, turn["conversation_id"]).awaiting_reply_since is None
    stopped = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "conversation.reminders_stopped")
    ).all()
    assert len(stopped) == 1
    [notice] = session.scalars(
        select(Notification).where(
            Notification.advisor_id == paola.id, Notification.kind == "message_failed"
        )
    ).all()
    assert "código 131026 – Message undeliverable" in notice.text


def bot_reply_claimed(session, turn: dict) -> tuple[Message, service.Claim]:
    """A bot reply queued in the turn's conversation and claimed for its Graph attempt."""
    queued = service.enqueue(
        session,
        conversation=session.get(Conversation, turn["conversation_id"]),
        message={"type": "text", "text": {"body": "¿Sigues ahí?"}},
        sender="bot",
        actor="bot",
    )
    claimed = service.claim(session, queued.id, now=utcnow())
    assert claimed is not None
    return queued, claimed


def test_a_failed_status_that_overtakes_graphs_answer_still_fails_the_message_once(
    client, auth, session
) -> None:
    """Meta may send `failed` before the platform has recorded Graph's accept (another process
    records it, or the status webhook is quicker): the status waits for its message."""
    paola = make_advisor(session, "Paola Ríos")
    [turn] = customer_writes(client, auth, wa_id="573008880005")["bot_turns"]
    client.post(
        f"/api/conversations/{turn['conversation_id']}/assign",
        headers=auth,
        json={"advisor_id": paola.id},
    )
    queued, claimed = bot_reply_claimed(session, turn)
    session.commit()

    early = status_event("wamid.EARLY1", "failed", errors=[UNDELIVERABLE])
    for _ in range(2):  # Meta redelivers it, still before our record
        response = client.post(EVENTS, headers=auth, json={"events": [early]})
        assert response.status_code == 200, response.text
    service.record(session, claimed, SentMessage(wamid="wamid.EARLY1", contacts=[]), now=utcnow())
    session.commit()
    late = status_event("wamid.EARLY1", "sent")
    client.post(EVENTS, headers=auth, json={"events": [late]})

    session.expire_all()
    message = session.get(Message, queued.id)
    assert (message.status, message.error_code) == ("failed", 131026)
    notices = session.scalars(
        select(Notification).where(
            Notification.advisor_id == paola.id, Notification.kind == "message_failed"
        )
    ).all()
    assert len(notices) == 1


def test_a_status_kept_while_its_message_was_being_recorded_is_applied_by_the_worker(
    client, auth, session
) -> None:
    """The status and the record of Graph's accept commit at the same moment in two
    transactions, neither seeing the other: the background worker applies it."""
    [turn] = customer_writes(client, auth, wa_id="573008880006")["bot_turns"]
    queued, claimed = bot_reply_claimed(session, turn)
    service.record(session, claimed, SentMessage(wamid="wamid.RACE1", contacts=[]), now=utcnow())
    raw_events.record(
        session,
        status_event("wamid.RACE1", "failed", errors=[UNDELIVERABLE]),
        kind="status",
        reason=statuses.WAITING_FOR_MESSAGE,
        target_wamid="wamid.RACE1",
    )
    session.commit()
    assert queued.status == "sent"

    def same_session():
        return nullcontext(session)

    assert statuses_sweep.run(same_session) == 1
    assert (queued.status, queued.error_code) == ("failed", 131026)
    assert statuses_sweep.run(same_session) == 0


def test_an_advisor_gets_one_notice_per_conversation_until_they_read_it(
    client, auth, session
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    [turn] = customer_writes(client, auth, wa_id=None, user_id=UNREACHABLE)["bot_turns"]
    client.post(
        f"/api/conversations/{turn['conversation_id']}/assign",
        headers=auth,
        json={"advisor_id": paola.id},
    )

    for seq, text in enumerate(["Hola", "¿Sigues ahí?", "Te escribimos luego"]):
        assert bot_replies(client, auth, turn, text, seq)["status"] == "failed"

    notices = session.scalars(
        select(Notification).where(
            Notification.advisor_id == paola.id, Notification.kind == "message_failed"
        )
    ).all()
    assert len(notices) == 1


def test_the_inbox_shows_a_failed_send_with_metas_code_and_reason(client, auth, session) -> None:
    [turn] = customer_writes(client, auth, wa_id=None, user_id=UNREACHABLE)["bot_turns"]
    bot_replies(client, auth, turn, "Hola")
    sign_in(client, make_advisor(session, "Ana Admin", role="admin", email="ana@example.co"))

    history = client.get(f"/conversations/{turn['conversation_id']}/history").text

    assert "No entregado: código 131026 – Unable to deliver message: unknown recipient." in (
        history
    )


def test_an_advisor_reply_graph_cannot_take_now_is_queued_and_shown_as_retrying(
    client, auth, session, simulator, drain
) -> None:
    paola = make_advisor(session, "Paola Ríos")
    [turn] = customer_writes(client, auth, wa_id="573008880002")["bot_turns"]
    sign_in(client, paola)
    httpx.post(f"{simulator[0]}/_sim/faults", json={"kind": "http_503", "count": 1})
    try:
        page = client.post(
            f"/conversations/{turn['conversation_id']}/reply", data={"text": "Ya te ayudo"}
        ).text
    finally:
        httpx.delete(f"{simulator[0]}/_sim/faults")

    assert "Mensaje en cola" in page
    history = client.get(f"/conversations/{turn['conversation_id']}/history").text
    assert "Enviando…" in history and "Reintentando (1 intento; último código 2)" in history
    drain()
    inbox = httpx.get(f"{simulator[0]}/_sim/customers/573008880002/inbox").json()["messages"]
    assert [m["text"] for m in inbox] == ["Ya te ayudo"]


def test_a_message_for_a_number_unlinked_before_it_went_fails_with_the_reason(
    client, auth, session, drain
) -> None:
    carlos = make_advisor(session, "Carlos Ramírez")
    number = WhatsAppNumber(
        phone_number_id="100000000000101",
        waba_id="200000000000101",
        portfolio_id="200000000000101",
        kind="advisor",
        status="linked",
        advisor_id=carlos.id,
        encrypted_token=seal("advisor-business-token"),
        linked_at=utcnow(),
    )
    session.add(number)
    session.flush()
    customer_writes(client, auth, wa_id="573008880003", phone_number_id=number.phone_number_id)
    conversation = session.scalars(select(Conversation)).one()
    queued = service.enqueue(
        session,
        conversation=conversation,
        message={"type": "text", "text": {"body": "Te escribo luego"}},
        sender="advisor",
        actor=f"advisor:{carlos.id}",
    )
    onboarding.unlink(session, None, number, actor="test", reason="prueba")
    session.flush()

    drain()

    failed = session.get(Message, queued.id)
    assert failed.status == "failed" and "ya no está vinculado" in failed.error_detail


def test_a_pair_rate_limit_holds_back_only_that_customer(client, auth, session) -> None:
    """131056 (Meta: too many messages to the same customer): the message waits at least the
    pair pause; the number is not paused for the others."""
    [turn] = customer_writes(client, auth, wa_id="573008880004")["bot_turns"]
    queued = service.enqueue(
        session,
        conversation=session.get(Conversation, turn["conversation_id"]),
        message={"type": "text", "text": {"body": "Uno más"}},
        sender="bot",
        actor="bot",
    )
    now = utcnow()
    claimed = service.claim(session, queued.id, now=now)
    assert claimed is not None
    error = meta_error(
        400,
        131056,
        "(#131056) (Business Account, Consumer Account) pair rate limit hit",
        "Message failed to send because there were too many messages sent from this phone "
        "number to the same phone number in a short period of time.",
    )

    service.record(session, claimed, error, now=now)

    assert queued.status == "pending" and queued.error_code == 131056
    assert queued.send_lease_until >= now + timedelta(seconds=6)
    number = pacing.number_row(session, BOT_NUMBER)
    assert number is None or pacing.paused_until(number, now) is None


@pytest.mark.parametrize(
    ("http_status", "code", "retry", "pause_number", "pause_pair"),
    [
        (400, 130429, True, True, False),  # throughput reached, answered as HTTP 400
        (429, 130429, True, True, False),
        (400, 80007, True, True, False),  # the WABA's rate limit
        (400, 131056, True, False, True),  # pair rate limit
        (500, 131000, True, False, False),  # something went wrong
        (503, 131016, True, False, False),  # service unavailable
        (503, 2, True, False, False),  # API service (temporary downtime)
        (400, 131026, False, False, False),  # undeliverable
        (400, 131047, False, False, False),  # outside the 24-hour window
        (400, 131051, False, False, False),  # unsupported message type
        (400, 132001, False, False, False),  # template does not exist
        (400, 132012, False, False, False),  # template parameter format mismatch
        (400, 100, False, False, False),  # invalid parameter
        (400, 131009, False, False, False),  # parameter value is not valid
        (400, 368, False, False, False),  # temporarily blocked for policy violations
        (401, 190, False, False, False),  # access token expired or invalid
    ],
)
def test_metas_error_codes_are_retried_or_final_as_its_error_page_says(
    http_status: int, code: int, retry: bool, pause_number: bool, pause_pair: bool
) -> None:
    verdict = meta_errors.verdict(meta_error(http_status, code, f"(#{code}) error", "details"))
    assert (verdict.retry, verdict.pause_number, verdict.pause_pair) == (
        retry,
        pause_number,
        pause_pair,
    )


def test_transport_failures_and_codeless_5xx_are_retried() -> None:
    for error in (
        GraphError(http_status=0, code=None, message="ConnectTimeout"),
        GraphError(http_status=502, code=None, message="Bad gateway"),
    ):
        assert meta_errors.verdict(error).retry


def test_sends_are_paced_per_number() -> None:
    pacer = pacing.Pacer()
    started = time.monotonic()
    for _ in range(6):
        pacer.wait_for_slot("100000000000001", per_second=5)
    # The sixth waits for the first to leave the one-second window; another number does not.
    assert time.monotonic() - started >= 0.9
    other = time.monotonic()
    pacer.wait_for_slot("100000000000101", per_second=5)
    assert time.monotonic() - other < 0.1


def test_a_coexistence_number_gets_metas_20_per_second() -> None:
    shared = WhatsAppNumber(phone_number_id="1", coexistence=True)
    assert pacing.sends_per_second(shared) == 20
    assert pacing.sends_per_second(None) == 80
