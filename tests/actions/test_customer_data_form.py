"""The form's validation, without a server: what the customer reads and which slots are set."""

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.forms import ValidateCustomerDataForm

DOMAIN = {
    "forms": {"customer_data_form": {"required_slots": ["customer_name", "customer_id_number"]}}
}


def tracker_for(slot: str, text: str) -> Tracker:
    return Tracker.from_dict(
        {
            "sender_id": "conversation-1",
            "slots": {"requested_slot": slot, slot: text},
            "latest_message": {"text": text, "intent": {"name": "inform"}, "entities": []},
            "events": [],
            "active_loop": {"name": "customer_data_form"},
            "latest_action_name": "action_listen",
        }
    )


def test_a_name_is_stored_in_title_case() -> None:
    dispatcher = CollectingDispatcher()
    slots = ValidateCustomerDataForm().validate_customer_name(
        "juan perez", dispatcher, tracker_for("customer_name", "juan perez"), DOMAIN
    )
    assert slots == {"customer_name": "Juan Perez"}
    assert dispatcher.messages == []


def test_digits_for_a_name_get_a_helpful_reask() -> None:
    dispatcher = CollectingDispatcher()
    slots = ValidateCustomerDataForm().validate_customer_name(
        "5", dispatcher, tracker_for("customer_name", "5"), DOMAIN
    )
    assert slots == {"customer_name": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_customer_name"]


def test_a_nit_sets_number_and_type() -> None:
    dispatcher = CollectingDispatcher()
    slots = ValidateCustomerDataForm().validate_customer_id_number(
        "900123456-7", dispatcher, tracker_for("customer_id_number", "900123456-7"), DOMAIN
    )
    assert slots == {"customer_id_number": "900123456-7", "customer_id_type": "NIT"}


def test_an_impossible_id_is_asked_again() -> None:
    dispatcher = CollectingDispatcher()
    slots = ValidateCustomerDataForm().validate_customer_id_number(
        "12ab", dispatcher, tracker_for("customer_id_number", "12ab"), DOMAIN
    )
    assert slots == {"customer_id_number": None}
    assert [m["response"] for m in dispatcher.messages] == ["utter_invalid_customer_id_number"]
