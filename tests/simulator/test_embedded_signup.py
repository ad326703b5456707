"""Embedded Sign-Up with WhatsApp Business app onboarding (coexistence) against the simulator:
the code exchange, the linked WABA and number, the data syncs and their webhooks, and the
advisor's side (writing from the app, disconnecting). Shapes: simulator/EMBEDDED_SIGNUP.md."""

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from connectors.cloud_api import SIGNATURE_HEADER, signature_is_valid
from simulator.config import SimulatorSettings
from simulator.smb import SmbRegistry
from tests.simulator.conftest import APP_SECRET, BOT_NUMBER, BOT_TOKEN, Receiver, wait_for

META_APP_ID = "123456789012345"
META_APP_SECRET = "sim-test-meta-app-secret"
CONFIG_ID = "987654321098765"
WABA = "200000000000101"
NUMBER = "100000000000101"
DISPLAY = "573105550101"
OTHER_WABA = "200000000000102"
OTHER_NUMBER = "100000000000102"
# Carlos's portfolio also holds a number that is not on the WhatsApp Business app.
CLOUD_WABA = "200000000000103"
CLOUD_NUMBER = "100000000000103"
CARLOS_PORTFOLIO = "300000000000101"
ANDREA = "573157778899"
JORGE = "573204445566"


@pytest.fixture()
def coex(make_sim: Callable[..., TestClient]) -> TestClient:
    return make_sim(
        meta_app_id=META_APP_ID, meta_app_secret=META_APP_SECRET, meta_es_config_id=CONFIG_ID
    )


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def onboard(sim: TestClient, waba_id: str = WABA, share_history: bool = True) -> str:
    response = sim.post(f"/_sim/smb/{waba_id}/onboard", json={"share_history": share_history})
    assert response.status_code == 200, response.text
    return response.json()["code"]


def exchange(sim: TestClient, code: str, secret: str = META_APP_SECRET, app: str = META_APP_ID):
    return sim.get(
        "/v23.0/oauth/access_token",
        params={"client_id": app, "client_secret": secret, "code": code},
    )


def link(sim: TestClient, waba_id: str = WABA, share_history: bool = True) -> str:
    """Onboards, exchanges the code and subscribes the app: the business token."""
    token = exchange(sim, onboard(sim, waba_id, share_history)).json()["access_token"]
    response = sim.post(f"/v23.0/{waba_id}/subscribed_apps", headers=auth(token))
    assert response.json() == {"success": True}
    return token


def changes(receiver: Receiver, field: str) -> list[dict[str, Any]]:
    return [
        {**change, "entry": entry}
        for payload in receiver.webhooks()
        for entry in payload["entry"]
        for change in entry["changes"]
        if change["field"] == field
    ]


def sync(sim: TestClient, token: str, sync_type: str, number: str = NUMBER):
    return sim.post(
        f"/v23.0/{number}/smb_app_data",
        json={"messaging_product": "whatsapp", "sync_type": sync_type},
        headers=auth(token),
    )


def error_of(response) -> dict[str, Any]:
    return response.json()["error"]


# ---- Code exchange ------------------------------------------------------------------------


def test_code_is_exchanged_once_for_a_business_token(coex: TestClient) -> None:
    code = onboard(coex)

    first = exchange(coex, code)
    assert first.status_code == 200
    body = first.json()
    assert set(body) == {"access_token", "token_type"}
    assert body["token_type"] == "bearer" and body["access_token"].startswith("EAA")

    again = exchange(coex, code)
    assert again.status_code == 400
    error = error_of(again)
    assert (error["type"], error["code"], error["error_subcode"]) == ("OAuthException", 100, 36009)
    assert error["message"] == "This authorization code has been used."
    assert "invalid_code" in again.headers["www-authenticate"]


def test_code_expires(make_sim: Callable[..., TestClient]) -> None:
    sim = make_sim(
        meta_app_id=META_APP_ID,
        meta_app_secret=META_APP_SECRET,
        simulator_es_code_ttl_seconds=0.05,
    )
    code = onboard(sim)
    time.sleep(0.1)
    error = error_of(exchange(sim, code))
    assert (error["code"], error["error_subcode"]) == (100, 36007)
    assert error["message"] == "This authorization code has expired."


def test_code_lifetime_defaults_to_sixty_seconds() -> None:
    assert SimulatorSettings(_env_file=None).simulator_es_code_ttl_seconds == 60


def test_exchange_refuses_wrong_app_credentials_and_unknown_codes(coex: TestClient) -> None:
    code = onboard(coex)
    wrong_secret = exchange(coex, code, secret="nope")
    assert wrong_secret.status_code == 400
    assert error_of(wrong_secret)["code"] == 1
    assert error_of(wrong_secret)["message"] == "Error validating client secret."
    wrong_app = exchange(coex, code, app="111")
    assert (error_of(wrong_app)["code"], error_of(wrong_app)["message"]) == (
        101,
        "Error validating application. Invalid application ID.",
    )
    assert error_of(exchange(coex, "AQnotissued"))["code"] == 100
    # The refused attempts did not spend the code.
    assert exchange(coex, code).status_code == 200


# ---- The linked WABA and number -------------------------------------------------------------


def test_phone_numbers_and_number_fields_with_the_business_token(coex: TestClient) -> None:
    token = link(coex)

    numbers = coex.get(f"/v23.0/{WABA}/phone_numbers", headers=auth(token))
    assert numbers.status_code == 200
    [number] = numbers.json()["data"]
    assert number["id"] == NUMBER
    assert number["display_phone_number"] == "+57 310 5550101"
    assert number["verified_name"] == "Carlos Ramírez - PROSUMINISTROS"
    assert (number["quality_rating"], number["code_verification_status"]) == ("GREEN", "VERIFIED")
    assert number["platform_type"] == "CLOUD_API"
    assert "cursors" in numbers.json()["paging"]

    fields = coex.get(
        f"/v23.0/{NUMBER}", params={"fields": "is_on_biz_app,platform_type"}, headers=auth(token)
    )
    assert fields.json() == {"is_on_biz_app": True, "platform_type": "CLOUD_API", "id": NUMBER}

    unknown = coex.get(f"/v23.0/{NUMBER}", params={"fields": "pin"}, headers=auth(token))
    assert unknown.status_code == 400
    assert "nonexisting field (pin)" in error_of(unknown)["message"]

    bot = coex.get(
        f"/v23.0/{BOT_NUMBER}", params={"fields": "is_on_biz_app"}, headers=auth(BOT_TOKEN)
    )
    assert bot.json() == {"is_on_biz_app": False, "id": BOT_NUMBER}


def test_a_business_token_reaches_only_its_own_waba(coex: TestClient) -> None:
    token = link(coex)
    other = coex.get(f"/v23.0/{OTHER_WABA}/phone_numbers", headers=auth(token))
    assert other.status_code == 400
    assert error_of(other)["type"] == "GraphMethodException"
    assert error_of(coex.get(f"/v23.0/{WABA}/phone_numbers"))["code"] == 104
    garbage = coex.get(f"/v23.0/{WABA}/phone_numbers", headers=auth("EAAgarbage"))
    assert (garbage.status_code, error_of(garbage)["code"]) == (401, 190)


def test_subscription_can_be_read_and_removed(coex: TestClient) -> None:
    token = link(coex)
    listed = coex.get(f"/v23.0/{WABA}/subscribed_apps", headers=auth(token)).json()
    assert listed["data"][0]["whatsapp_business_api_data"]["id"] == META_APP_ID
    assert coex.delete(f"/v23.0/{WABA}/subscribed_apps", headers=auth(token)).json() == {
        "success": True
    }
    assert coex.get(f"/v23.0/{WABA}/subscribed_apps", headers=auth(token)).json() == {"data": []}


def test_register_is_refused_for_a_number_on_the_business_app(coex: TestClient) -> None:
    token = link(coex)
    body = {"messaging_product": "whatsapp", "pin": "123456"}
    refused = coex.post(f"/v23.0/{NUMBER}/register", json=body, headers=auth(token))
    assert refused.status_code == 400
    assert error_of(refused)["code"] == 100
    assert "WhatsApp Business app" in error_of(refused)["error_data"]["details"]
    deregister = coex.post(f"/v23.0/{NUMBER}/deregister", headers=auth(token))
    assert error_of(deregister)["code"] == 100
    bot = coex.post(f"/v23.0/{BOT_NUMBER}/register", json=body, headers=auth(BOT_TOKEN))
    assert bot.json() == {"success": True}


def register(sim: TestClient, token: str, pin: Any, number: str = CLOUD_NUMBER):
    body = {"messaging_product": "whatsapp", "pin": pin}
    return sim.post(f"/v23.0/{number}/register", json=body, headers=auth(token))


def test_a_number_not_on_the_app_sends_only_once_registered(coex: TestClient) -> None:
    token = link(coex, CLOUD_WABA)
    coex.post(f"/_sim/customers/{ANDREA}/messages", json={"text": "Hola", "to": CLOUD_NUMBER})
    node = coex.get(f"/v23.0/{CLOUD_NUMBER}", params={"fields": "is_on_biz_app,platform_type"})
    fields = coex.get(
        f"/v23.0/{CLOUD_NUMBER}",
        params={"fields": "is_on_biz_app,platform_type"},
        headers=auth(token),
    ).json()
    assert error_of(node)["code"] == 104
    assert fields == {"is_on_biz_app": False, "platform_type": "NOT_APPLICABLE", "id": CLOUD_NUMBER}

    unregistered = coex.post(
        f"/v23.0/{CLOUD_NUMBER}/messages", json=text_to(ANDREA, "x"), headers=auth(token)
    )
    assert unregistered.status_code == 400
    assert error_of(unregistered)["code"] == 133010
    assert error_of(unregistered)["message"] == "(#133010) Phone number Not Registered"

    assert register(coex, token, "482913").json() == {"success": True}
    sent = coex.post(
        f"/v23.0/{CLOUD_NUMBER}/messages", json=text_to(ANDREA, "Con gusto"), headers=auth(token)
    )
    assert sent.status_code == 200
    account = next(
        a for a in coex.get("/_sim/smb").json()["accounts"] if a["waba_id"] == CLOUD_WABA
    )
    assert (account["business_app"], account["registered"]) == (False, True)


def test_register_checks_the_pin_like_meta(coex: TestClient) -> None:
    token = link(coex, CLOUD_WABA)
    for malformed in ("", "12345", "abcdef", "1234567"):
        answer = register(coex, token, malformed)
        assert (answer.status_code, error_of(answer)["code"]) == (400, 100), malformed
    missing = coex.post(
        f"/v23.0/{CLOUD_NUMBER}/register", json={"pin": "123456"}, headers=auth(token)
    )
    assert "messaging_product" in error_of(missing)["message"]

    # No two-step verification yet: the first PIN becomes the number's PIN.
    assert register(coex, token, "482913").json() == {"success": True}
    mismatch = register(coex, token, "111111")
    assert (mismatch.status_code, error_of(mismatch)["code"]) == (400, 133005)
    assert error_of(mismatch)["message"] == "(#133005) Two step verification PIN Mismatch"
    assert register(coex, token, "482913").json() == {"success": True}


def test_a_number_with_a_pin_refuses_guesses_then_locks(
    make_sim: Callable[..., TestClient],
) -> None:
    accounts = [
        {
            "waba_id": CLOUD_WABA,
            "phone_number_id": CLOUD_NUMBER,
            "display_phone_number": "573105550103",
            "verified_name": "Pedidos PROSUMINISTROS",
            "portfolio_id": CARLOS_PORTFOLIO,
            "business_app": False,
            "two_step_pin": "246810",
        }
    ]
    sim = make_sim(
        meta_app_id=META_APP_ID,
        meta_app_secret=META_APP_SECRET,
        simulator_smb_accounts=accounts,
    )
    token = link(sim, CLOUD_WABA)
    codes = [error_of(register(sim, token, f"10000{i}"))["code"] for i in range(6)]
    assert codes == [133005] * 5 + [133008]
    # Even the right PIN waits now; and 10 calls in 72 hours is all Meta takes.
    assert error_of(register(sim, token, "246810"))["code"] == 133008
    later = [error_of(register(sim, token, "246810"))["code"] for _ in range(4)]
    assert later == [133008] * 3 + [133016]  # the 11th call in 72 hours


def test_register_is_limited_to_ten_calls_in_72_hours(coex: TestClient) -> None:
    token = link(coex, CLOUD_WABA)
    answers = [register(coex, token, "482913") for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [400]
    assert error_of(answers[-1])["code"] == 133016
    assert error_of(answers[-1])["message"] == (
        "(#133016) Account register deregister rate limit exceeded"
    )


def test_a_waba_names_the_business_portfolio_that_owns_it(coex: TestClient) -> None:
    token = link(coex)
    owner = coex.get(
        f"/v23.0/{WABA}", params={"fields": "owner_business_info"}, headers=auth(token)
    )
    assert owner.json() == {
        "owner_business_info": {"id": CARLOS_PORTFOLIO, "name": "Carlos Ramírez - PROSUMINISTROS"},
        "id": WABA,
    }
    plain = coex.get(f"/v23.0/{WABA}", headers=auth(token)).json()
    assert set(plain) == {"id", "name", "timezone_id", "message_template_namespace"}
    unknown = coex.get(f"/v23.0/{WABA}", params={"fields": "owner"}, headers=auth(token))
    assert (
        "nonexisting field (owner) on node type (WhatsAppBusinessAccount)"
        in (error_of(unknown)["message"])
    )
    other = coex.get(
        f"/v23.0/{OTHER_WABA}", params={"fields": "owner_business_info"}, headers=auth(token)
    )
    assert error_of(other)["type"] == "GraphMethodException"
    bot = coex.get(
        "/v23.0/200000000000001", params={"fields": "owner_business_info"}, headers=auth(BOT_TOKEN)
    )
    assert bot.json()["owner_business_info"]["id"] == "300000000000001"


def test_two_wabas_of_one_portfolio_see_a_customer_under_one_user_id(coex: TestClient) -> None:
    def user_id(number: str) -> str:
        body = {"text": "Hola", "to": number, "phone_hidden": True}
        return coex.post(f"/_sim/customers/{ANDREA}/messages", json=body).json()["user_id"]

    carlos_app, carlos_cloud = user_id(NUMBER), user_id(CLOUD_NUMBER)
    assert carlos_app == carlos_cloud
    assert user_id(OTHER_NUMBER) != carlos_app
    assert user_id(BOT_NUMBER) != carlos_app


# ---- Syncing the app's contacts and history --------------------------------------------------


def test_contacts_sync_sends_signed_smb_app_state_sync(coex: TestClient, receiver) -> None:
    token = link(coex)
    receiver.reset()

    response = sync(coex, token, "smb_app_state_sync")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"messaging_product", "request_id"} and body["request_id"]
    [change] = wait_for(lambda: changes(receiver, "smb_app_state_sync"))
    raw, headers = receiver.requests[0]
    assert signature_is_valid(raw, headers[SIGNATURE_HEADER.lower()], APP_SECRET)
    assert change["entry"]["id"] == WABA
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {"display_phone_number": DISPLAY, "phone_number_id": NUMBER}
    first = value["state_sync"][0]
    assert first["type"] == "contact" and first["action"] == "add"
    assert first["contact"] == {
        "full_name": "Andrea Torres",
        "first_name": "Andrea",
        "phone_number": ANDREA,
        # Business-scoped user IDs: the contact's BSUID (the advisor's portfolio).
        "user_id": first["contact"]["user_id"],
    }
    assert first["contact"]["user_id"].startswith("CO.")
    assert first["metadata"]["timestamp"].isdigit()
    assert [s["contact"]["phone_number"] for s in value["state_sync"]] == [ANDREA, JORGE]


def test_history_sync_sends_both_directions_with_their_original_times(
    coex: TestClient, receiver
) -> None:
    token = link(coex)
    onboarded_at = coex.get("/_sim/smb").json()["accounts"][0]["onboarded_at"]
    receiver.reset()

    assert sync(coex, token, "history").status_code == 200

    found = wait_for(
        lambda: len(changes(receiver, "history")) == 2 and changes(receiver, "history")
    )
    chunks = [c["value"]["history"][0] for c in found]
    assert [c["metadata"]["phase"] for c in chunks] == [0, 1]
    assert chunks[-1]["metadata"]["progress"] == 100
    assert all(c["metadata"]["chunk_order"] == 1 for c in chunks)
    # Phase 0 (the last day): the chat with Jorge; phase 1 (days 1 to 90): Andrea's.
    [recent] = chunks[0]["threads"]
    [older] = chunks[1]["threads"]
    assert (recent["id"], older["id"]) == (JORGE, ANDREA)
    first, second = older["messages"][:2]
    assert first["from"] == ANDREA and "to" not in first
    assert first["text"]["body"].startswith("Buenas tardes")
    assert (second["from"], second["to"]) == (DISPLAY, ANDREA)
    assert second["type"] == "text" and second["history_context"]["status"] == "READ"
    assert second["id"].startswith("wamid.")
    assert all(
        int(m["timestamp"]) < onboarded_at
        for c in chunks
        for t in c["threads"]
        for m in t["messages"]
    )
    assert int(first["timestamp"]) < onboarded_at - 3 * 86400


def test_history_not_shared_is_reported_with_error_2593109(coex: TestClient, receiver) -> None:
    token = link(coex, share_history=False)
    receiver.reset()
    sync(coex, token, "history")
    [change] = wait_for(lambda: changes(receiver, "history"))
    [error] = change["value"]["history"][0]["errors"]
    assert error["code"] == 2593109
    assert error["error_data"]["details"] == "History sharing is turned off by the business"


def test_each_sync_runs_once(coex: TestClient) -> None:
    token = link(coex)
    assert sync(coex, token, "smb_app_state_sync").status_code == 200
    again = sync(coex, token, "smb_app_state_sync")
    assert again.status_code == 400
    assert error_of(again)["code"] == 2593107
    assert "maximum number of times" in error_of(again)["error_data"]["details"]
    assert sync(coex, token, "history").status_code == 200


def test_sync_is_refused_after_24_hours(coex: TestClient) -> None:
    token = link(coex)
    aged = coex.post(f"/_sim/smb/{WABA}/onboarding", json={"onboarded_seconds_ago": 24 * 3600 + 5})
    assert aged.status_code == 200
    late = sync(coex, token, "history")
    assert late.status_code == 400
    assert error_of(late)["code"] == 2593108
    assert error_of(late)["error_data"]["details"] == (
        "Synchronization request can only be made within 24 hours of onboarding"
    )


def test_bad_sync_requests(coex: TestClient) -> None:
    token = link(coex)
    assert error_of(sync(coex, token, "everything"))["code"] == 100
    bot_sync = sync(coex, BOT_TOKEN, "history", number=BOT_NUMBER)
    assert error_of(bot_sync)["code"] == 100
    assert sync(coex, "", "history").status_code == 400


def test_without_subscription_the_sync_webhooks_are_lost(coex: TestClient, receiver) -> None:
    token = exchange(coex, onboard(coex)).json()["access_token"]
    assert sync(coex, token, "smb_app_state_sync").status_code == 200
    time.sleep(0.2)
    assert changes(receiver, "smb_app_state_sync") == []
    [account] = [a for a in coex.get("/_sim/smb").json()["accounts"] if a["waba_id"] == WABA]
    assert account["syncs"]["smb_app_state_sync"]["webhooks_sent"] is False


# ---- Messaging on the linked number ---------------------------------------------------------


def text_to(wa_id: str, body: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": wa_id, "type": "text", "text": {"body": body}}


def test_customer_message_to_the_linked_number_arrives_with_its_metadata(
    coex: TestClient, receiver
) -> None:
    link(coex)
    receiver.reset()
    bot_side = coex.post(f"/_sim/customers/{ANDREA}/messages", json={"text": "hola bot"}).json()

    advisor_side = coex.post(
        f"/_sim/customers/{ANDREA}/messages", json={"text": "Hola Carlos", "to": NUMBER}
    ).json()

    assert advisor_side["delivery_statuses"] == [200] and advisor_side["webhook_sent"] is True
    [change] = [c for c in changes(receiver, "messages") if c["entry"]["id"] == WABA]
    value = change["value"]
    assert value["metadata"] == {"display_phone_number": DISPLAY, "phone_number_id": NUMBER}
    assert value["messages"][0]["text"] == {"body": "Hola Carlos"}
    # Another business portfolio: the same customer has another business-scoped user id.
    assert advisor_side["user_id"] != bot_side["user_id"]


def test_customer_message_to_an_unlinked_number_stays_in_the_app(coex: TestClient, receiver):
    result = coex.post(
        f"/_sim/customers/{ANDREA}/messages", json={"text": "Hola Carlos", "to": NUMBER}
    ).json()
    assert result["webhook_sent"] is False and result["delivery_statuses"] == []
    assert receiver.requests == []


def test_linked_number_sends_like_the_bot_with_its_business_token(
    coex: TestClient, receiver
) -> None:
    token = link(coex)
    coex.post(f"/_sim/customers/{ANDREA}/messages", json={"text": "Hola", "to": NUMBER})

    refused = coex.post(
        f"/v23.0/{NUMBER}/messages", json=text_to(ANDREA, "x"), headers=auth(BOT_TOKEN)
    )
    assert (refused.status_code, error_of(refused)["code"]) == (401, 190)
    sent = coex.post(
        f"/v23.0/{NUMBER}/messages", json=text_to(ANDREA, "Con gusto"), headers=auth(token)
    )

    assert sent.status_code == 200
    wamid = sent.json()["messages"][0]["id"]
    statuses = wait_for(lambda: len(receiver.statuses(wamid)) == 2 and receiver.statuses(wamid))
    assert [s["status"] for s in statuses] == ["sent", "delivered"]
    status_changes = [
        c["value"]
        for c in changes(receiver, "messages")
        if any(s["id"] == wamid for s in c["value"].get("statuses", []))
    ]
    assert {v["metadata"]["phone_number_id"] for v in status_changes} == {NUMBER}
    inbox = coex.get(f"/_sim/customers/{ANDREA}/inbox").json()["messages"]
    assert inbox[-1]["from_phone_number_id"] == NUMBER and inbox[-1]["text"] == "Con gusto"


def test_linked_number_is_capped_at_its_messages_per_second(
    make_sim: Callable[..., TestClient],
) -> None:
    sim = make_sim(
        meta_app_id=META_APP_ID, meta_app_secret=META_APP_SECRET, simulator_coexistence_mps=3
    )
    token = link(sim)
    sim.post(f"/_sim/customers/{ANDREA}/messages", json={"text": "Hola", "to": NUMBER})
    answers = [
        sim.post(f"/v23.0/{NUMBER}/messages", json=text_to(ANDREA, f"m{i}"), headers=auth(token))
        for i in range(4)
    ]
    assert [a.status_code for a in answers] == [200, 200, 200, 400]
    assert error_of(answers[-1])["code"] == 130429


def test_coexistence_cap_is_twenty_per_second_by_default() -> None:
    numbers: dict[str, dict[str, str]] = {}
    registry = SmbRegistry(SimulatorSettings(_env_file=None), numbers)
    assert all(registry.take_send_slot(NUMBER, now=100.0 + i * 0.01) for i in range(20))
    assert not registry.take_send_slot(NUMBER, now=100.5)
    assert registry.take_send_slot(NUMBER, now=101.0)


# ---- The advisor's side: the WhatsApp Business app -------------------------------------------


def test_advisor_writing_from_the_app_is_an_smb_message_echo(coex: TestClient, receiver) -> None:
    link(coex)
    receiver.reset()

    result = coex.post(
        f"/_sim/numbers/{NUMBER}/echo", json={"to": JORGE, "text": "Jorge, ya salió su pedido"}
    ).json()

    assert result["delivery_statuses"] == [200]
    [change] = changes(receiver, "smb_message_echoes")
    assert change["entry"]["id"] == WABA
    value = change["value"]
    assert value["messaging_product"] == "whatsapp"
    assert value["metadata"] == {"display_phone_number": DISPLAY, "phone_number_id": NUMBER}
    [echo] = value["message_echoes"]
    # Business-scoped user IDs: `to_user_id` beside `to`.
    assert set(echo) == {"from", "to", "to_user_id", "id", "timestamp", "type", "text"}
    assert (echo["from"], echo["to"], echo["id"]) == (DISPLAY, JORGE, result["wamid"])
    assert echo["text"] == {"body": "Jorge, ya salió su pedido"}


def test_advisor_disconnecting_sends_partner_removed_and_revokes_the_token(
    coex: TestClient, receiver
) -> None:
    token = link(coex)
    receiver.reset()

    result = coex.post(f"/_sim/smb/{WABA}/disconnect")

    assert result.status_code == 200 and result.json()["delivery_statuses"] == [200]
    [change] = changes(receiver, "account_update")
    assert change["entry"]["id"] == WABA and isinstance(change["entry"]["time"], int)
    assert change["value"] == {
        "phone_number": DISPLAY,
        "event": "PARTNER_REMOVED",
        "disconnection_info": {"reason": "ACCOUNT_DISCONNECTED", "initiated_by": "USER"},
    }
    send = coex.post(f"/v23.0/{NUMBER}/messages", json=text_to(ANDREA, "x"), headers=auth(token))
    assert (send.status_code, error_of(send)["code"], error_of(send)["error_subcode"]) == (
        401,
        190,
        458,
    )
    read = coex.get(f"/v23.0/{WABA}/phone_numbers", headers=auth(token))
    assert error_of(read)["code"] == 190
    [account] = [a for a in coex.get("/_sim/smb").json()["accounts"] if a["waba_id"] == WABA]
    assert account["status"] == "disconnected" and account["token_issued"] is False
    assert coex.post(f"/_sim/smb/{WABA}/disconnect").status_code == 409

    # Linking again starts over: a new onboarding, the syncs allowed again.
    token = link(coex)
    assert sync(coex, token, "smb_app_state_sync").status_code == 200


def test_control_api_lists_accounts_and_reset_forgets_them(coex: TestClient) -> None:
    accounts = coex.get("/_sim/smb").json()["accounts"]
    assert [a["waba_id"] for a in accounts] == [WABA, OTHER_WABA, CLOUD_WABA]
    assert accounts[0]["status"] == "available" and accounts[0]["onboarded_at"] is None
    token = link(coex)
    sync(coex, token, "history")
    account = coex.get("/_sim/smb").json()["accounts"][0]
    assert account["status"] == "onboarded" and account["subscribed"] is True
    assert account["synced"] == ["history"] and account["onboarded_at"] <= time.time()

    coex.delete("/_sim/state")

    account = coex.get("/_sim/smb").json()["accounts"][0]
    assert (account["status"], account["synced"], account["token_issued"]) == (
        "available",
        [],
        False,
    )
    assert error_of(coex.get(f"/v23.0/{WABA}/phone_numbers", headers=auth(token)))["code"] == 190
    assert coex.post("/_sim/smb/999/onboard").status_code == 404


def test_accounts_can_be_configured_as_json(
    make_sim: Callable[..., TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    accounts = [
        {
            "waba_id": "211",
            "phone_number_id": "111",
            "display_phone_number": "573009990000",
            "verified_name": "Asesora de prueba",
            "portfolio_id": "311",
            "contacts": [{"wa_id": "573001112233", "full_name": "Cliente Uno"}],
        }
    ]
    monkeypatch.setenv("SIMULATOR_SMB_ACCOUNTS", json.dumps(accounts))
    settings = SimulatorSettings(_env_file=None)
    assert settings.simulator_smb_accounts[0].verified_name == "Asesora de prueba"
    sim = make_sim(simulator_smb_accounts=settings.simulator_smb_accounts)
    [account] = sim.get("/_sim/smb").json()["accounts"]
    assert account["contacts"] == [{"wa_id": "573001112233", "full_name": "Cliente Uno"}]


# ---- The dialog's server side (the browser side: test_embedded_signup_browser.py) -----------


# Meta's snippet on the Coexistence page ("Step 2: Customize Embedded Signup"), verbatim: no
# `version`; v4 comes from the Facebook Login for Business configuration (Versions page).
METAS_COEXISTENCE_EXTRAS = {
    "setup": {},
    "featureType": "whatsapp_business_app_onboarding",
    "sessionInfoVersion": "3",
}


def dialog_params(**overrides: Any) -> dict[str, str]:
    extras = METAS_COEXISTENCE_EXTRAS
    params = {
        "session_id": "session0001",
        "app_id": META_APP_ID,
        "config_id": CONFIG_ID,
        "response_type": "code",
        "override_default_response_type": "true",
        "extras": json.dumps(overrides.pop("extras", extras)),
        "origin": "http://127.0.0.1:8000",
    }
    return {**params, **overrides}


def test_dialog_checks_the_login_options_like_meta(coex: TestClient) -> None:
    cases = {
        "a": {"app_id": "1"},
        "b": {"config_id": "2"},
        "c": {"response_type": "token"},
        "d": {"override_default_response_type": "false"},
        "e": {"extras": {"setup": {}, "featureType": "coexistence"}},
        "f": {"extras": {"featureType": "whatsapp_business_app_onboarding", "version": "v3"}},
        "g": {"extras": {"setup": {}, "sessionInfoVersion": "2"}},
        "h": {"extras": None},
    }
    for suffix, override in cases.items():
        session_id = f"badsession{suffix}"
        params = dialog_params(session_id=session_id, **override)
        page = coex.get("/_sim/embedded-signup", params=params)
        assert page.status_code == 200
        session = coex.get(f"/_sim/embedded-signup/sessions/{session_id}").json()
        assert session["status"] == "invalid" and session["invalid_reason"], override


def test_dialog_opens_with_metas_documented_launch_options(coex: TestClient) -> None:
    launches = {
        "coexist01": METAS_COEXISTENCE_EXTRAS,
        "builder01": {"version": "v4", "featureType": "whatsapp_business_app_onboarding"},
        "emptyv401": {},  # Versions page: "The extras object is purposely empty for v4."
        "implem001": {"setup": {}},  # Implementation page's launch method
    }
    for session_id, extras in launches.items():
        coex.get(
            "/_sim/embedded-signup", params=dialog_params(session_id=session_id, extras=extras)
        )
        session = coex.get(f"/_sim/embedded-signup/sessions/{session_id}").json()
        assert session["status"] == "open", (extras, session["invalid_reason"])


def test_the_default_flow_links_a_number_for_the_api_with_a_plain_finish(coex: TestClient):
    coex.get(
        "/_sim/embedded-signup",
        params=dialog_params(session_id="default001", extras={"setup": {}}),
    )
    session = coex.get("/_sim/embedded-signup/sessions/default001").json()
    # Without featureType the window offers no WhatsApp Business app account.
    assert [a["waba_id"] for a in session["accounts"]] == [CLOUD_WABA]
    app_account = coex.post(
        "/_sim/embedded-signup/sessions/default001/finish", json={"waba_id": WABA}
    )
    assert app_account.status_code == 404

    finished = coex.post(
        "/_sim/embedded-signup/sessions/default001/finish", json={"waba_id": CLOUD_WABA}
    ).json()
    assert finished["event"] == {
        "data": {
            "phone_number_id": CLOUD_NUMBER,
            "waba_id": CLOUD_WABA,
            "business_id": CARLOS_PORTFOLIO,
        },
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH",
    }


def test_dialog_finish_cancel_and_error_events(coex: TestClient) -> None:
    coex.get("/_sim/embedded-signup", params=dialog_params(session_id="finish0001"))
    session = coex.get("/_sim/embedded-signup/sessions/finish0001")
    assert session.headers["access-control-allow-origin"] == "*"
    assert session.json()["status"] == "open"
    assert [a["waba_id"] for a in session.json()["accounts"]] == [WABA, OTHER_WABA, CLOUD_WABA]

    finished = coex.post(
        "/_sim/embedded-signup/sessions/finish0001/finish", json={"waba_id": WABA}
    ).json()
    assert finished["target_origin"] == "http://127.0.0.1:8000"
    assert finished["event"] == {
        "data": {"waba_id": WABA},
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
        "version": 3,
    }
    outcome = coex.get("/_sim/embedded-signup/sessions/finish0001").json()
    assert outcome["status"] == "connected"
    assert exchange(coex, outcome["code"]).status_code == 200
    assert coex.post("/_sim/embedded-signup/sessions/finish0001/cancel").status_code == 409

    coex.get("/_sim/embedded-signup", params=dialog_params(session_id="cancel0001"))
    cancelled = coex.post("/_sim/embedded-signup/sessions/cancel0001/cancel").json()["event"]
    assert cancelled == {
        "data": {"current_step": "WHATSAPP_BUSINESS_APP_ONBOARDING"},
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "CANCEL",
    }
    assert coex.get("/_sim/embedded-signup/sessions/cancel0001").json()["code"] is None

    coex.get("/_sim/embedded-signup", params=dialog_params(session_id="error00001"))
    failed = coex.post("/_sim/embedded-signup/sessions/error00001/error").json()["event"]
    assert (failed["type"], failed["event"]) == ("WA_EMBEDDED_SIGNUP", "CANCEL")
    # Meta's Implementation page (v4) names the field error_code.
    assert set(failed["data"]) == {"error_message", "error_code", "session_id", "timestamp"}


def test_error_event_name_is_configurable(make_sim: Callable[..., TestClient]) -> None:
    sim = make_sim(
        meta_app_id=META_APP_ID,
        meta_es_config_id=CONFIG_ID,
        simulator_es_error_event="ERROR",
    )
    sim.get("/_sim/embedded-signup", params=dialog_params(session_id="error00002"))
    failed = sim.post("/_sim/embedded-signup/sessions/error00002/error").json()["event"]
    assert failed["event"] == "ERROR"


def test_sdk_is_served_for_cross_origin_pages(coex: TestClient) -> None:
    sdk = coex.get("/sdk.js")
    assert sdk.status_code == 200
    assert sdk.headers["content-type"].startswith("application/javascript")
    assert sdk.headers["access-control-allow-origin"] == "*"
    assert "FB.login" in sdk.text or "login: login" in sdk.text


def test_phone_page_config_lists_the_business_numbers(coex: TestClient) -> None:
    numbers = coex.get("/_sim/config").json()["business_numbers"]
    assert [n["phone_number_id"] for n in numbers] == [
        BOT_NUMBER,
        NUMBER,
        OTHER_NUMBER,
        CLOUD_NUMBER,
    ]
    assert [n["linked"] for n in numbers] == [True, False, False, False]
