"""Questions whose wording depends on the conversation so far."""

from actions.asking import ActionAskAdvisor, ActionAskMenuOption, ActionAskNeedText
from tests.actions.fake_platform import responses, run, tracker


def test_a_file_with_no_words_is_asked_what_it_is_for() -> None:
    assert responses(run(ActionAskNeedText(), tracker(attachment_first=True))[1]) == [
        "utter_what_with_file"
    ]


def test_otherwise_the_need_is_asked_with_plantilla_b2() -> None:
    assert responses(run(ActionAskNeedText(), tracker())[1]) == ["utter_ask_need_text"]


def test_an_order_asks_which_advisor_took_it() -> None:
    events, messages = run(ActionAskAdvisor(), tracker(request_group="order"))
    assert events == {} and responses(messages) == ["utter_ask_advisor_order"]


def test_other_requests_ask_who_served_them() -> None:
    assert responses(run(ActionAskAdvisor(), tracker(request_group="other"))[1]) == [
        "utter_ask_advisor_other"
    ]


def test_several_advisors_of_that_name_are_offered_as_buttons_plus_none() -> None:
    long_name = "María Fernanda Rodríguez Castañeda"
    _, messages = run(ActionAskAdvisor(), tracker(advisor_candidates=["Ana Pérez", long_name]))
    assert responses(messages) == ["utter_choose_advisor"]
    assert messages[0]["buttons"] == [
        {"title": "Ana Pérez", "payload": "Ana Pérez"},
        {"title": long_name[:24], "payload": long_name},
        {"title": "Ninguno de ellos", "payload": "no sé"},
    ]


def test_a_voice_note_or_a_video_with_no_words_is_asked_about_in_its_own_words() -> None:
    def asked(kind: str) -> list:
        return responses(
            run(ActionAskNeedText(), tracker(attachment_first=True, attachment_kind=kind))[1]
        )

    assert asked("audio") == ["utter_what_with_audio"]
    assert asked("video") == ["utter_what_with_video"]
    assert asked("document") == ["utter_what_with_file"]


def test_a_known_customers_visit_opens_with_the_initial_menu_once() -> None:
    events, messages = run(ActionAskMenuOption(), tracker(known_customer=True))
    assert responses(messages) == ["utter_initial_menu"]
    assert events == {"initial_menu_sent": True}
    # Asked again after a hint: the menu without a second greeting (Plantilla A 4).
    again = run(ActionAskMenuOption(), tracker(known_customer=True, initial_menu_sent=True))
    assert responses(again[1]) == ["utter_ask_menu_option"]


def test_a_new_customer_reaches_the_menu_as_plantilla_a4() -> None:
    events, messages = run(ActionAskMenuOption(), tracker())
    assert events == {} and responses(messages) == ["utter_ask_menu_option"]
