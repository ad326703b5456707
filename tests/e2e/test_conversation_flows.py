"""HU-0012 walked end to end through the simulator: real Rasa, actions, platform, simulator."""

import time
from urllib.parse import unquote

import httpx

from devstack.stack import BOT_NUMBER, Stack
from tests.e2e.test_first_contact import (
    ASK_ID,
    ASK_NAME,
    GREETING,
    MENU,
    inbound_message,
    wait_for,
)

# Plantillas, verbatim (HU-0012).
KNOWN = (
    "He encontrado tu número en nuestro sistema ✔️. Para continuar solo necesito que me "
    "confirmes lo siguiente."
)
# The story's "Menú Inicial (Obligatorio)", verbatim: how a known customer's visit opens.
INITIAL_MENU = (
    "👋 ¡Hola! Bienvenido a PROSUMINISTROS 🧰\n"
    "Tu aliado en hardware, software, accesorios y servicios de infraestructura IT.\n"
    "Para poder atenderte mejor, por favor cuéntame qué deseas hacer hoy:\n"
    "1️⃣ Solicitar una Cotización\n2️⃣ Consulta el estado de tu pedido\n"
    "3️⃣ Otro motivo (soporte, documentos, facturación, área financiera)\n"
    "Estoy aquí para apoyarte. 🚀"
)
ASK_ADVISOR_ORDER = (
    "Para ayudarte mejor, ¿puedes decirme qué comercial te atendió cuando realizaste este pedido?"
)
ASK_PRODUCT = (
    "Claro, con gusto te ayudo con información. ¿Sobre qué producto deseas recibir detalle?"
)
ASK_QUOTE_KIND = "¿Deseas una cotización formal o solo información general?"
ASK_PROCESS = "Para ayudarte mejor, ¿puedes decirme qué proceso necesitas realizar?"
ASK_ADVISOR_OTHER = (
    "¿Qué asesor o comercial de PROSUMINISTROS te ha atendido? Así le aviso de tu solicitud."
)
WHAT_WITH_FILE = "Por favor indícame qué necesitas con esa imagen/documento."
DUPLICATE_1 = (
    "Ya tenemos un caso abierto para esta misma solicitud ✔️. Continuaremos usándolo "
    "para mantener toda la información organizada."
)
DUPLICATE_2 = "Si deseas agregar más detalles o enviar evidencias, puedes hacerlo aquí mismo."
META_LIMIT = (
    "⚠️ Meta no permite transferir conversaciones entre números distintos. Podemos "
    "enviarte un enlace al número del asesor, pero se perderá la trazabilidad."
)


def notified(name: str) -> str:
    return f"Perfecto 😊. Ya notifiqué a {name} sobre tu consulta. Pronto se comunicará contigo."


def confirmed_i(number: str) -> str:
    return (
        f"¡Perfecto! Tu solicitud fue registrada con el número {number}. Nuestro equipo la "
        "revisará y te responderá lo más pronto posible."
    )


class Customer:
    def __init__(self, stack: Stack, wa_id: str) -> None:
        self.stack, self.wa_id, self.seen = stack, wa_id, 0

    def says(
        self,
        expected_replies: int,
        text: str | None = None,
        *,
        button: str | None = None,
        media: str | None = None,
    ) -> list[dict]:
        """Sends one message and returns the bot's replies to it (waits for the count)."""
        if button is not None:
            self.stack.write(self.wa_id, type="interactive", button_id=button)
        elif media is not None:
            self.stack.write(self.wa_id, type=media)
        else:
            self.stack.write(self.wa_id, type="text", text=text)
        wanted = self.seen + expected_replies
        inbox = wait_for(
            lambda: len(self.stack.inbox(self.wa_id)) >= wanted and self.stack.inbox(self.wa_id),
            timeout=30,
        )
        inbox = inbox or self.stack.inbox(self.wa_id)
        replies = inbox[self.seen :]
        self.seen = len(inbox)
        return replies

    def texts(self, *args, **kwargs) -> list[str]:
        return [m["text"] for m in self.says(*args, **kwargs)]

    def cases(self) -> list[dict]:
        return httpx.get(
            f"{self.stack.platform_url}/api/cases",
            params={"phone": self.wa_id},
            headers=self.stack.auth,
        ).json()["items"]


def case_number_in(text: str) -> str:
    return next(word for word in text.replace(".", " ").split() if word.startswith("PS-"))


def test_flujo_a_option_1_quote_from_the_menu(stack: Stack) -> None:
    ana = Customer(stack, "573201110001")
    assert ana.texts(2, "hola") == [GREETING, ASK_NAME]
    assert ana.texts(1, "ana maria gil") == [ASK_ID]
    [menu] = ana.says(1, "52123456")
    assert menu["text"] == MENU
    assert menu["buttons"] == ["Cotización", "Estado de pedido", "Otro motivo"]
    assert ana.texts(1, button='/choose_option{"option": "1"}') == [ASK_PRODUCT]
    [kind] = ana.says(1, "portatiles lenovo thinkpad x1")
    assert kind["text"] == ASK_QUOTE_KIND
    assert kind["buttons"] == ["Cotización formal", "Información general"]
    [confirmation] = ana.texts(1, button="cotización formal")

    number = case_number_in(confirmation)
    assert confirmation == (
        f"Perfecto. He registrado tu solicitud con el número {number}. Un "
        "asesor te enviará la información."
    )
    [case] = ana.cases()
    assert (case["number"], case["type"], case["area"]) == (number, "cotizacion", "comercial")
    assert "portatiles lenovo thinkpad x1" in case["description"]
    assert case["contact"]["name"] == "Ana Maria Gil"
    assert case["contact"]["id_number"] == "52123456"
    conversation = httpx.get(
        f"{stack.platform_url}/api/conversations/{case['conversation_id']}", headers=stack.auth
    ).json()
    assert conversation["commercial_intent"] is True


def test_flujo_b_known_customer_order_status_with_two_advisors_named_carlos(stack) -> None:
    wa_id = "573201110002"
    # A past conversation left the platform knowing this number's name and ID.
    event = {
        "kind": "message",
        "wamid": "wamid.E2E-PAST-1",
        "phone_number_id": BOT_NUMBER,
        "timestamp": int(time.time()) - 86400 * 30,
        "wa_id": wa_id,
        "profile_name": "Jorge",
        "type": "text",
        "text": "gracias por todo",
    }
    stored = httpx.post(
        f"{stack.platform_url}/api/internal/whatsapp/events",
        json={"events": [event]},
        headers=stack.auth,
    ).json()
    past = stored["bot_turns"][0]["conversation_id"]
    contact = httpx.get(
        f"{stack.platform_url}/api/conversations/{past}", headers=stack.auth
    ).json()["contact"]
    httpx.patch(
        f"{stack.platform_url}/api/contacts/{contact['id']}",
        headers=stack.auth,
        json={"name": "Jorge Luis Pardo", "id_type": "CC", "id_number": "79845123"},
    )
    httpx.post(f"{stack.platform_url}/api/conversations/{past}/close", headers=stack.auth)

    jorge = Customer(stack, wa_id)
    known, menu = jorge.says(2, "hola")
    assert (known["text"], menu["text"]) == (KNOWN, INITIAL_MENU)
    assert menu["buttons"] == ["Cotización", "Estado de pedido", "Otro motivo"]
    assert jorge.texts(1, "como va mi pedido?") == [ASK_ADVISOR_ORDER]
    [choose] = jorge.says(1, "carlos")
    assert choose["text"] == "Encontré varios asesores con ese nombre. ¿Cuál de ellos te atendió?"
    assert set(choose["buttons"]) >= {"Carlos Ramírez", "Carlos Mendoza"}
    replies = jorge.texts(2, button="Carlos Ramírez")

    number = case_number_in(replies[1])
    assert replies == [
        notified("Carlos Ramírez"),
        f"Tu solicitud fue registrada con el número {number}. Un asesor se "
        "comunicará contigo pronto.",
    ]
    [case] = jorge.cases()
    assert (case["type"], case["advisor"]["name"]) == ("pedido", "Carlos Ramírez")
    carlos_id = case["advisor"]["id"]
    notes = httpx.get(
        f"{stack.platform_url}/api/notifications",
        params={"advisor_id": carlos_id},
        headers=stack.auth,
    ).json()
    assert any(number in n["text"] for n in notes["items"])


def test_option_3_billing_goes_to_the_finance_area_and_the_named_advisor(stack) -> None:
    luz = Customer(stack, "573201110003")
    luz.says(2, "buenos dias")
    luz.says(1, "Luz Dary Ospina")
    luz.says(1, "1098765432")
    assert luz.texts(1, "3") == [ASK_PROCESS]
    assert luz.texts(1, "necesito un certificado de retencion en la fuente") == [ASK_ADVISOR_OTHER]
    replies = luz.texts(2, "dianita")

    number = case_number_in(replies[1])
    assert replies == [notified("Diana Marcela Salazar"), confirmed_i(number)]
    [case] = luz.cases()
    assert (case["type"], case["area"]) == ("financiero", "financiera")


def test_escenario_4_a_photo_alone_then_the_need_and_the_photo_is_on_the_case(stack) -> None:
    pedro = Customer(stack, "573201110004")
    assert pedro.texts(2, media="image") == [GREETING, WHAT_WITH_FILE]
    assert pedro.texts(1, "la pantalla de mi portatil esta dañada") == [ASK_NAME]
    pedro.says(1, "Pedro Gomez")
    assert pedro.texts(1, "80123456") == [ASK_ADVISOR_OTHER]
    # Flujo C: a file in the middle is kept and the pending question asked again.
    assert pedro.texts(2, media="document") == [
        "Recibí tu archivo ✔️ y lo adjuntaré a tu solicitud.",
        ASK_ADVISOR_OTHER,
    ]
    assert pedro.texts(2, "no se")[1] == ASK_ADVISOR_OTHER
    replies = pedro.texts(2, "no se")
    number = case_number_in(replies[1])
    assert replies == [
        "No logré identificar al asesor, así que envié tu consulta al área de soporte técnico. "
        "Ellos te contactarán.",
        f"Listo, tu solicitud fue registrada correctamente con el número {number}. Un asesor la "
        "revisará y te contactará.",
    ]
    [case] = pedro.cases()
    assert case["type"] == "soporte"
    assert "la pantalla de mi portatil esta dañada" in case["description"]
    detail = wait_for(
        lambda: (
            len(
                httpx.get(
                    f"{stack.platform_url}/api/cases/{case['number']}", headers=stack.auth
                ).json()["attachments"]
            )
            == 2
        ),
        timeout=10,
    )
    assert detail


def test_escenario_5_the_same_request_again_continues_the_open_case(stack) -> None:
    sofia = Customer(stack, "573201110005")
    assert sofia.texts(2, "mi portatil no prende") == [GREETING, ASK_NAME]
    sofia.says(1, "Sofia Rojas")
    assert sofia.texts(1, "1012345678") == [ASK_ADVISOR_OTHER]
    assert sofia.texts(2, "jorge")[0] == notified("Jorge Iván Herrera")
    [first] = sofia.cases()
    # The registered request ended the visit: the next message starts a new one, in which
    # Sofía is known (Plantilla B 1); her words say the request, and it is the open one, so
    # she is told at once (Plantilla H), without being asked the advisor again.
    assert sofia.texts(4, "sigue sin prender el portatil, ayuda") == [
        GREETING,
        KNOWN,
        DUPLICATE_1,
        DUPLICATE_2,
    ]
    [again] = sofia.cases()
    assert again["number"] == first["number"]
    detail = httpx.get(
        f"{stack.platform_url}/api/cases/{first['number']}", headers=stack.auth
    ).json()
    assert "sigue sin prender el portatil, ayuda" in [m["text"] for m in detail["messages"]]


def test_escenario_8_link_to_the_advisors_personal_whatsapp(stack) -> None:
    mario = Customer(stack, "573201110006")
    mario.says(2, "hola")
    replies = mario.says(2, "pasame el numero de carlos ramirez")
    assert replies[0]["text"] == META_LIMIT
    assert replies[1]["text"] == "¿Deseas que te envíe el enlace al WhatsApp de Carlos Ramírez?"
    [link] = mario.texts(1, button="/affirm")

    assert "https://wa.me/573001234501?text=" in link
    assert "Vengo del WhatsApp de PROSUMINISTROS" in unquote(link)
    audit = httpx.get(
        f"{stack.platform_url}/api/audit", params={"action": "hyperlink.sent"}, headers=stack.auth
    ).json()["items"]
    assert audit and audit[0]["details"]["traceability_lost"] is True


def test_asking_for_a_person_hands_over_and_the_bot_goes_quiet(stack) -> None:
    nora = Customer(stack, "573201110007")
    nora.says(2, "hola")
    [handoff] = nora.texts(1, "quiero hablar con un asesor")
    assert handoff.startswith("Listo, te comunico con ")
    sent = stack.write(nora.wa_id, type="text", text="hola?")
    # Stored for the advisor with no turn for the bot: nothing will answer it.
    stored = wait_for(lambda: inbound_message(stack, nora.wa_id, sent["wamid"]))
    assert stored and stored["bot_status"] is None
    assert len(stack.inbox(nora.wa_id)) == nora.seen
    conversation = next(c for c in stack.conversations() if c["contact"]["wa_id"] == nora.wa_id)
    assert conversation["mode"] == "human" and conversation["assigned_advisor_id"]
