"""Escenario 8: the wa.me link is offered with Plantilla K and sent by the platform on "sí"."""

from actions import hyperlink
from actions.hyperlink import ActionHyperlinkDeclined, ActionOfferHyperlink, ActionSendHyperlink
from tests.actions.fake_platform import platform_for, responses, run, tracker

BEST = {"id": 5, "name": "Carlos Ruiz"}


def test_a_clear_advisor_in_the_words_is_offered_with_the_meta_warning(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    platform.match = {"unambiguous": True, "best": BEST, "candidates": []}
    events, messages = run(ActionOfferHyperlink(), tracker("el numero de carlos"))
    assert platform.calls() == ["GET /api/advisors/match"]
    assert platform.requests[0].url.params["q"] == "el numero de carlos"
    assert responses(messages) == ["utter_meta_limitation", "utter_confirm_hyperlink"]
    assert messages[1]["advisor_name"] == "Carlos Ruiz"
    assert events == {
        "active_loop": None,
        "requested_slot": None,
        "hyperlink_pending": True,
        "hyperlink_advisor_id": "5",
        "hyperlink_advisor_name": "Carlos Ruiz",
    }


def test_the_advisor_already_known_is_offered_when_the_words_name_nobody(monkeypatch) -> None:
    platform_for(monkeypatch, hyperlink)
    events, messages = run(
        ActionOfferHyperlink(), tracker("me pasas su numero", advisor_id="2", advisor_name="Ana")
    )
    assert messages[1]["advisor_name"] == "Ana"
    assert events["hyperlink_advisor_id"] == "2"


def test_without_an_advisor_the_customer_is_asked_which_one(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    platform.down = True
    events, messages = run(ActionOfferHyperlink(), tracker("dame el whatsapp del asesor"))
    assert responses(messages) == ["utter_which_advisor_for_link"]
    assert events == {"active_loop": None, "requested_slot": None, "hyperlink_pending": False}


def test_two_advisors_that_fit_equally_are_offered_to_choose_from(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    platform.match = {
        "unambiguous": False,
        "best": None,
        "candidates": [
            {"advisor": {"id": 3, "name": "Andrés Felipe Rojas"}, "score": 0.8},
            {"advisor": {"id": 7, "name": "Andrés Gómez"}, "score": 0.8},
        ],
    }
    events, messages = run(ActionOfferHyperlink(), tracker("el whatsapp de andres porfa"))
    assert responses(messages) == ["utter_choose_advisor_for_link"]
    assert [b["title"] for b in messages[0]["buttons"]] == ["Andrés Felipe Rojas", "Andrés Gómez"]
    assert messages[0]["buttons"][0]["payload"] == "el número de Andrés Felipe Rojas"
    assert events == {"active_loop": None, "requested_slot": None, "hyperlink_pending": False}

    # The one they named earlier in the conversation is among them: that one is offered.
    events, messages = run(
        ActionOfferHyperlink(),
        tracker("el whatsapp de andres", advisor_id="7", advisor_name="Andrés Gómez"),
    )
    assert responses(messages) == ["utter_meta_limitation", "utter_confirm_hyperlink"]
    assert events["hyperlink_advisor_id"] == "7"


def asked_for(slot: str, text: str):
    asking = tracker(text, intent="ask_advisor_phone", requested_slot=slot)
    asking.active_loop = {"name": "service_form"}
    return asking


def test_a_bare_name_given_when_asked_for_the_name_is_the_answer_not_a_link_request(
    monkeypatch,
) -> None:
    """The model may take "Hugo Andres Mejia" for a request of advisor Andrés's number."""
    platform = platform_for(monkeypatch, hyperlink)
    events, messages = run(ActionOfferHyperlink(), asked_for("customer_name", "Hugo Andres Mejia"))
    assert platform.calls() == [] and messages == []
    assert events == {"customer_name": "Hugo Andres Mejia", "followup": "service_form"}

    events, _ = run(ActionOfferHyperlink(), asked_for("advisor", "Andrés Felipe Rojas"))
    assert events == {"advisor": "Andrés Felipe Rojas", "followup": "service_form"}


def test_asking_for_a_number_in_the_middle_of_the_questions_is_still_a_link_request(
    monkeypatch,
) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    platform.match = {"unambiguous": True, "best": BEST, "candidates": []}
    events, messages = run(
        ActionOfferHyperlink(), asked_for("customer_name", "el whatsapp de Carlos Ruiz")
    )
    assert responses(messages) == ["utter_meta_limitation", "utter_confirm_hyperlink"]
    assert events["active_loop"] is None and events["hyperlink_pending"] is True


def test_yes_sends_the_link_through_the_platform_with_traceability_confirmed(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    events, messages = run(ActionSendHyperlink(), tracker("sí", hyperlink_advisor_id="5"))
    assert platform.body("POST /api/conversations/12/hyperlink") == {
        "advisor_id": 5,
        "traceability_loss_confirmed": True,
    }
    assert messages == []
    assert events == {"hyperlink_pending": False}


def test_a_link_the_platform_refuses_tells_the_customer(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    platform.fail["POST /api/conversations/12/hyperlink"] = 502
    events, messages = run(ActionSendHyperlink(), tracker("sí", hyperlink_advisor_id="5"))
    assert responses(messages) == ["utter_hyperlink_failed"]
    assert events == {"hyperlink_pending": False}


def test_no_advisor_to_link_fails_without_calling_the_platform(monkeypatch) -> None:
    platform = platform_for(monkeypatch, hyperlink)
    _, messages = run(ActionSendHyperlink(), tracker("sí"))
    assert platform.calls() == []
    assert responses(messages) == ["utter_hyperlink_failed"]


def test_no_is_acknowledged_and_nothing_is_sent() -> None:
    events, messages = run(ActionHyperlinkDeclined(), tracker("no"))
    assert responses(messages) == ["utter_hyperlink_declined"]
    assert events == {"hyperlink_pending": False}
