"""The conversation designer's shell (`make shell`): you are a customer on WhatsApp, in the
terminal, talking to the real bot of `make run` (Rasa, the action server, the platform and the
simulator). Each line goes to the simulator as a customer message, signed and delivered like
Meta's webhook; the bot's answers are read back from the simulator's inbox of that customer.

`rasa shell` cannot do this: its sender is no platform conversation, so the actions (which
need the customer, the case and the advisors) refuse it with a clear message.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from typing import Any

import httpx

HELP = """Escribe como un cliente. Comandos:
  1, 2, 3...        toca el botón o la opción con ese número del último mensaje con opciones
  /foto /documento /audio /video [texto]   envía un archivo (con texto opcional)
  /nuevo            empieza como otro cliente (otro número)
  /ayuda            esta ayuda        /salir   termina
Un cliente que vuelve (mismo número) después de una solicitud registrada, o tras
VISIT_IDLE_HOURS sin escribir, empieza una visita nueva (Plantilla B y el menú inicial)."""

MEDIA = {"/foto": "image", "/documento": "document", "/audio": "audio", "/video": "video"}
QUIET_SECONDS = 2.5
MAX_WAIT_SECONDS = 30.0


def choices_of(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(id, title) of the buttons or list rows a message offers."""
    interactive = (message.get("request") or {}).get("interactive") or {}
    action = interactive.get("action") or {}
    found = [(b["reply"]["id"], b["reply"]["title"]) for b in action.get("buttons") or []]
    for section in action.get("sections") or []:
        found += [(row["id"], row["title"]) for row in section.get("rows") or []]
    return found


def show(message: dict[str, Any]) -> list[tuple[str, str]]:
    text = message.get("text") or f"[{message.get('type')}]"
    print("\n".join(f"bot> {line}" for line in text.splitlines() or [""]))
    choices = choices_of(message)
    for number, (_, title) in enumerate(choices, start=1):
        print(f"      ({number}) {title}")
    if message.get("status") == "failed":
        print("      (no entregado)")
    return choices


class Phone:
    def __init__(self, simulator_url: str, wa_id: str, profile_name: str) -> None:
        self.http = httpx.Client(base_url=simulator_url, timeout=30)
        self.wa_id = wa_id
        self.profile_name = profile_name
        self.seen = len(self.inbox())
        self.choices: list[tuple[str, str]] = []

    def inbox(self) -> list[dict[str, Any]]:
        response = self.http.get(f"/_sim/customers/{self.wa_id}/inbox")
        response.raise_for_status()
        return list(response.json()["messages"])

    def send(self, line: str) -> None:
        body: dict[str, Any]
        command, _, rest = line.partition(" ")
        if line.isdigit() and self.choices and 1 <= int(line) <= len(self.choices):
            body = {"type": "interactive", "button_id": self.choices[int(line) - 1][0]}
        elif command in MEDIA:
            kind = MEDIA[command]
            body = {"type": kind, "caption": rest} if rest else {"type": kind}
        else:
            body = {"type": "text", "text": line}
        body["profile_name"] = self.profile_name
        response = self.http.post(f"/_sim/customers/{self.wa_id}/messages", json=body)
        if response.status_code != 200:
            print(f"(el simulador no aceptó el mensaje: {response.status_code} {response.text})")
            return
        if response.json().get("delivery_statuses") not in ([200], None):
            print(f"(el webhook no fue aceptado: {response.json().get('delivery_statuses')})")

    def read_answers(self) -> None:
        """Prints what the bot sends until it has been quiet for a moment."""
        deadline = time.monotonic() + MAX_WAIT_SECONDS
        last_news = time.monotonic()
        while time.monotonic() < deadline and time.monotonic() - last_news < QUIET_SECONDS:
            messages = self.inbox()
            for message in messages[self.seen :]:
                offered = show(message)
                if offered:
                    self.choices = offered
                last_news = time.monotonic()
            self.seen = len(messages)
            time.sleep(0.2)


def new_number() -> str:
    return f"57300{random.randint(1000000, 9999999)}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    port = os.environ.get("SIMULATOR_PORT", "8080")
    parser.add_argument("--simulator", default=f"http://127.0.0.1:{port}")
    parser.add_argument("--phone", default=None, help="the customer's number (wa_id)")
    parser.add_argument("--name", default="Cliente de prueba", help="WhatsApp profile name")
    args = parser.parse_args()
    try:
        httpx.get(f"{args.simulator}/health", timeout=3).raise_for_status()
    except httpx.HTTPError:
        print(
            f"No encuentro el simulador en {args.simulator}. Arranca la pila primero, en otra "
            "terminal: make run",
            file=sys.stderr,
        )
        return 1
    phone = Phone(args.simulator, args.phone or new_number(), args.name)
    print(f"Cliente +{phone.wa_id} ({phone.profile_name}). {HELP}\n")
    while True:
        try:
            line = input("tú> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not line:
            continue
        if line == "/salir":
            return 0
        if line == "/ayuda":
            print(HELP)
            continue
        if line == "/nuevo":
            phone = Phone(args.simulator, new_number(), args.name)
            print(f"Ahora eres +{phone.wa_id}.")
            continue
        phone.send(line)
        phone.read_answers()


if __name__ == "__main__":
    raise SystemExit(main())
