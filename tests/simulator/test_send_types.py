"""Every message type the Cloud API accepts is accepted by the simulator, held to the limits
Meta's pages give (simulator/meta_limits.py cites them) and refused with Meta's codes past
them; the numbers below are Meta's, written here on their own."""

from typing import Any

import pytest

from tests.simulator.conftest import CUSTOMER, GRAPH_URL, customer_writes, wait_for

BASE = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": CUSTOMER}


def interactive(kind: str, body: str = "¿Qué necesitas?", **extra: Any) -> dict[str, Any]:
    return {
        **BASE,
        "type": "interactive",
        "interactive": {"type": kind, "body": {"text": body}, **extra},
    }


def cta(label: str = "Ver catálogo", url: str = "https://prosuministros.co/catalogo", body="Mira"):
    action = {"name": "cta_url", "parameters": {"display_text": label, "url": url}}
    return interactive("cta_url", body, action=action)


def flow(cta_text: str = "Abrir") -> dict[str, Any]:
    parameters = {"flow_message_version": "3", "flow_id": "1234", "flow_cta": cta_text}
    return interactive("flow", action={"name": "flow", "parameters": parameters})


def listing(section_title: str | None = "Guantes", rows: int = 2) -> dict[str, Any]:
    section: dict[str, Any] = {"rows": [{"id": f"r{i}", "title": f"Fila {i}"} for i in range(rows)]}
    if section_title is not None:
        section["title"] = section_title
    return interactive("list", action={"button": "Ver", "sections": [section]})


def buttons(*ids: str) -> dict[str, Any]:
    return interactive(
        "button",
        action={
            "buttons": [
                {"type": "reply", "reply": {"id": id_, "title": f"Opción {n}"}}
                for n, id_ in enumerate(ids)
            ]
        },
    )


ACCEPTED = {
    "sticker": {**BASE, "type": "sticker", "sticker": {"id": "1234"}},
    "location": {
        **BASE,
        "type": "location",
        "location": {
            "latitude": "4.65",
            "longitude": "-74.05",
            "name": "Bodega",
            "address": "Cra 7",
        },
    },
    "contacts": {
        **BASE,
        "type": "contacts",
        "contacts": [
            {"name": {"formatted_name": "Diana Peña"}, "phones": [{"phone": "+573105550102"}]}
        ],
    },
    "video": {
        **BASE,
        "type": "video",
        "video": {"link": "https://x.co/v.mp4", "caption": "c" * 1024},
    },
    "image caption at 1024": {**BASE, "type": "image", "image": {"id": "1", "caption": "c" * 1024}},
    "cta_url": cta(label="x" * 20, body="b" * 1024),
    "flow": flow(),
    "location_request_message": interactive(
        "location_request_message", "b" * 1024, action={"name": "send_location"}
    ),
    "list with a 24-character section title": listing("s" * 24),
}

REFUSED = {
    # (message, code)
    "list section without title": (listing(None), 131008),
    "section title of 25": (listing("s" * 25), 131009),
    "duplicate button ids": (buttons("same", "same"), 131009),
    "cta label of 21": (cta(label="x" * 21), 131009),
    "cta body of 1025": (cta(body="b" * 1025), 131009),
    "cta url not http": (cta(url="ftp://x"), 131009),
    "image caption of 1025": (
        {**BASE, "type": "image", "image": {"id": "1", "caption": "c" * 1025}},
        131009,
    ),
    "caption on a sticker": (
        {**BASE, "type": "sticker", "sticker": {"id": "1", "caption": "x"}},
        131009,
    ),
    "location without longitude": (
        {**BASE, "type": "location", "location": {"latitude": 4.6}},
        131008,
    ),
    "contact without formatted_name": (
        {**BASE, "type": "contacts", "contacts": [{"name": {}}]},
        131008,
    ),
    "reaction without emoji": (
        {**BASE, "type": "reaction", "reaction": {"message_id": "wamid.x"}},
        131008,
    ),
    "flow without its id or name": (
        interactive(
            "flow",
            action={"name": "flow", "parameters": {"flow_message_version": "3", "flow_cta": "A"}},
        ),
        131008,
    ),
    "product message (not modelled)": (interactive("product", action={}), 131009),
}


@pytest.mark.parametrize("what", ACCEPTED)
def test_meta_accepts_it_so_the_simulator_does(sim, bot_auth, what) -> None:
    customer_writes(sim)
    response = sim.post(GRAPH_URL, json=ACCEPTED[what], headers=bot_auth)
    assert response.status_code == 200, response.text
    assert response.json()["messages"][0]["id"].startswith("wamid.")


@pytest.mark.parametrize("what", REFUSED)
def test_past_metas_limits_it_is_refused_with_metas_code(sim, bot_auth, what) -> None:
    message, code = REFUSED[what]
    response = sim.post(GRAPH_URL, json=message, headers=bot_auth)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == code


def test_reaction_to_a_message_of_the_chat_is_delivered(sim, receiver, bot_auth) -> None:
    wamid = customer_writes(sim, "¿tienen guantes?")["wamid"]
    reaction = {**BASE, "type": "reaction", "reaction": {"message_id": wamid, "emoji": "👍"}}

    sent = sim.post(GRAPH_URL, json=reaction, headers=bot_auth).json()["messages"][0]["id"]

    statuses = wait_for(lambda: len(receiver.statuses(sent)) >= 2 and receiver.statuses(sent))
    assert [s["status"] for s in statuses] == ["sent", "delivered"]


def test_reaction_to_a_message_not_in_the_chat_fails_with_131009(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    reaction = {**BASE, "type": "reaction", "reaction": {"message_id": "wamid.nope", "emoji": "👍"}}

    response = sim.post(GRAPH_URL, json=reaction, headers=bot_auth)

    # Reaction messages: not delivered, a messages webhook reports 131009.
    assert response.status_code == 200
    [failed] = wait_for(lambda: receiver.statuses(response.json()["messages"][0]["id"]))
    assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131009
