"""Accessibility of every page an advisor or an admin uses, in headless chromium at desktop
(1366x768) and phone (390x844) width: axe-core (WCAG 2.0/2.1 A and AA, and axe's best
practices) finds no serious or critical violation on any of them, and every violation it finds
is written to test-artifacts/browser/axe-desktop.json and axe-phone.json; every control of a
page is reached with Tab and shows where the focus is; the conversation is answered from the
keyboard alone; and the bot's emoji are drawn in colour (a colour emoji font where the tests
run), as an advisor sees them.

Only the platform and the simulator run: the customer's messages are made by the simulator
as Meta would send them, read by the connector's own parser and handed to the platform, and
the bot's replies (the domain's real texts) go out through the platform's send endpoint."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml
from playwright.sync_api import Browser, Page, expect

from connectors.cloud_api import choices_message, parse_webhook, text_message
from devstack.processes import REPO_ROOT
from devstack.stack import BOT_NUMBER, Stack
from tests.e2e.axe import describe, run_axe, serious
from tests.e2e.browser import (
    PHONE,
    SCREENSHOTS,
    close_context,
    csp_violations,
    hand_over,
    new_context,
    platform_and_simulator,
    screenshot,
    sign_in,
    sign_out,
)
from tests.e2e.test_first_contact import wait_for

LAURA = "laura.martinez@prosuministros.com.co"  # admin, comercial
CARLOS = "carlos.ramirez@prosuministros.com.co"  # advisor, comercial
LUISA = "luisa.castano@prosuministros.com.co"  # documental's only advisor
SOFIA = "573209990301"  # every kind of message
BRUNO = "573209990302"  # wrote two days ago: the 24-hour window is closed
ELENA = "573209990303"  # a closed conversation
EVA = "573209990304"  # a case waiting in the documental queue
DESKTOP_1366 = {"width": 1366, "height": 768}
AXE_REPORT = SCREENSHOTS / "axe.json"  # axe-desktop.json and axe-phone.json
# The bot's texts as the domain has them; their emoji must not be drawn as empty boxes.
EMOJI = ("👋", "1️⃣", "🧰")


def bot_response(name: str) -> dict[str, Any]:
    for path in sorted((REPO_ROOT / "rasa_project" / "domain").glob("*.yml")):
        responses = yaml.safe_load(path.read_text()).get("responses") or {}
        if name in responses:
            return responses[name][0]
    raise KeyError(name)


@dataclass
class Workday:
    sofia: int  # conversation ids
    bruno: int
    elena: int
    case: str  # Sofía's case, Carlos's
    queued_case: str  # Eva's, nobody's
    lead: int
    quick_answer: int


def customer_sends(stack: Stack, wa_id: str, **message: Any) -> dict[str, Any]:
    """The simulator builds the webhook Meta would send; the connector's parser reads it and
    the platform stores its events. Returns the simulator's answer and the platform's."""
    built = httpx.post(
        f"{stack.simulator_url}/_sim/customers/{wa_id}/messages",
        json={**message, "deliver": False},
        timeout=30,
    )
    built.raise_for_status()
    stored = hand_over(stack, parse_webhook(built.json()["webhook"]))
    assert stored["stored"] == 1, stored
    return {"wamid": built.json()["wamid"], **stored}


def bot_says(stack: Stack, conversation: int, message: dict[str, Any], after: str, seq: int) -> str:
    response = httpx.post(
        f"{stack.platform_url}/api/internal/whatsapp/send",
        headers=stack.auth,
        json={
            "conversation_id": conversation,
            "message": message,
            "in_reply_to": after,
            "reply_seq": seq,
        },
        timeout=30,
    )
    response.raise_for_status()
    assert response.json()["status"] == "sent", response.json()
    return response.json()["wamid"]


def status(stack: Stack, wa_id: str, wamid: str, new: str, **extra: Any) -> None:
    event = {
        "kind": "status",
        "wamid": wamid,
        "phone_number_id": BOT_NUMBER,
        "status": new,
        "timestamp": int(time.time()),
        "recipient_id": wa_id,
        **extra,
    }
    assert hand_over(stack, [event])["statuses_updated"] == 1


def api(stack: Stack, method: str, path: str, **body: Any) -> Any:
    response = httpx.request(
        method,
        f"{stack.platform_url}/api{path}",
        headers=stack.auth,
        json=body or None,
        timeout=30,
    )
    response.raise_for_status()
    return response.json()


def advisor_id(stack: Stack, email: str) -> int:
    return next(a["id"] for a in api(stack, "GET", "/advisors")["items"] if a["email"] == email)


def conversation_of(first: dict[str, Any]) -> int:
    return first["bot_turns"][0]["conversation_id"]


def every_kind_of_message(stack: Stack) -> tuple[int, str]:
    """Sofía's conversation: the bot's greeting and menu (read, delivered, one not
    delivered), her text, a photo, a voice note, a document, a location, an edited and a
    deleted message, and something WhatsApp does not support."""
    hello = customer_sends(stack, SOFIA, text="hola", profile_name="Sofía Rojas")
    sofia = conversation_of(hello)
    greeting = bot_says(
        stack, sofia, text_message(bot_response("utter_greet")["text"]), hello["wamid"], 0
    )
    menu = bot_response("utter_initial_menu")
    options = bot_says(
        stack, sofia, choices_message(menu["text"], menu["buttons"]), hello["wamid"], 1
    )
    status(stack, SOFIA, greeting, "read")
    status(stack, SOFIA, options, "delivered")
    customer_sends(stack, SOFIA, type="interactive", button_id='/choose_option{"option": "1"}')
    wants = customer_sends(stack, SOFIA, text="necesito 10 portatiles lenovo thinkpad")
    ask = bot_says(stack, sofia, text_message("¿Para qué ciudad es la entrega?"), wants["wamid"], 0)
    status(stack, SOFIA, ask, "failed", errors=[{"code": 131026, "title": "Message undeliverable"}])
    customer_sends(stack, SOFIA, type="image", caption="la referencia que buscamos")
    customer_sends(stack, SOFIA, type="audio", voice=True)
    customer_sends(
        stack, SOFIA, type="document", filename="orden-de-compra.pdf", caption="la orden"
    )
    customer_sends(stack, SOFIA, type="location", name="Bodega norte", address="Calle 80 # 68-10")
    typo = customer_sends(stack, SOFIA, text="son para la sede de Bogta")
    customer_sends(
        stack,
        SOFIA,
        type="edit",
        original_message_id=typo["wamid"],
        text="son para la sede de Bogotá",
    )
    oops = customer_sends(stack, SOFIA, text="mensaje equivocado")
    customer_sends(stack, SOFIA, type="revoke", original_message_id=oops["wamid"])
    customer_sends(stack, SOFIA, type="unsupported")

    def stored() -> bool:
        files = api(stack, "GET", f"/conversations/{sofia}/attachments")
        return len(files) == 3 and all(f["status"] == "stored" for f in files)

    assert wait_for(stored), "the photo, voice note and document were never downloaded"
    return sofia, greeting


@pytest.fixture(scope="module")
def platform() -> Iterator[Stack]:
    with platform_and_simulator("e2e-a11y") as stack:
        yield stack


@pytest.fixture(scope="module")
def workday(platform: Stack, browser: Browser) -> Workday:
    """What an advisor and an admin find at work: Carlos has Sofía's conversation with its
    case and lead, Bruno's (window closed) and Elena's (closed); Eva's case waits in a queue
    (documental has nobody active); an admin wrote a quick answer."""
    carlos = advisor_id(platform, CARLOS)
    sofia, _ = every_kind_of_message(platform)
    two_days_ago = int(time.time()) - 2 * 24 * 3600
    bruno = conversation_of(
        customer_sends(
            platform,
            BRUNO,
            text="¿tienen garantía?",
            profile_name="Bruno Díaz",
            timestamp=two_days_ago,
        )
    )
    elena = conversation_of(
        customer_sends(platform, ELENA, text="gracias, ya quedó", profile_name="Elena Vargas")
    )
    for conversation in (sofia, bruno, elena):
        api(platform, "POST", f"/conversations/{conversation}/assign", advisor_id=carlos)
    api(platform, "POST", f"/conversations/{elena}/close")
    case = api(
        platform,
        "POST",
        "/cases",
        conversation_id=sofia,
        type="cotizacion",
        description="10 portátiles Lenovo ThinkPad para la sede de Bogotá",
        advisor_id=carlos,
    )["number"]
    api(platform, "PATCH", f"/cases/{case}", status="en_proceso")
    api(platform, "POST", f"/cases/{case}/notes", text="Cliente pide entrega antes del viernes.")
    lead = api(platform, "POST", f"/conversations/{sofia}/lead")["lead"]["id"]

    api(platform, "PATCH", f"/advisors/{advisor_id(platform, LUISA)}", is_active=False)
    eva = conversation_of(
        customer_sends(
            platform, EVA, text="necesito el certificado de calidad", profile_name="Eva Torres"
        )
    )
    queued = api(
        platform,
        "POST",
        "/cases",
        conversation_id=eva,
        type="documentos",
        description="Certificado de calidad",
    )
    assert queued["advisor"] is None, queued

    context = new_context(browser)
    try:
        page = context.new_page()
        sign_in(page, platform, LAURA)
        page.goto(f"{platform.platform_url}/admin/quick-answers")
        form = page.locator("form.admin-form")
        form.get_by_label("Atajo").fill("horario")
        form.get_by_label("Título").fill("Horario de atención")
        form.get_by_label("Texto").fill("Atendemos de lunes a viernes, de 8 a. m. a 5 p. m. 🕗")
        form.get_by_label("Área").select_option(label="Todas las áreas")
        form.get_by_role("button", name="Crear respuesta").click()
        expect(page.get_by_role("status")).to_contain_text("/horario")
        quick_answer = int(
            page.locator("tr[data-quick-answer]").first.get_attribute("data-quick-answer") or 0
        )
        sign_out(page)

        # Carlos answered Sofía from the platform: an advisor's message, delivered.
        sign_in(page, platform, CARLOS)
        page.goto(f"{platform.platform_url}/conversations/{sofia}")
        page.get_by_label("Respuesta por WhatsApp").fill(
            "Hola Sofía, te envío la cotización hoy 👍"
        )
        page.get_by_role("button", name="Enviar", exact=True).click()
        expect(page.get_by_role("status")).to_contain_text("Mensaje enviado")
    finally:
        close_context(context)
    reply = next(m for m in platform.messages(sofia) if m["sender"] == "advisor")
    status(platform, SOFIA, reply["wamid"], "delivered")
    return Workday(sofia, bruno, elena, case, queued["number"], lead, quick_answer)


def advisor_pages(day: Workday) -> dict[str, str]:
    return {
        "conversations": "/",
        "conversation": f"/conversations/{day.sofia}",
        "conversation-window-closed": f"/conversations/{day.bruno}",
        "conversation-closed": f"/conversations/{day.elena}",
        "queue": "/queue",
        "notifications": "/notifications",
        "cases": "/cases",
        "case": f"/cases/{day.case}",
        "leads": "/leads",
        "lead": f"/leads/{day.lead}",
        "whatsapp-link": "/whatsapp",
        "forbidden": "/admin/advisors",
    }


def admin_pages(day: Workday) -> dict[str, str]:
    return {
        "conversations": "/",
        "conversation": f"/conversations/{day.sofia}",
        "queue": "/queue",
        "queued-case": f"/cases/{day.queued_case}",
        "notifications": "/notifications",
        "audit": "/audit",
        "cases": "/cases",
        "leads": "/leads",
        "admin-advisors": "/admin/advisors",
        "admin-quick-answers": "/admin/quick-answers",
        "admin-quick-answer": f"/admin/quick-answers/{day.quick_answer}",
        "admin-templates": "/admin/templates",
    }


def checked(page: Page, found: list[dict[str, Any]], **where: str) -> None:
    """axe on the page as it is now; the violations are kept, with where they were."""
    if where["who"] != "anyone":
        # Filled in once the page has loaded: Carlos and Laura both have unread notifications.
        expect(page.locator("#notifications-link .badge")).to_be_visible()
    found.append({**where, "url": page.url, **run_axe(page)})
    print(f"axe checked {where['who']} · {where['name']} · {where['width']}", flush=True)


@pytest.mark.timeout(420)
@pytest.mark.parametrize("width", ["desktop", "phone"])
def test_axe_finds_no_serious_violation_on_any_page_at_desktop_or_phone_width(
    platform: Stack, workday: Workday, browser: Browser, width: str
) -> None:
    found: list[dict[str, Any]] = []
    context = new_context(browser, phone=width == "phone", viewport=DESKTOP_1366)
    try:
        page = context.new_page()
        page.goto(f"{platform.platform_url}/login")
        checked(page, found, width=width, who="anyone", name="login")
        screenshot(page, f"a11y-login-{width}")
        page.get_by_label("Correo").fill(CARLOS)
        page.get_by_label("Contraseña").fill("no-es-la-clave")
        page.get_by_role("button", name="Ingresar").click()
        expect(page.get_by_role("alert")).to_be_visible()
        checked(page, found, width=width, who="anyone", name="login-error")
        for who, email, pages in (
            ("advisor", CARLOS, advisor_pages(workday)),
            ("admin", LAURA, admin_pages(workday)),
        ):
            sign_in(page, platform, email)
            for name, path in pages.items():
                page.goto(f"{platform.platform_url}{path}")
                page.wait_for_load_state("networkidle")
                checked(page, found, width=width, who=who, name=name)
                screenshot(page, f"a11y-{who}-{name}-{width}")
            if who == "advisor":
                # The reply box with its quick answers open ("/" and a word).
                page.goto(f"{platform.platform_url}/conversations/{workday.sofia}")
                page.get_by_label("Respuesta por WhatsApp").press_sequentially("/hor")
                expect(page.get_by_role("listbox", name="Respuestas rápidas")).to_be_visible()
                checked(page, found, width=width, who=who, name="composer-quick-answers")
            sign_out(page)
        assert csp_violations(context) == []
    finally:
        close_context(context)

    report = AXE_REPORT.with_name(f"axe-{width}.json")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(found, ensure_ascii=False, indent=2))
    failures = [
        f"{entry['who']} · {entry['name']} · {entry['width']}:\n  " + describe(violation)
        for entry in found
        for violation in serious(entry["violations"])
    ]
    assert len(found) == 3 + len(advisor_pages(workday)) + len(admin_pages(workday))
    assert not failures, "axe-core: serious or critical violations\n" + "\n".join(failures)


# Elements a keyboard user must be able to reach (hidden and disabled ones aside).
CONTROLS = (
    "a[href], button, input:not([type=hidden]), select, textarea, summary, audio[controls], "
    "video[controls], [tabindex]:not([tabindex='-1'])"
)
# One name per control; a group of radio buttons is one tab stop (arrows move inside it).
KEY_OF = """el => {
  if (el.type === 'radio' && el.name) return 'radio:' + el.name;
  if (!el.dataset.a11yKey) el.dataset.a11yKey = String(Math.random()).slice(2);
  return el.dataset.a11yKey;
}"""
WALK_STEP = f"""() => {{
  const keyOf = {KEY_OF};
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const ring = (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
    || style.boxShadow !== 'none';
  return {{key: keyOf(el), name: el.outerHTML.slice(0, 120), ring}};
}}"""
REACHABLE = f"""selector => {{
  const keyOf = {KEY_OF};
  return Array.from(document.querySelectorAll(selector)).filter(el => {{
    if (el.disabled || el.closest('[hidden], [inert]')) return false;
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) return false;
    return getComputedStyle(el).visibility !== 'hidden';
  }}).map(el => ({{key: keyOf(el), name: el.outerHTML.slice(0, 120)}}));
}}"""


def tab_walk(page: Page, limit: int = 400) -> list[dict[str, Any]]:
    """Tab from the top of the page until the focus comes back round: the elements reached,
    in order, each with whether its focus is drawn (an outline or a box shadow)."""
    page.locator("body").focus()
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    reached: list[dict[str, Any]] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        step = page.evaluate(WALK_STEP)
        if step is None:
            continue
        if reached and step["key"] == reached[0]["key"]:
            break
        reached.append(step)
    return reached


def test_every_control_is_reached_with_tab_and_shows_its_focus(
    platform: Stack, workday: Workday, browser: Browser
) -> None:
    context = new_context(browser, viewport=DESKTOP_1366)
    try:
        page = context.new_page()
        problems: list[str] = []
        for who, email, pages in (
            ("advisor", CARLOS, advisor_pages(workday)),
            ("admin", LAURA, admin_pages(workday)),
        ):
            sign_in(page, platform, email)
            for name, path in pages.items():
                page.goto(f"{platform.platform_url}{path}")
                page.wait_for_load_state("networkidle")
                # The live updates replace parts of the page: hold them still for the walk.
                page.evaluate("() => { for (let i = 1; i < 100000; i++) clearInterval(i); }")
                controls = page.evaluate(REACHABLE, CONTROLS)
                walk = tab_walk(page)
                reached = {step["key"] for step in walk}
                for control in controls:
                    if control["key"] not in reached:
                        problems.append(f"{who} · {name}: not reached with Tab: {control['name']}")
                for step in walk:
                    if not step["ring"]:
                        problems.append(f"{who} · {name}: focus not shown on {step['name']}")
            sign_out(page)
        assert not problems, "\n".join(problems)
    finally:
        close_context(context)


def test_an_advisor_answers_from_the_keyboard_alone(
    platform: Stack, workday: Workday, browser: Browser
) -> None:
    context = new_context(browser, viewport=DESKTOP_1366)
    try:
        page = context.new_page()
        sign_in(page, platform, CARLOS)
        page.goto(f"{platform.platform_url}/conversations/{workday.sofia}")
        reply = page.get_by_label("Respuesta por WhatsApp")
        send = page.get_by_role("button", name="Enviar", exact=True)

        # The first Tab offers to skip the menu; Enter does, and Tab goes on inside the page.
        page.locator("body").focus()
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Saltar al contenido")
        expect(skip).to_be_focused()
        expect(skip).to_be_in_viewport()
        screenshot(page, "a11y-keyboard-skip-link")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        assert page.evaluate("() => document.activeElement.closest('main') !== null")

        # Tab from there reaches the reply box, then its send button.
        for _ in range(80):
            page.keyboard.press("Tab")
            if reply.evaluate("el => el === document.activeElement"):
                break
        expect(reply).to_be_focused()
        page.keyboard.type("Sofía, la garantía de los portátiles es de 12 meses.")
        for _ in range(10):
            page.keyboard.press("Tab")
            if send.evaluate("el => el === document.activeElement"):
                break
        expect(send).to_be_focused()
        screenshot(page, "a11y-keyboard-send-focused")
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("Mensaje enviado")
        expect(page.locator("[data-sender=advisor]").last).to_contain_text(
            "garantía de los portátiles"
        )

        # Ctrl+Enter in the reply box sends too.
        reply = page.get_by_label("Respuesta por WhatsApp")
        reply.focus()
        page.keyboard.type("¿Le sirve que lo llame a las 3 p. m.?")
        page.keyboard.press("Control+Enter")
        expect(page.locator("[data-sender=advisor]").last).to_contain_text("lo llame a las 3")
    finally:
        close_context(context)


# Draws the text on a canvas with the page's own font stack, and says whether any pixel has
# colour: a colour emoji font paints it in colour, a missing glyph is a grey or black box.
PAINTED_IN_COLOUR = """text => {
  const canvas = document.createElement('canvas');
  canvas.width = 64; canvas.height = 64;
  const ctx = canvas.getContext('2d');
  ctx.font = '40px ' + getComputedStyle(document.body).fontFamily;
  ctx.textBaseline = 'top';
  ctx.fillStyle = '#000';
  ctx.fillText(text, 4, 8);
  const data = ctx.getImageData(0, 0, 64, 64).data;
  for (let i = 0; i < data.length; i += 4) {
    const [r, g, b, a] = [data[i], data[i + 1], data[i + 2], data[i + 3]];
    if (a > 128 && Math.max(r, g, b) - Math.min(r, g, b) > 60) return true;
  }
  return false;
}"""


def test_the_bots_emoji_are_drawn_in_colour_not_as_boxes(
    platform: Stack, workday: Workday, browser: Browser
) -> None:
    with_phone = new_context(browser, phone=True)
    try:
        page = with_phone.new_page()
        sign_in(page, platform, CARLOS)
        page.goto(f"{platform.platform_url}/conversations/{workday.sofia}")
        greeting = page.locator("[data-sender=bot]", has_text="Bienvenido a PROSUMINISTROS").first
        expect(greeting).to_contain_text("👋")
        missing = [e for e in EMOJI if not page.evaluate(PAINTED_IN_COLOUR, e)]
        # The check tells them apart: a private-use character no font has is not in colour.
        assert not page.evaluate(PAINTED_IN_COLOUR, "\ue000")
        greeting.scroll_into_view_if_needed()
        screenshot(page, "a11y-emoji-phone")
        assert page.viewport_size == PHONE
        assert not missing, (
            f"{' '.join(missing)} drawn without colour: the machine has no colour emoji font "
            "(sudo apt-get install fonts-noto-color-emoji; .ci/run installs it)"
        )
    finally:
        close_context(with_phone)
