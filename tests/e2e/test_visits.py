"""Visits, with the real processes: a customer who comes back after their request was
registered starts a new visit and is greeted as known (Plantilla B 1 and the story's initial
menu) in the same conversation; nothing they already said is asked again; a voice note is
asked about in its own words and kept on the case."""

import subprocess
import sys

import httpx

from devstack.processes import REPO_ROOT
from devstack.stack import Stack
from tests.e2e.test_conversation_flows import (
    ASK_ADVISOR_ORDER,
    ASK_ADVISOR_OTHER,
    ASK_PRODUCT,
    ASK_QUOTE_KIND,
    INITIAL_MENU,
    KNOWN,
    Customer,
    case_number_in,
    notified,
)
from tests.e2e.test_first_contact import ASK_ID, ASK_NAME, GREETING, MENU, wait_for

WHAT_WITH_AUDIO = "Por favor indícame qué necesitas con ese audio."
MENU_BUTTONS = ["Cotización", "Estado de pedido", "Otro motivo"]


def conversations_of(stack: Stack, wa_id: str) -> list[dict]:
    return [c for c in stack.conversations() if c["contact"]["wa_id"] == wa_id]


def test_a_second_visit_greets_the_customer_as_known_with_the_initial_menu(stack: Stack) -> None:
    camila = Customer(stack, "573201120001")
    # First visit: a new customer (Flujo A), an order registered with the advisor she names.
    assert camila.texts(2, "hola") == [GREETING, ASK_NAME]
    assert camila.texts(1, "Camila Andrea Torres") == [ASK_ID]
    [menu] = camila.says(1, "1017223344")
    assert menu["text"] == MENU
    assert camila.texts(1, button='/choose_option{"option": "2"}') == [ASK_ADVISOR_ORDER]
    first = camila.texts(2, "jorge")
    assert first[0] == notified("Jorge Iván Herrera")
    first_case = case_number_in(first[1])

    # The next day: the registered request ended that visit, so her next message starts
    # another, whatever the hour. She is known now: Plantilla B 1 and the initial menu.
    known, initial_menu = camila.says(2, "buenos días")
    assert (known["text"], initial_menu["text"]) == (KNOWN, INITIAL_MENU)
    assert initial_menu["buttons"] == MENU_BUTTONS
    assert camila.texts(1, button='/choose_option{"option": "1"}') == [ASK_PRODUCT]
    assert camila.texts(1, "impresora multifuncional epson l3250") == [ASK_QUOTE_KIND]
    [confirmation] = camila.texts(1, button="información general")
    second_case = case_number_in(confirmation)
    assert confirmation == (
        f"Tu solicitud fue registrada con el número {second_case}. Un asesor se comunicará "
        "contigo pronto."
    )

    cases = {c["number"]: c for c in camila.cases()}
    assert set(cases) == {first_case, second_case}
    assert (cases[first_case]["type"], cases[second_case]["type"]) == ("pedido", "informacion")
    # One conversation, one history: the inbox marks where the second visit began.
    [conversation] = conversations_of(stack, "573201120001")
    inbound = [m for m in stack.messages(conversation["id"]) if m["direction"] == "in"]
    starts = [m["text"] for m in inbound if m["payload"].get("visit_start")]
    assert starts == ["buenos días"]


def test_no_question_repeats_what_the_customer_already_said(stack: Stack) -> None:
    andres = Customer(stack, "573201120002")
    # "cotización formal" answers Plantilla D 2; the product is still unknown (D 1).
    assert andres.texts(2, "quiero una cotización formal") == [GREETING, ASK_NAME]
    assert andres.texts(1, "Andrés Felipe Rojas") == [ASK_ID]
    assert andres.texts(1, "80123456") == [ASK_PRODUCT]
    [confirmation] = andres.texts(1, "20 portátiles lenovo thinkpad e14")
    number = case_number_in(confirmation)
    assert confirmation == (
        f"Perfecto. He registrado tu solicitud con el número {number}. Un asesor te enviará "
        "la información."
    )
    [case] = andres.cases()
    assert case["type"] == "cotizacion"

    # Next visit: the order and its advisor in one sentence; Plantilla C 1 is not asked.
    replies = andres.texts(4, "mi pedido no ha llegado, me atendió Jorge Iván Herrera")
    order = case_number_in(replies[3])
    assert replies == [
        GREETING,
        KNOWN,
        notified("Jorge Iván Herrera"),
        f"Tu solicitud fue registrada con el número {order}. Un asesor se comunicará contigo "
        "pronto.",
    ]
    assert ASK_ADVISOR_ORDER not in [m["text"] for m in stack.inbox("573201120002")]


def test_a_voice_note_alone_is_asked_about_as_audio_and_kept_on_the_case(stack: Stack) -> None:
    lina = Customer(stack, "573201120003")
    assert lina.texts(2, media="audio") == [GREETING, WHAT_WITH_AUDIO]
    assert lina.texts(1, "mi portátil no prende") == [ASK_NAME]
    lina.says(1, "Lina Marcela Ruiz")
    assert lina.texts(1, "52789456") == [ASK_ADVISOR_OTHER]
    replies = lina.texts(2, "jorge")
    number = case_number_in(replies[1])
    attachments = wait_for(
        lambda: httpx.get(f"{stack.platform_url}/api/cases/{number}", headers=stack.auth).json()[
            "attachments"
        ],
        timeout=10,
    )
    assert [a["kind"] for a in attachments] == ["audio"]


def test_make_shell_is_a_customer_talking_to_the_real_bot(stack: Stack) -> None:
    """The designer's shell (scripts/shell.py, `make shell`) against the running stack."""
    shell = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "shell.py"),
            "--simulator",
            stack.simulator_url,
            "--phone",
            "573201120009",
        ],
        input="hola\nMaría José Díaz\n/salir\n",
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert shell.returncode == 0, shell.stderr
    # (Piped, the prompt "tú> " and the first answer share a line.)
    assert "bot> 👋 ¡Hola! Bienvenido a PROSUMINISTROS 🧰\n" in shell.stdout
    assert f"bot> {ASK_NAME}\n" in shell.stdout
    assert f"bot> {ASK_ID}\n" in shell.stdout
