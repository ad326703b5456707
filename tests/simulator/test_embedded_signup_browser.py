"""The stand-in SDK and sign-up dialog in headless chromium, as the platform will use them: a
page on another origin loads /sdk.js, calls FB.init and FB.login, listens for the dialog's
message events and gets the code in FB.login's callback."""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from playwright._impl._errors import TargetClosedError  # not re-exported by sync_api
from playwright.sync_api import Browser, Page

from simulator.app import create_app
from tests.simulator.conftest import Receiver, serve, settings_for, stop
from tests.support.chromium import CHROMIUM, headless_chromium

META_APP_ID = "123456789012345"
META_APP_SECRET = "sim-test-meta-app-secret"
CONFIG_ID = "987654321098765"
TIMEOUT_MS = 10_000
# Meta's snippet (Coexistence page), verbatim: v4 comes from the login configuration.
COEXISTENCE_EXTRAS = {
    "setup": {},
    "featureType": "whatsapp_business_app_onboarding",
    "sessionInfoVersion": "3",
}

HOST_PAGE = """<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Vincular número</title></head>
<body>
<button id="launch" type="button">Vincular mi WhatsApp Business</button>
<script>
  window.events = [];
  window.loginResult = null;
  window.addEventListener("message", (event) => {
    let data;
    try { data = JSON.parse(event.data); } catch { return; }
    if (data && data.type === "WA_EMBEDDED_SIGNUP") {
      window.events.push({origin: event.origin, isString: typeof event.data === "string", data});
    }
  });
  window.fbAsyncInit = function () {
    FB.init({appId: "%(app_id)s", autoLogAppEvents: true, xfbml: true, version: "v23.0"});
    window.sdkReady = true;
  };
  document.getElementById("launch").onclick = () => FB.login((response) => {
    window.loginResult = response;
  }, {
    config_id: "%(config_id)s",
    response_type: "code",
    override_default_response_type: true,
    extras: %(extras)s,
  });
</script>
<script async defer crossorigin="anonymous" src="%(simulator)s/sdk.js"></script>
</body></html>
"""


@dataclass
class Stack:
    simulator_url: str
    host_url: str
    extras: dict[str, Any]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs {CHROMIUM} (sudo apt-get install chromium)")
    with headless_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def stack(receiver: Receiver) -> Iterator[Stack]:
    settings = settings_for(
        receiver.url,
        meta_app_id=META_APP_ID,
        meta_app_secret=META_APP_SECRET,
        meta_es_config_id=CONFIG_ID,
    )
    sim_server, sim_thread, sim_port = serve(create_app(settings))
    simulator_url = f"http://127.0.0.1:{sim_port}"
    box = Stack(simulator_url=simulator_url, host_url="", extras=COEXISTENCE_EXTRAS)
    host = FastAPI()

    @host.get("/", response_class=HTMLResponse)
    def host_page() -> str:
        return HOST_PAGE % {
            "app_id": META_APP_ID,
            "config_id": CONFIG_ID,
            "extras": json.dumps(box.extras),
            "simulator": simulator_url,
        }

    # Another origin than the simulator's: "localhost" instead of 127.0.0.1.
    host_server, host_thread, host_port = serve(host)
    box.host_url = f"http://localhost:{host_port}"
    yield box
    stop(host_server, host_thread)
    stop(sim_server, sim_thread)


@pytest.fixture()
def page(browser: Browser, stack: Stack) -> Iterator[Page]:
    httpx.delete(f"{stack.simulator_url}/_sim/state")
    stack.extras = COEXISTENCE_EXTRAS
    context = browser.new_context(locale="es-CO")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    opened.goto(stack.host_url)
    opened.wait_for_function("window.sdkReady === true")
    try:
        yield opened
    finally:
        context.close()


def launch(page: Page) -> Page:
    with page.expect_popup() as popup_info:
        page.click("#launch")
    popup = popup_info.value
    popup.wait_for_load_state()
    return popup


def login_result(page: Page) -> dict[str, Any]:
    page.wait_for_function("window.loginResult !== null")
    return page.evaluate("window.loginResult")


def press_closing(popup: Page, name: str) -> None:
    """Presses a button of Meta's window that ends by closing the window, and waits until it
    is closed: the window may close while Playwright still finishes the click."""
    # The click landed when the window closes under it.
    with popup.expect_event("close"), contextlib.suppress(TargetClosedError):
        popup.get_by_role("button", name=name).click()


def test_finishing_the_dialog_posts_the_event_and_returns_a_code(page: Page, stack: Stack) -> None:
    popup = launch(page)
    popup.get_by_role(
        "heading", name="Conecta tu cuenta de la aplicación WhatsApp Business"
    ).wait_for()
    popup.get_by_label("Diana Peña - PROSUMINISTROS").check()
    press_closing(popup, "Continuar")

    result = login_result(page)
    assert result["status"] == "connected"
    code = result["authResponse"]["code"]
    [event] = page.evaluate("window.events")
    assert event["origin"] == stack.simulator_url and event["isString"] is True
    assert event["data"] == {
        "data": {"waba_id": "200000000000102"},
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH_WHATSAPP_BUSINESS_APP_ONBOARDING",
        "version": 3,
    }
    exchanged = httpx.get(
        f"{stack.simulator_url}/v23.0/oauth/access_token",
        params={"client_id": META_APP_ID, "client_secret": META_APP_SECRET, "code": code},
    )
    assert exchanged.status_code == 200 and exchanged.json()["token_type"] == "bearer"


def test_a_number_not_on_the_app_finishes_with_a_plain_finish(page: Page) -> None:
    popup = launch(page)
    popup.get_by_label("Pedidos PROSUMINISTROS").check()
    press_closing(popup, "Continuar")

    assert login_result(page)["status"] == "connected"
    [event] = page.evaluate("window.events")
    assert event["data"] == {
        "data": {
            "phone_number_id": "100000000000103",
            "waba_id": "200000000000103",
            "business_id": "300000000000101",
        },
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "FINISH",
    }


def test_cancelling_posts_cancel_and_returns_no_code(page: Page) -> None:
    popup = launch(page)
    press_closing(popup, "Cancelar")

    assert login_result(page) == {"authResponse": None, "status": "unknown"}
    [event] = page.evaluate("window.events")
    assert event["data"] == {
        "data": {"current_step": "WHATSAPP_BUSINESS_APP_ONBOARDING"},
        "type": "WA_EMBEDDED_SIGNUP",
        "event": "CANCEL",
    }


def test_a_reported_error_posts_its_details_and_returns_no_code(page: Page) -> None:
    popup = launch(page)
    press_closing(popup, "Simular error")

    assert login_result(page)["authResponse"] is None
    [event] = page.evaluate("window.events")
    assert event["data"]["event"] == "CANCEL"
    # Meta's Implementation page (v4) names the code error_code.
    assert set(event["data"]["data"]) == {"error_message", "error_code", "session_id", "timestamp"}


def test_options_meta_would_refuse_are_shown_in_the_dialog(page: Page, stack: Stack) -> None:
    stack.extras = {"setup": {}, "featureType": "coexistence"}  # gone since v3 (changelog)
    page.reload()
    page.wait_for_function("window.sdkReady === true")
    popup = launch(page)
    popup.get_by_role("heading", name="No se puede abrir el registro").wait_for()
    assert "featureType" in popup.get_by_role("alert").inner_text()
    press_closing(popup, "Cerrar")

    assert login_result(page) == {"authResponse": None, "status": "unknown"}
    assert page.evaluate("window.events") == []


def test_closing_the_window_abandons_the_flow(page: Page, stack: Stack) -> None:
    popup = launch(page)
    popup.get_by_role("button", name="Continuar").wait_for()
    popup.close(run_before_unload=True)

    assert login_result(page) == {"authResponse": None, "status": "unknown"}
    sessions = httpx.get(f"{stack.simulator_url}/_sim/smb").json()["accounts"]
    assert all(a["status"] == "available" for a in sessions)
