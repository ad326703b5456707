"""The inbox's colours meet WCAG 2.1 AA, computed from inbox.css itself: text 4.5:1 on every
background it is drawn on, the edges of controls and the focus ring 3:1 (1.4.11, which axe-core
does not check). The browser test (tests/e2e/test_accessibility_browser.py) runs axe on the
pages; this one names the pairs, so a colour changed in the stylesheet fails here at once."""

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).parents[2] / "platform_api" / "inbox" / "static" / "inbox.css").read_text()
ROOT = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", CSS.split("}", 1)[0]))
BUBBLES = ("customer", "bot", "advisor", "advisor-app")


def colour(name: str) -> str:
    return name if name.startswith("#") else ROOT[name]


def luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(colour(a)), luminance(colour(b))), reverse=True)
    return (high + 0.05) / (low + 0.05)


TEXT = [
    *(("tick", bubble) for bubble in BUBBLES),  # "Entregado ✓✓", "Leído ✓✓"
    *(("danger", bubble) for bubble in BUBBLES),  # "No entregado"
    *(("muted", background) for background in (*BUBBLES, "bg")),  # message meta, hints
    ("#ffffff", "badge"),  # unread notifications
    ("#ffffff", "brand"),  # top bar, primary buttons
    ("brand", "#ffffff"),  # links
    ("brand", "bg"),
    ("ink", "bg"),
    ("ok", "#ffffff"),  # notices
]
NON_TEXT = [
    ("control-edge", "#ffffff"),  # inputs, selects, buttons in cards
    ("control-edge", "bg"),  # and on the page
    ("ink", "#ffffff"),  # the focus ring
    ("ink", "bg"),
    ("#ffffff", "brand"),  # the focus ring on the top bar
]


@pytest.mark.parametrize(("text", "background"), TEXT)
def test_text_has_4_5_to_1_on_its_background(text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5, f"{text} on {background}"


@pytest.mark.parametrize(("edge", "background"), NON_TEXT)
def test_control_edges_and_focus_ring_have_3_to_1(edge: str, background: str) -> None:
    assert contrast(edge, background) >= 3, f"{edge} on {background}"


def test_the_focus_ring_is_drawn_and_never_removed() -> None:
    assert re.search(r":focus-visible\s*\{[^}]*outline:\s*3px solid var\(--ink\)", CSS)
    removed = re.findall(r"([^{}]*):focus(?:-visible)?\s*\{[^}]*outline:\s*(?:none|0)", CSS)
    # <main> takes the focus only from the skip link; it is not a control.
    assert [selector.strip() for selector in removed] == ["main"]


def test_the_old_colours_would_fail() -> None:
    """The issue's measurements: the badge about 4.2:1, the ticks 3.6-4.0:1."""
    assert round(contrast("#ffffff", "#e53935"), 1) == 4.2
    assert 3.6 <= round(min(contrast("#1a73e8", bubble) for bubble in BUBBLES[1:]), 1) < 4.0
