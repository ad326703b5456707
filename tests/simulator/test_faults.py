"""Faults armed through /_sim/faults make the next send calls fail as Meta's do: 5xx with a
Graph error body, throughput limits (130429) and calls that hang until the client gives up."""

import time

import httpx
import pytest

from simulator.app import create_app
from tests.simulator.conftest import (
    BOT_TOKEN,
    GRAPH_URL,
    customer_writes,
    serve,
    settings_for,
    stop,
    text,
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
