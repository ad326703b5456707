"""Starting a request (greeting, who the customer is, what their first words say) and closing it
with a case in the platform and the story's confirmation."""

from actions import requests
from actions.requests import ActionOpenCase, ActionRegisterIncomplete, ActionStartRequest
from tests.actions.fake_platform import platform_for, responses, run, tracker

KNOWN = {"id": 7, "name": "Ana Pérez", "id_number": "52123456", "id_type": "CC"}


# --- starting a request -------------------------------------------------------------------


def test_first_hello_from_a_known_number_recognises_the_customer_before_the_menu(
    monkeypatch,
) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.contact = dict(KNOWN)
    events, messages = run(ActionStartRequest(), tracker("hola", intent="greet"))
    assert platform.calls() == ["GET /api/conversations/12"]
    # Plantilla B 1; the initial menu, which greets, is the form's first question.
    assert responses(messages) == ["utter_known_customer"]
    assert events["greeted"] is True and events["known_customer"] is True
    assert (events["customer_name"], events["customer_id_number"]) == ("Ana Pérez", "52123456")
    assert events["customer_id_type"] == "CC"


def test_a_new_number_is_greeted_and_only_its_name_kept(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.contact["name"] = "Ana"
    events, messages = run(ActionStartRequest(), tracker("hola", intent="greet"))
    assert responses(messages) == ["utter_greet"]
    assert events["customer_name"] == "Ana"
    assert "customer_id_number" not in events and "known_customer" not in events


def test_the_greeting_goes_on_when_the_platform_is_down(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.down = True
    events, messages = run(ActionStartRequest(), tracker("hola", intent="greet"))
    assert responses(messages) == ["utter_greet"]
    assert events["greeted"] is True and "customer_name" not in events


def test_a_greeted_customer_is_not_greeted_or_looked_up_again(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    events, messages = run(ActionStartRequest(), tracker("hola", intent="greet", greeted=True))
    assert platform.calls() == [] and messages == []
    assert events["request_type"] is None and events["topic_notes"] is None


def test_a_menu_number_chooses_the_option(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    events, _ = run(ActionStartRequest(), tracker("2", intent="choose_option", greeted=True))
    assert (events["menu_option"], events["request_group"]) == ("2", "order")
    assert events["request_type"] == "pedido"


def test_a_file_first_is_remembered(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    events, _ = run(ActionStartRequest(), tracker("", intent="share_attachment", greeted=True))
    assert events["attachment_first"] is True


def test_a_need_in_the_first_words_is_classified_and_kept(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    text = "el equipo no enciende"
    events, _ = run(ActionStartRequest(), tracker(text, intent="request_support", greeted=True))
    assert (events["request_type"], events["request_group"]) == ("soporte", "other")
    assert events["from_free_text"] is True and events["topic_notes"] == text


def test_long_unordered_first_words_ask_for_one_sentence(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    text = (
        "buenas les cuento que hace tiempo compre unos equipos y luego hubo un tema con "
        "el envio y despues otra cosa con el tecnico que fue, en fin son varias cosas"
    )
    events, _ = run(ActionStartRequest(), tracker(text, intent="nlu_fallback", greeted=True))
    assert events["needs_summary"] is True and events["topic_notes"] == text


# --- closing it with a case ---------------------------------------------------------------


def test_a_case_is_opened_once_per_completing_message_and_confirmed(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    slots = {"request_type": "soporte", "request_group": "other", "advisor_id": "3"}
    slots |= {"topic_notes": "no prende", "process": "no prende"}
    events, messages = run(ActionOpenCase(), tracker("listo", message_id="wamid.A", **slots))
    request = platform.requests[0]
    assert platform.calls() == ["POST /api/cases"]
    assert request.headers["Idempotency-Key"] == "case:12:wamid.A"
    assert platform.body("POST /api/cases") == {
        "conversation_id": 12,
        "type": "soporte",
        "description": "Lo que escribió el cliente: no prende",
        "advisor_id": 3,
        "status": "abierto",
        "subject": "no prende",
    }
    assert responses(messages) == ["utter_advisor_notified", "utter_case_confirmed"]
    assert messages[1]["case_number"] == "CASO-000042"
    assert events == {"case_number": "CASO-000042"}


def test_the_confirmation_follows_the_story(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    order = {"request_type": "pedido", "request_group": "order", "advisor_name": "Laura"}
    _, said = run(ActionOpenCase(), tracker(advisor_id="4", **order))
    assert responses(said) == ["utter_advisor_notified", "utter_case_confirmed"]
    # The name of whom the platform notified, not the customer's spelling of it.
    assert said[0]["advisor_name"] == "Laura Gómez"
    _, said = run(ActionOpenCase(), tracker(request_group="quote", known_customer=True))
    assert responses(said) == ["utter_case_confirmed_known"]
    _, said = run(ActionOpenCase(), tracker(request_group="quote"))
    assert responses(said) == ["utter_quote_registered"]
    _, said = run(ActionOpenCase(), tracker(request_group="other", from_free_text=True))
    assert responses(said) == ["utter_case_registered"]


def test_a_duplicate_case_is_reported_as_such(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.duplicate = True
    events, messages = run(ActionOpenCase(), tracker(request_type="soporte"))
    assert responses(messages) == ["utter_duplicate_case", "utter_duplicate_more_details"]
    assert events == {"case_number": "CASO-000042", "continuing_case": True}


def test_a_case_the_platform_refuses_tells_the_customer(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.fail["POST /api/cases"] = 500
    events, messages = run(ActionOpenCase(), tracker(request_type="soporte"))
    assert responses(messages) == ["utter_case_failed"] and events == {}


def test_no_conversation_no_case(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    events, messages = run(ActionOpenCase(), tracker(sender_id="rasa-shell"))
    assert platform.calls() == [] and events == {}
    assert responses(messages) == ["utter_case_failed"]


def test_a_request_left_half_way_is_registered_as_incomplete(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    slots = {"request_type": "financiero", "topic_notes": "la factura"}
    events, messages = run(ActionRegisterIncomplete(), tracker(**slots))
    assert platform.requests[0].headers["Idempotency-Key"] == "incomplete:12"
    body = platform.body("POST /api/cases")
    assert (body["status"], body["type"], body["advisor_id"]) == ("incompleto", "financiero", None)
    assert body["description"] == (
        "Lo que escribió el cliente: la factura\n(El cliente dejó de responder.)"
    )
    assert messages == [] and events == {"case_number": "CASO-000042"}


def test_a_customer_silent_at_the_id_question_is_registered_with_their_name(
    monkeypatch,
) -> None:
    platform = platform_for(monkeypatch, requests)
    slots = {"customer_name": "Juan Pérez", "requested_slot": "customer_id_number"}
    events, said = run(ActionRegisterIncomplete(), tracker("Juan Pérez", **slots))
    assert platform.calls() == [
        "GET /api/conversations/12",
        "PATCH /api/contacts/7",
        "POST /api/cases",
    ]
    assert platform.body("PATCH /api/contacts/7") == {"name": "Juan Pérez"}
    body = platform.body("POST /api/cases")
    assert (body["type"], body["status"]) == ("sin_clasificar", "incompleto")
    assert body["description"] == (
        "Nombre: Juan Pérez\n"
        "Se quedó en la pregunta: su número de identificación.\n"
        "(El cliente dejó de responder.)"
    )
    assert events == {"case_number": "CASO-000042"} and said == []


def test_the_incomplete_record_is_made_even_if_the_name_cannot_be_saved(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.fail["PATCH /api/contacts/7"] = 500
    slots = {"customer_name": "Juan Pérez", "requested_slot": "customer_id_number"}
    events, _ = run(ActionRegisterIncomplete(), tracker("Juan Pérez", **slots))
    assert platform.calls()[-1] == "POST /api/cases"
    assert events == {"case_number": "CASO-000042"}


def test_a_customer_silent_after_hello_still_leaves_an_incomplete_record(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    run(ActionRegisterIncomplete(), tracker("hola", intent="greet", requested_slot="customer_name"))
    assert platform.calls() == ["POST /api/cases"]
    body = platform.body("POST /api/cases")
    assert body["type"] == "sin_clasificar"
    assert body["description"] == (
        "Se quedó en la pregunta: su nombre completo.\n(El cliente dejó de responder.)"
    )


def test_a_quote_left_at_its_kind_is_registered_with_its_product(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    slots = {
        "customer_name": "Ana Pérez",
        "customer_id_number": "52123456",
        "customer_id_type": "CC",
        "request_group": "quote",
        "product": "10 portátiles lenovo",
        "requested_slot": "quote_kind",
    }
    run(ActionRegisterIncomplete(), tracker(**slots))
    assert platform.calls() == ["POST /api/cases"]  # name and ID were saved when given
    body = platform.body("POST /api/cases")
    assert (body["type"], body["subject"]) == ("cotizacion", "10 portátiles lenovo")
    assert body["description"].splitlines() == [
        "Nombre: Ana Pérez",
        "Identificación: CC 52123456",
        "Producto: 10 portátiles lenovo",
        "Se quedó en la pregunta: si desea cotización formal o información general.",
        "(El cliente dejó de responder.)",
    ]


def test_an_incomplete_case_the_platform_refuses_is_only_logged(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.fail["POST /api/cases"] = 503
    assert run(ActionRegisterIncomplete(), tracker(request_type="soporte")) == ({}, [])


def test_a_known_customer_whose_first_words_say_the_need_is_greeted_without_the_menu(
    monkeypatch,
) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.contact = dict(KNOWN)
    events, messages = run(
        ActionStartRequest(), tracker("mi portátil no prende", intent="report_incident")
    )
    assert responses(messages) == ["utter_greet", "utter_known_customer"]
    assert events["request_group"] == "other" and events["known_customer"] is True


def test_a_voice_note_first_is_remembered_as_audio(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    state = tracker("/share_attachment", intent="share_attachment", greeted=True)
    state.latest_message["metadata"] = {"message_type": "audio", "wamid": "wamid.1"}
    events, _ = run(ActionStartRequest(), state)
    assert (events["attachment_first"], events["attachment_kind"]) == (True, "audio")


def test_a_sender_that_is_no_platform_conversation_is_refused_clearly(monkeypatch) -> None:
    # `rasa shell` names its sender with a random hex id.
    platform = platform_for(monkeypatch, requests)
    events, messages = run(
        ActionStartRequest(), tracker("hola", intent="greet", sender_id="4f2a9c0d1e")
    )
    assert responses(messages) == ["utter_not_a_platform_conversation"]
    assert messages[0]["sender_id"] == "4f2a9c0d1e"
    assert events == {"followup": "action_listen"} and platform.calls() == []


# --- the confirmation says who was truly told ---------------------------------------------

COMMERCIAL_TURN = {
    "outcome": "advisor",
    "area": "comercial",
    "rule": "round_robin",
    "advisor": {"id": 9, "name": "Paola Ríos", "area": "comercial"},
    "notified": [{"id": 9, "name": "Paola Ríos", "area": "comercial"}],
}
SUPPORT_TURN = {
    "outcome": "advisor",
    "area": "soporte",
    "rule": "round_robin",
    "advisor": {"id": 5, "name": "Jorge Herrera", "area": "soporte"},
    "notified": [{"id": 5, "name": "Jorge Herrera", "area": "soporte"}],
}
ADMINS_TOLD = {
    "outcome": "admins",
    "area": "soporte",
    "rule": None,
    "advisor": None,
    "notified": [{"id": 1, "name": "Laura Martínez", "area": "comercial"}],
}
NOBODY_TOLD = {
    "outcome": "nobody",
    "area": "documental",
    "rule": None,
    "advisor": None,
    "notified": [],
}
UNNAMED_SUPPORT = {
    "request_type": "soporte",
    "request_group": "other",
    "process": "no prende",
    "advisor": "pepito",
}


def test_a_quote_an_advisor_of_comercial_took_gets_plantilla_d(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.routing = COMMERCIAL_TURN
    quote = {"request_type": "cotizacion", "request_group": "quote", "product": "portátiles"}
    _, said = run(ActionOpenCase(), tracker(**quote))
    assert platform.body("POST /api/cases")["advisor_id"] is None
    assert responses(said) == ["utter_quote_registered"]
    assert said[0]["case_number"] == "CASO-000042"


def test_an_advisor_not_identified_the_area_is_said_only_once_its_advisor_was_told(
    monkeypatch,
) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.routing = SUPPORT_TURN
    _, said = run(ActionOpenCase(), tracker(**UNNAMED_SUPPORT))
    assert responses(said) == ["utter_advisor_routed_to_area", "utter_case_confirmed"]
    assert said[0]["area_label"] == "de soporte técnico"


def test_an_area_with_nobody_on_duty_is_not_said_to_have_the_request(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.routing = ADMINS_TOLD
    _, said = run(ActionOpenCase(), tracker(**UNNAMED_SUPPORT))
    assert responses(said) == ["utter_advisor_unknown_team_told", "utter_case_confirmed"]


def test_a_quote_only_the_admins_heard_of_gets_plantilla_i_not_un_asesor(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.routing = {**ADMINS_TOLD, "area": "comercial"}
    _, said = run(ActionOpenCase(), tracker(request_type="cotizacion", request_group="quote"))
    assert responses(said) == ["utter_case_confirmed"]
    _, said = run(ActionOpenCase(), tracker(request_group="quote", known_customer=True))
    assert responses(said) == ["utter_case_confirmed"]


def test_when_nobody_could_be_told_the_customer_hears_it_waits(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.routing = NOBODY_TOLD
    slots = {"request_type": "documentos", "request_group": "other", "advisor_name": "Luisa"}
    _, said = run(ActionOpenCase(), tracker(**slots))
    assert responses(said) == ["utter_case_waiting"]
    assert (said[0]["case_number"], said[0]["area_label"]) == ("CASO-000042", "documental")


def test_an_answer_without_routing_never_claims_someone_was_told(monkeypatch) -> None:
    platform = platform_for(monkeypatch, requests)
    platform.routing = {}
    _, said = run(ActionOpenCase(), tracker(request_group="quote", advisor_name="Laura"))
    assert responses(said) == ["utter_case_waiting"]


def test_an_advisor_named_for_a_quote_is_said_to_be_told(monkeypatch) -> None:
    platform_for(monkeypatch, requests)
    quote = {"request_type": "cotizacion", "request_group": "quote", "advisor_id": "4"}
    _, said = run(ActionOpenCase(), tracker(**quote))
    assert responses(said) == ["utter_advisor_notified", "utter_quote_registered"]
    assert said[0]["advisor_name"] == "Laura Gómez"
