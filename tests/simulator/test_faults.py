"""Faults armed through /_sim/faults make the next send calls fail as Meta's do: 5xx with a
Graph error body, throughput limits (130429) and calls that hang until the client gives up."""

import time

import httpx
import pytest

from simulator.app import create_app
from tests.simulator.conftest import (
    BOT_TOKEN,
    CUSTOMER,
    GRAPH_URL,
    customer_writes,
    serve,
    settings_for,
    stop,
    text,
    wait_for,
)


def arm(sim, kind: str, count: int = 1, **extra) -> dict:
    response = sim.post("/_sim/faults", json={"kind": kind, "count": count, **extra})
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(
    ("kind", "http_status", "code", "message"),
    [
        ("http_500", 500, 131000, "(#131000) Something went wrong"),
        ("http_503", 503, 2, "(#2) Service temporarily unavailable"),
        ("http_429", 429, 130429, "(#130429) Rate limit hit"),
        ("rate_limit_400", 400, 130429, "(#130429) Rate limit hit"),
    ],
)
def test_fault_answers_with_metas_graph_error(
    sim, bot_auth, kind, http_status, code, message
) -> None:
    customer_writes(sim)
    arm(sim, kind)

    response = sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth)

    assert response.status_code == http_status
    error = response.json()["error"]
    assert (error["code"], error["message"], error["type"]) == (code, message, "OAuthException")
    assert error["error_data"]["messaging_product"] == "whatsapp" and error["fbtrace_id"]
    assert sim.get("/_sim/customers/573001112233/inbox").json()["messages"] == []
    assert sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth).status_code == 200


def test_count_faults_then_sends_work_again(sim, bot_auth) -> None:
    customer_writes(sim)
    arm(sim, "http_500", count=2)
    [armed] = sim.get("/_sim/faults").json()["faults"]
    assert (armed["kind"], armed["remaining"], armed["delay_seconds"]) == ("http_500", 2, 0.0)

    answers = [sim.post(GRAPH_URL, json=text(f"{i}"), headers=bot_auth) for i in range(3)]

    assert [r.status_code for r in answers] == [500, 500, 200]
    assert sim.get("/_sim/faults").json()["faults"] == []
    assert sim.get("/_sim/stats").json()["send_attempts"] == 3
    assert sim.get("/_sim/stats").json()["faults_served"] == 2


def test_faults_are_served_in_the_order_they_were_armed(sim, bot_auth) -> None:
    customer_writes(sim)
    arm(sim, "http_429")
    left = arm(sim, "http_503", count=2)["faults"]
    assert [(f["kind"], f["remaining"]) for f in left] == [("http_429", 1), ("http_503", 2)]

    codes = [sim.post(GRAPH_URL, json=text("x"), headers=bot_auth).status_code for _ in range(4)]

    assert codes == [429, 503, 503, 200]


def test_faulted_calls_are_counted_even_without_a_token(sim) -> None:
    arm(sim, "http_500")
    assert sim.post(GRAPH_URL, json=text("x")).status_code == 500
    assert sim.post(GRAPH_URL, json=text("x")).status_code == 401
    stats = sim.get("/_sim/stats").json()
    assert (stats["send_attempts"], stats["faults_served"]) == (2, 1)


def test_reset_disarms_faults(sim, bot_auth) -> None:
    customer_writes(sim)
    arm(sim, "http_500", count=5)
    sim.delete("/_sim/state")
    assert sim.get("/_sim/faults").json()["faults"] == []
    assert sim.get("/_sim/stats").json()["send_attempts"] == 0
    arm(sim, "http_500")
    assert sim.delete("/_sim/faults").json() == {"faults": []}
    customer_writes(sim)
    assert sim.post(GRAPH_URL, json=text("x"), headers=bot_auth).status_code == 200


def test_bad_fault_requests_are_422(sim) -> None:
    for body in (
        {"kind": "explode"},
        {"kind": "http_500", "count": 0},
        {"kind": "timeout", "delay_seconds": -1},
    ):
        assert sim.post("/_sim/faults", json=body).status_code == 422, body


def test_timeout_fault_makes_a_client_with_a_shorter_timeout_give_up(receiver) -> None:
    server, thread, port = serve(create_app(settings_for(receiver.url)))
    base = f"http://127.0.0.1:{port}"
    auth = {"Authorization": f"Bearer {BOT_TOKEN}"}
    try:
        httpx.post(f"{base}/_sim/customers/573001112233/messages", json={"text": "hola"})
        armed = httpx.post(
            f"{base}/_sim/faults", json={"kind": "timeout", "count": 1, "delay_seconds": 1.0}
        ).json()["faults"]
        assert [(f["kind"], f["remaining"], f["delay_seconds"]) for f in armed] == [
            ("timeout", 1, 1.0)
        ]

        started = time.monotonic()
        with pytest.raises(httpx.ReadTimeout):
            httpx.post(f"{base}{GRAPH_URL}", json=text("hola"), headers=auth, timeout=0.3)
        assert time.monotonic() - started < 0.9

        patient = httpx.post(f"{base}/_sim/faults", json={"kind": "timeout", "delay_seconds": 0.2})
        assert patient.status_code == 200
        late = httpx.post(f"{base}{GRAPH_URL}", json=text("hola"), headers=auth, timeout=5)
        assert late.status_code == 500 and late.json()["error"]["code"] == 131000
        assert httpx.post(f"{base}{GRAPH_URL}", json=text("hola"), headers=auth).status_code == 200
        stats = httpx.get(f"{base}/_sim/stats").json()
        assert (stats["send_attempts"], stats["faults_served"]) == (3, 2)
        inbox = httpx.get(f"{base}/_sim/customers/573001112233/inbox").json()["messages"]
        assert len(inbox) == 1
    finally:
        stop(server, thread)


def test_timeout_defaults_to_30_seconds(sim) -> None:
    [armed] = arm(sim, "timeout")["faults"]
    assert (armed["kind"], armed["remaining"], armed["delay_seconds"]) == ("timeout", 1, 30.0)


# ---- Meta's error codes on demand, per number or per customer ------------------------------

# code -> (HTTP status, message) as the Error codes page gives them (simulator/WEBHOOKS.md §7).
META_ANSWERS = {
    130429: (400, "(#130429) Rate limit hit"),
    131056: (400, "(#131056) (Business Account, Consumer Account) pair rate limit hit"),
    131026: (400, "(#131026) Message Undeliverable"),
    131047: (400, "(#131047) Re-engagement message"),
    131051: (400, "(#131051) Unsupported message type"),
    132000: (400, "(#132000) Template Param Count Mismatch"),
    132001: (404, "(#132001) Template does not exist"),
    132005: (400, "(#132005) Template Hydrated Text Too Long"),
    132007: (400, "(#132007) Template Format Character Policy Violated"),
    132012: (400, "(#132012) Template Parameter Format Mismatch"),
    132015: (400, "(#132015) Template is Paused"),
    132016: (400, "(#132016) Template is Disabled"),
    368: (403, "(#368) Temporarily blocked for policies violations"),
    80007: (400, "(#80007) Rate limit issues"),
    131000: (500, "(#131000) Something went wrong"),
    2: (503, "(#2) Service temporarily unavailable"),
}
OTHER = "573009990000"


def arm_code(sim, code: int, **extra) -> dict:
    response = sim.post("/_sim/faults", json={"code": code, "via": "response", **extra})
    assert response.status_code == 200, response.text
    return response.json()["fault"]


@pytest.mark.parametrize("code", META_ANSWERS)
def test_each_code_is_answered_with_metas_error_body(sim, bot_auth, code) -> None:
    customer_writes(sim)
    arm_code(sim, code)

    response = sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth)

    http_status, message = META_ANSWERS[code]
    assert response.status_code == http_status
    error = response.json()["error"]
    assert (error["code"], error["message"], error["type"]) == (code, message, "OAuthException")
    assert set(error) <= {"message", "type", "code", "error_data", "error_subcode", "fbtrace_id"}
    assert error["error_data"]["messaging_product"] == "whatsapp"
    assert error["error_data"]["details"] and error["fbtrace_id"]
    assert sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth).status_code == 200


def test_130429_has_the_subcode_of_metas_example(sim, bot_auth) -> None:
    arm_code(sim, 130429)
    error = sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth).json()["error"]
    assert error["error_subcode"] == 2494055
    assert error["error_data"]["details"] == "Cloud API message throughput has been reached."


def test_a_seeded_tenth_of_sends_is_refused_with_130429_reproducibly(make_sim, bot_auth) -> None:
    refused_runs = []
    for _ in range(2):
        sim = make_sim()
        customer_writes(sim)
        arm_code(sim, 130429, fraction=0.1, seed=7)
        answers = [sim.post(GRAPH_URL, json=text(f"{i}"), headers=bot_auth) for i in range(400)]
        refused = [i for i, a in enumerate(answers) if a.status_code == 400]
        assert all(answers[i].json()["error"]["code"] == 130429 for i in refused)
        assert 20 <= len(refused) <= 60  # about 10% of 400
        assert sim.get("/_sim/stats").json()["faults_served"] == len(refused)
        [rule] = sim.get("/_sim/faults").json()["faults"]
        assert (rule["matched"], rule["served"]) == (400, len(refused))
        refused_runs.append(refused)
    assert refused_runs[0] == refused_runs[1]


def test_a_blocked_customer_always_gets_131026_and_others_do_not(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    customer_writes(sim, wa_id=OTHER)
    sim.post("/_sim/faults", json={"code": 131026, "customer": CUSTOMER, "always": True})

    blocked = [sim.post(GRAPH_URL, json=text(f"{i}"), headers=bot_auth) for i in range(5)]
    fine = sim.post(GRAPH_URL, json=text("hola", to=OTHER), headers=bot_auth)

    # Meta accepts the send and reports 131026 in a `failed` status (its default here).
    assert all(a.status_code == 200 for a in blocked) and fine.status_code == 200
    for answer in blocked:
        wamid = answer.json()["messages"][0]["id"]
        [failed] = wait_for(lambda w=wamid: receiver.statuses(w))
        assert failed["status"] == "failed" and failed["errors"][0]["code"] == 131026
    assert sim.get(f"/_sim/customers/{CUSTOMER}/inbox").json()["messages"] == []
    assert len(sim.get(f"/_sim/customers/{OTHER}/inbox").json()["messages"]) == 1


def test_a_blocked_customer_can_be_refused_in_the_response_even_by_bsuid(sim, bot_auth) -> None:
    customer_writes(sim)
    user_id = sim.post(f"/_sim/customers/{CUSTOMER}/profile", json={}).json()["user_id"]
    arm_code(sim, 131026, customer=user_id, always=True)

    by_phone = sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth)
    by_bsuid = text("hola")
    by_bsuid.pop("to")
    by_id = sim.post(GRAPH_URL, json={**by_bsuid, "recipient": user_id}, headers=bot_auth)

    assert [r.status_code for r in (by_phone, by_id)] == [400, 400]
    assert {r.json()["error"]["code"] for r in (by_phone, by_id)} == {131026}
    assert sim.post(GRAPH_URL, json=text("hola", to=OTHER), headers=bot_auth).status_code == 200


def test_a_per_number_fault_hits_only_that_number(sim, bot_auth) -> None:
    advisor_number = "100000000000101"
    arm_code(sim, 130429, phone_number_id=advisor_number, always=True)
    customer_writes(sim)

    assert sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth).status_code == 200
    advisor = sim.post(f"/v23.0/{advisor_number}/messages", json=text("hola"), headers=bot_auth)
    assert advisor.status_code == 400 and advisor.json()["error"]["code"] == 130429


def test_next_n_sends_to_one_customer_then_it_clears(sim, bot_auth) -> None:
    customer_writes(sim)
    customer_writes(sim, wa_id=OTHER)
    fault = arm_code(sim, 131056, customer=CUSTOMER, count=2)

    other = sim.post(GRAPH_URL, json=text("hola", to=OTHER), headers=bot_auth)
    codes = [sim.post(GRAPH_URL, json=text("x"), headers=bot_auth).status_code for _ in range(3)]

    assert other.status_code == 200 and codes == [400, 400, 200]
    assert sim.get("/_sim/faults").json()["faults"] == []
    assert sim.delete(f"/_sim/faults/{fault['id']}").status_code == 404


def test_a_fault_rule_can_be_removed_by_id(sim, bot_auth) -> None:
    customer_writes(sim)
    fault = arm_code(sim, 368, always=True)
    assert sim.post(GRAPH_URL, json=text("x"), headers=bot_auth).status_code == 403
    assert sim.delete(f"/_sim/faults/{fault['id']}").json()["faults"] == []
    assert sim.post(GRAPH_URL, json=text("x"), headers=bot_auth).status_code == 200


def test_bad_rules_are_422(sim) -> None:
    for body in (
        {"code": 999},
        {"code": 130429, "count": 2, "always": True},
        {"code": 130429, "fraction": 1.5},
        {"kind": "http_500", "code": 130429},
        {"kind": "http_500", "via": "status"},
    ):
        assert sim.post("/_sim/faults", json=body).status_code == 422, body
