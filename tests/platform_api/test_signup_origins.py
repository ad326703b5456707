"""Which windows the sign-up page believes: the origin rule of the page's own script
(platform_api/inbox/static/signup_origins.js), run in headless chromium. Meta's sample accepts
an origin that ends with facebook.com; the page keeps that and refuses the look-alikes."""

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser

from platform_api.config import REPO_ROOT, settings
from tests.support.chromium import CHROMIUM, headless_chromium

SCRIPT = REPO_ROOT / "platform_api" / "inbox" / "static" / "signup_origins.js"
DEVELOPMENT = ["https://*.facebook.com", "http://127.0.0.1:8080"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"needs {CHROMIUM} (sudo apt-get install chromium)")
    with headless_chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def accepted(browser: Browser):
    page = browser.new_page()
    page.set_content("<!doctype html><title>origins</title>")
    page.add_script_tag(path=str(SCRIPT))

    def check(origin: object, allowed: list[str] = DEVELOPMENT) -> bool:
        return page.evaluate("([o, a]) => window.signupOriginAccepted(o, a)", [origin, allowed])

    yield check
    page.close()


@pytest.mark.parametrize(
    "origin",
    [
        "https://www.facebook.com",
        "https://web.facebook.com",
        "https://business.facebook.com",
        "https://facebook.com",
        "https://m.facebook.com",
        "http://127.0.0.1:8080",  # the simulator, listed exactly in development
    ],
)
def test_metas_origins_and_the_configured_simulator_are_believed(accepted, origin) -> None:
    assert accepted(origin) is True


@pytest.mark.parametrize(
    "origin",
    [
        "https://evilfacebook.com",
        "https://facebook.com.evil.net",
        "https://www.facebook.com.evil.net",
        "http://www.facebook.com",
        "http://facebook.com",
        "https://www.facebook.com:8443",
        "https://www.facebook.co",
        "https://xn--facebook-.com",
        "http://127.0.0.1:8081",
        "http://localhost:8080",
        "null",
        "",
        None,
    ],
)
def test_look_alikes_and_other_origins_are_refused(accepted, origin) -> None:
    assert accepted(origin) is False


def test_the_default_setting_is_metas_rule_alone(accepted) -> None:
    assert list(settings.embedded_signup_origins) == ["https://*.facebook.com"]
    assert accepted("https://www.facebook.com", ["https://*.facebook.com"]) is True
    assert accepted("http://127.0.0.1:8080", ["https://*.facebook.com"]) is False
