"""One advisor tries to read and change another advisor's work, resource by resource, through
the API and the inbox pages: every attempt is refused (404, as if it did not exist; 403 where
the route itself is not theirs) and nothing changes.

Paola (comercial) and Jorge (soporte) each have a conversation assigned, with a case, a lead,
an attachment and a notification; Jorge also has a linked WhatsApp Business number with a
personal chat on it, and there is an unassigned soporte case. Paola signs in and tries.
"""

# First: it sets the test environment (settings are read when platform_api is imported).
from tests.security.web_fixtures import *  # noqa: F403

# isort: split
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.advisors.models import Advisor
from platform_api.audit.models import AuditEvent
from platform_api.cases.models import Case
from platform_api.contacts.models import Contact
from platform_api.conversations.models import Conversation
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.token_box import seal
from tests.platform_api.events import text_event
from tests.platform_api.factories import make_advisor, open_conversation
from tests.platform_api.test_attachments import EVENTS, media_event
from tests.security.web_fixtures import browser_sign_in

JORGE_NUMBER = "100000000000777"


@dataclass
class Scene:
    paola_id: int
    jorge_id: int
    mine: int  # Paola's conversation
    theirs: int  # Jorge's conversation (case, lead, attachment, notification)
    theirs_contact: int
    theirs_case: str
    soporte_case: str  # unassigned, area soporte, on an unassigned conversation
    soporte_conversation: int
    theirs_lead: int
    theirs_attachment: int
    theirs_notification: int
    jorge_number: int
    personal_chat: int  # unassigned, on Jorge's linked number


def _assign(client: TestClient, auth: dict, conversation_id: int, advisor_id: int) -> None:
    response = client.post(
        f"/api/conversations/{conversation_id}/assign",
        headers=auth,
        json={"advisor_id": advisor_id},
    )
    assert response.status_code == 200, response.text


def _case(client: TestClient, auth: dict, conversation_id: int, type: str, **extra) -> str:
    body = {"conversation_id": conversation_id, "type": type, "description": "prueba", **extra}
    response = client.post("/api/cases", headers=auth, json=body)
    assert response.status_code == 201, response.text
    return response.json()["number"]


@pytest.fixture()
def scene(client: TestClient, auth: dict, session: Session, simulator) -> Scene:
    paola = make_advisor(session, "Paola Ríos", area="comercial")
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    mine = open_conversation(client, auth, "hola", wa_id="573001110001")
    _assign(client, auth, mine, paola.id)

    response = client.post(EVENTS, headers=auth, json={"events": [media_event(simulator)]})
    assert response.status_code == 200, response.text
    theirs = response.json()["bot_turns"][0]["conversation_id"]
    _assign(client, auth, theirs, jorge.id)
    theirs_case = _case(client, auth, theirs, "soporte", advisor_id=jorge.id)
    lead = client.post(f"/api/conversations/{theirs}/lead", headers=auth).json()["lead"]
    [attachment] = client.get(f"/api/conversations/{theirs}/attachments", headers=auth).json()
    notes = client.get(f"/api/notifications?advisor_id={jorge.id}", headers=auth).json()

    soporte_conversation = open_conversation(client, auth, "falla", wa_id="573001110003")
    soporte_case = _case(client, auth, soporte_conversation, "soporte")
    # As if it had come while soporte had no active advisor: it waits in soporte's queue.
    queued = session.scalar(select(Case).where(Case.number == soporte_case))
    queued.advisor_id = None
    session.get(Conversation, soporte_conversation).assigned_advisor_id = None
    session.flush()

    number = WhatsAppNumber(
        phone_number_id=JORGE_NUMBER,
        waba_id="200000000000777",
        portfolio_id="300000000000777",
        display_phone_number="573109990000",
        kind="advisor",
        advisor_id=jorge.id,
        status="linked",
        encrypted_token=seal("jorge-business-token"),
    )
    session.add(number)
    session.flush()
    response = client.post(
        EVENTS,
        headers=auth,
        json={
            "events": [text_event("hola Jorge", wa_id="573001110004", phone_number_id=JORGE_NUMBER)]
        },
    )
    assert response.status_code == 200, response.text
    personal_chat = session.scalar(
        select(Conversation.id).where(Conversation.phone_number_id == JORGE_NUMBER)
    )
    session.get(Conversation, personal_chat).assigned_advisor_id = None
    session.flush()

    sign_in(client, paola)
    return Scene(
        paola_id=paola.id,
        jorge_id=jorge.id,
        mine=mine,
        theirs=theirs,
        theirs_contact=session.get(Conversation, theirs).contact_id,
        theirs_case=theirs_case,
        soporte_case=soporte_case,
        soporte_conversation=soporte_conversation,
        theirs_lead=lead["id"],
        theirs_attachment=attachment["id"],
        theirs_notification=notes["items"][0]["id"],
        jorge_number=number.id,
        personal_chat=personal_chat,
    )


def sign_in(client: TestClient, advisor: Advisor) -> None:
    """A browser session that sends its CSRF token, so what refuses is the policy, not CSRF."""
    client.headers["X-CSRF-Token"] = browser_sign_in(client, advisor.email)


def _refused(response, expected: tuple[int, ...] = (404,)) -> None:
    assert response.status_code in expected, (response.status_code, response.text[:300])


def test_another_advisors_conversation_is_invisible_through_the_api(client, scene) -> None:
    listed = {c["id"] for c in client.get("/api/conversations").json()["items"]}
    assert scene.mine in listed
    assert not listed & {scene.theirs, scene.personal_chat, scene.soporte_conversation}
    for path in ("", "/messages", "/attachments"):
        _refused(client.get(f"/api/conversations/{scene.theirs}{path}"))


def test_another_advisors_conversation_cannot_be_changed_through_the_api(
    client, scene, session
) -> None:
    attempts = {
        "assign": {"advisor_id": scene.paola_id},
        "mode": {"mode": "bot"},
        "close": {"reason": "x"},
        "lead": {},
        "hyperlink": {"advisor_id": scene.paola_id, "traceability_loss_confirmed": True},
    }
    for action, body in attempts.items():
        _refused(client.post(f"/api/conversations/{scene.theirs}/{action}", json=body))
    _refused(
        client.post("/api/cases", json={"conversation_id": scene.theirs, "type": "cotizacion"}),
        (404,),
    )
    conversation = session.get(Conversation, scene.theirs)
    session.refresh(conversation)
    assert (conversation.assigned_advisor_id, conversation.status) == (scene.jorge_id, "open")


def test_another_advisors_contact_cannot_be_read_or_edited(client, scene, session) -> None:
    _refused(client.get(f"/api/contacts/{scene.theirs_contact}"))
    _refused(client.patch(f"/api/contacts/{scene.theirs_contact}", json={"name": "Robado"}))
    contact = session.get(Contact, scene.theirs_contact)
    session.refresh(contact)
    assert contact.name != "Robado"


def test_another_advisors_lead_is_invisible(client, scene, auth) -> None:
    lead = client.get(f"/api/leads/{scene.theirs_lead}", headers=auth).json()
    _refused(client.get(f"/api/leads/{scene.theirs_lead}"))
    _refused(client.get(f"/leads/{scene.theirs_lead}"))
    for query in (f"phone={lead['phone']}", "", f"owner_advisor_id={scene.jorge_id}"):
        listed = client.get(f"/api/leads?{query}").json()
        assert scene.theirs_lead not in {item["id"] for item in listed["items"]}
    for query in (f"q={lead['phone']}", "", f"dueno={scene.jorge_id}", "estado=nuevo"):
        assert f'data-lead-id="{scene.theirs_lead}"' not in client.get(f"/leads?{query}").text
    for action, form in (
        ("status", {"status": "ganado"}),
        ("owner", {"advisor_id": str(scene.paola_id)}),
        ("update", {}),
    ):
        _refused(client.post(f"/leads/{scene.theirs_lead}/{action}", data=form))
    _refused(client.patch(f"/api/leads/{scene.theirs_lead}", json={"status": "ganado"}))
    after = client.get(f"/api/leads/{scene.theirs_lead}", headers=auth).json()
    assert (after["status"], after["owner_advisor_id"]) == (
        lead["status"],
        lead["owner_advisor_id"],
    )


def test_cases_are_seen_by_their_advisor_and_unassigned_ones_by_their_area(
    client, scene, session
) -> None:
    _refused(client.get(f"/api/cases/{scene.theirs_case}"))
    _refused(client.patch(f"/api/cases/{scene.theirs_case}", json={"status": "cerrado"}))
    _refused(client.get(f"/api/cases/{scene.soporte_case}"))
    listed = {c["number"] for c in client.get("/api/cases").json()["items"]}
    assert not listed & {scene.theirs_case, scene.soporte_case}

    sign_in(client, session.get(Advisor, scene.jorge_id))
    listed = {c["number"] for c in client.get("/api/cases").json()["items"]}
    assert {scene.theirs_case, scene.soporte_case} <= listed
    assert client.get(f"/api/conversations/{scene.soporte_conversation}").status_code == 200


def test_another_advisors_and_another_areas_cases_are_invisible_in_the_case_pages(
    client, scene, session
) -> None:
    listing = client.get("/cases").text
    assert scene.theirs_case not in listing and scene.soporte_case not in listing
    searched = client.get(f"/cases?q={scene.theirs_case}").text
    assert f'data-case="{scene.theirs_case}"' not in searched and "0 casos" in searched
    forms = {
        "status": {"estado": "en_proceso"},
        "notes": {"texto": "nota ajena"},
        "assign": {"advisor_id": str(scene.paola_id)},
        "close": {},
    }
    for number in (scene.theirs_case, scene.soporte_case):
        _refused(client.get(f"/cases/{number}"))
        for action, data in forms.items():
            _refused(client.post(f"/cases/{number}/{action}", data=data, follow_redirects=False))
        _refused(client.post(f"/api/cases/{number}/close"))
        _refused(client.get(f"/api/cases/{number}/notes"))
        _refused(client.post(f"/api/cases/{number}/notes", json={"text": "nota ajena"}))
        case = session.scalar(select(Case).where(Case.number == number))
        session.refresh(case)
        assert case.status == "abierto" and case.advisor_id != scene.paola_id


def test_another_areas_queue_is_neither_shown_nor_taken(client, session, scene) -> None:
    page = client.get("/queue").text
    assert scene.soporte_case not in page and "Soporte técnico · Sin asignar" not in page
    for number in (scene.soporte_case, scene.theirs_case):
        _refused(client.post(f"/queue/{number}/take"))
    assert session.scalar(select(Case.advisor_id).where(Case.number == scene.soporte_case)) is None
    for conversation_id in (scene.theirs, scene.personal_chat, scene.soporte_conversation):
        _refused(client.post(f"/queue/conversations/{conversation_id}/take"))
        assert f'data-queued-conversation="{conversation_id}"' not in page
    for conversation_id, holder in (
        (scene.theirs, scene.jorge_id),
        (scene.personal_chat, None),
        (scene.soporte_conversation, None),
    ):
        assert session.get(Conversation, conversation_id).assigned_advisor_id == holder
    sign_in(client, session.get(Advisor, scene.jorge_id))
    assert scene.soporte_case in client.get("/queue").text


def test_a_search_in_messages_never_finds_another_advisors_conversations(client, scene) -> None:
    """ "hola Jorge" is on Jorge's linked number; "falla" on soporte's queued conversation."""
    hidden = {scene.theirs, scene.personal_chat, scene.soporte_conversation}
    for words in ("jorge", "falla", "hola"):
        found = client.get(f"/api/conversations/search?q={words}").json()
        assert not {item["conversation"]["id"] for item in found["items"]} & hidden
        page = client.get(f"/?q={words}&mensajes=1&estado=").text
        assert not any(f'href="/conversations/{c}"' in page for c in hidden)
    assert scene.mine in {
        item["conversation"]["id"]
        for item in client.get("/api/conversations/search?q=hola").json()["items"]
    }


def test_another_advisors_attachment_cannot_be_read_or_fetched(client, scene) -> None:
    for path in ("", "/content"):
        _refused(client.get(f"/api/attachments/{scene.theirs_attachment}{path}"))
    _refused(client.post(f"/api/attachments/{scene.theirs_attachment}/fetch"))


def test_another_advisors_notifications_are_private(client, scene) -> None:
    _refused(client.get(f"/api/notifications?advisor_id={scene.jorge_id}"), (403,))
    _refused(client.post(f"/api/notifications/{scene.theirs_notification}/read"))
    _refused(client.post(f"/notifications/{scene.theirs_notification}/read"))
    mine = client.get("/api/notifications").json()["items"]
    assert scene.theirs_notification not in {n["id"] for n in mine}


def test_another_advisors_linked_number_and_its_chats_are_private(client, scene) -> None:
    assert scene.jorge_number not in {n["id"] for n in client.get("/api/whatsapp/numbers").json()}
    _refused(client.post(f"/api/whatsapp/numbers/{scene.jorge_number}/unlink"))
    _refused(client.post(f"/whatsapp/numbers/{scene.jorge_number}/unlink"))
    _refused(client.get(f"/api/conversations/{scene.personal_chat}"))
    _refused(client.get(f"/conversations/{scene.personal_chat}"))


def test_another_advisors_conversation_is_invisible_in_the_inbox(client, scene) -> None:
    listing = client.get("/?scope=all").text
    assert f"/conversations/{scene.mine}" in listing
    assert f'/conversations/{scene.theirs}"' not in listing
    for path in ("", "/history"):
        _refused(client.get(f"/conversations/{scene.theirs}{path}"))
    # Nor its live stream (platform_api/inbox/live.py), streamed or polled.
    for query in ("", "?once=1"):
        _refused(client.get(f"/live/conversations/{scene.theirs}{query}"))
    listed = client.get("/live/inbox?once=1").text
    assert f'conversation-row-{scene.mine}"' in listed
    assert f'conversation-row-{scene.theirs}"' not in listed
    assert client.get(f"/live/conversations/{scene.mine}?once=1").status_code == 200
    forms = {
        "reply": {"text": "hola"},
        "bot": {},
        "assign": {"advisor_id": str(scene.paola_id)},
        "lead": {},
        "hyperlink": {"advisor_id": str(scene.paola_id), "confirm": "si"},
        "close": {},
        "attachment": {"caption": "hola"},
        "template": {"plantilla": "seguimiento_conversacion:es"},
        "notes": {"texto": "nota en una conversación ajena"},
    }
    for action, data in forms.items():
        _refused(
            client.post(
                f"/conversations/{scene.theirs}/{action}", data=data, follow_redirects=False
            )
        )


def test_an_advisor_session_cannot_call_the_internal_api(client, scene) -> None:
    message = {"type": "text", "text": {"body": "mensaje falso"}}
    attempts = {
        "events": {"events": []},
        "send": {"conversation_id": scene.mine, "message": message},
        "turns/claim": {"limit": 1},
        "turns/done": {"wamid": "wamid.x"},
        "turns/failed": {"wamid": "wamid.x", "error": "x"},
    }
    for path, body in attempts.items():
        _refused(client.post(f"/api/internal/whatsapp/{path}", json=body), (403,))
    # Nor read the backlog (counts of every advisor's pending work).
    _refused(client.get("/api/internal/whatsapp/backlog"), (403,))


def test_the_sender_and_audit_actor_come_from_the_credentials_not_the_body(
    client, scene, session
) -> None:
    """An advisor who says `sender: bot` is still recorded as the advisor who sent it."""
    jorge = session.get(Advisor, scene.jorge_id)
    jorge.personal_phone = "573109990000"
    session.flush()
    response = client.post(
        f"/api/conversations/{scene.mine}/hyperlink",
        json={"advisor_id": scene.jorge_id, "traceability_loss_confirmed": True, "sender": "bot"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["sender"] == "advisor"
    actors = session.scalars(
        select(AuditEvent.actor).where(AuditEvent.action == "hyperlink.sent")
    ).all()
    assert actors == [f"advisor:{scene.paola_id}"]
