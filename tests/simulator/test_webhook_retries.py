"""Webhooks the connector does not answer 200, or cannot be reached for, are kept and retried
in the background with decreasing frequency, as Meta does; each on its own, so order across
webhooks is not guaranteed (as with Meta)."""

import json
import time

import pytest

from simulator.config import SimulatorSettings
from simulator.delivery import WebhookDispatcher
from simulator.state import Stats
from tests.simulator.conftest import (
    GRAPH_URL,
    Receiver,
    customer_writes,
    receiver_app,
    serve,
    settings_for,
    stop,
    text,
    wait_for,
)
from tests.support.processes import free_port


def stats(sim) -> dict:
    return sim.get("/_sim/stats").json()


def test_refused_message_webhook_is_retried_until_accepted(sim, receiver) -> None:
    receiver.next_status_codes = [503, 500]

    result = customer_writes(sim, "hola")

    assert result["delivery_statuses"] == [503] and result["retrying"] == 1
    assert {"wamid", "delivery_statuses", "user_id"} <= set(result)
    wait_for(lambda: receiver.answered == [503, 500, 200])
    bodies = {raw for raw, _ in receiver.requests}
    assert len(bodies) == 1, "a retry is the very same webhook"
    assert [m["id"] for m in receiver.inbound_messages()] == [result["wamid"]] * 3
    counted = wait_for(lambda: stats(sim)["webhooks_delivered"] == 1 and stats(sim))
    assert counted["webhook_retries"] == 2 and counted["webhooks_waiting_for_retry"] == 0


def test_each_duplicate_delivery_is_retried_on_its_own(sim, receiver) -> None:
    receiver.next_status_codes = [503, 503]
    result = customer_writes(sim, "hola", deliveries=2)
    assert result["delivery_statuses"] == [503, 503] and result["retrying"] == 2
    wait_for(lambda: receiver.answered.count(200) == 2)


def test_status_webhooks_are_retried_too(sim, receiver, bot_auth) -> None:
    customer_writes(sim)
    receiver.status_code = 503
    wamid = sim.post(GRAPH_URL, json=text("hola"), headers=bot_auth).json()["messages"][0]["id"]
    wait_for(lambda: len(receiver.statuses(wamid)) >= 4)  # sent, delivered, and retries
    receiver.status_code = 200

    def accepted_statuses() -> list[str]:
        return [
            json.loads(raw)["entry"][0]["changes"][0]["value"]["statuses"][0]["status"]
            for (raw, _), answer in zip(receiver.requests, receiver.answered, strict=False)
            if answer == 200 and b'"statuses"' in raw
        ]

    assert sorted(wait_for(lambda: len(accepted_statuses()) == 2 and accepted_statuses())) == [
        "delivered",
        "sent",
    ]


def test_unreachable_connector_gets_the_webhook_once_it_is_up(make_sim) -> None:
    port = free_port()
    sim = make_sim(simulator_webhook_url=f"http://127.0.0.1:{port}/webhook")

    result = customer_writes(sim, "¿hay alguien?")
    assert result["delivery_statuses"] == [0] and result["retrying"] == 1
    wait_for(lambda: stats(sim)["webhook_retries"] >= 2)

    late = Receiver(url=f"http://127.0.0.1:{port}/webhook")
    server, thread, _ = serve(receiver_app(late), port=port)
    try:
        wait_for(lambda: late.inbound_messages())
        assert late.inbound_messages()[0]["id"] == result["wamid"]
        assert wait_for(lambda: stats(sim)["webhooks_delivered"]) == 1
    finally:
        stop(server, thread)


def test_webhook_is_dropped_after_the_retry_limit(make_sim, receiver) -> None:
    sim = make_sim(simulator_webhook_retry_limit=3, simulator_webhook_retry_seconds="0.01")
    receiver.status_code = 500

    customer_writes(sim, "hola")

    dropped = wait_for(lambda: stats(sim)["webhooks_given_up"] == 1 and stats(sim))
    assert dropped["webhook_retries"] == 2 and dropped["webhooks_delivered"] == 0
    assert len(receiver.requests) == 3
    assert dropped["webhooks_waiting_for_retry"] == 0


def test_reset_cancels_pending_retries(make_sim, receiver) -> None:
    sim = make_sim(simulator_webhook_retry_seconds="0.3")
    receiver.status_code = 503
    customer_writes(sim, "hola")
    assert stats(sim)["webhooks_waiting_for_retry"] == 1

    sim.delete("/_sim/state")
    receiver.status_code = 200
    attempts = len(receiver.requests)

    assert stats(sim)["webhooks_waiting_for_retry"] == 0
    time.sleep(0.5)
    assert len(receiver.requests) == attempts


def test_retry_waits_follow_the_schedule_then_repeat_the_last() -> None:
    settings = SimulatorSettings(simulator_webhook_retry_seconds="1,2,4")
    dispatcher = WebhookDispatcher(settings, Stats())
    assert [dispatcher.delay_before(n) for n in range(2, 7)] == [1, 2, 4, 4, 4]
    default = SimulatorSettings()
    assert default.webhook_retry_delays == (1, 2, 4, 8, 16, 30, 60)
    assert default.simulator_webhook_retry_limit == 50


def test_retry_settings_are_read_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SIMULATOR_WEBHOOK_RETRY_SECONDS", "0.5, 5")
    monkeypatch.setenv("SIMULATOR_WEBHOOK_RETRY_LIMIT", "7")
    monkeypatch.setenv("SIMULATOR_APPROVED_TEMPLATES", "a:es,b:en_US")
    settings = SimulatorSettings()
    assert settings.webhook_retry_delays == (0.5, 5.0)
    assert settings.simulator_webhook_retry_limit == 7
    assert settings.approved_templates == {("a", "es"), ("b", "en_US")}


@pytest.mark.parametrize("schedule", ["", "1,-2", "uno"])
def test_bad_retry_schedule_is_refused_at_startup(receiver, schedule) -> None:
    with pytest.raises(ValueError):
        settings_for(receiver.url, simulator_webhook_retry_seconds=schedule)
