"""Measurement, not a test (pytest does not collect it): against a running `make run` stack,
20 sign-in attempts per second for 30 s on the platform while signed customer webhooks go to
the connector at a steady rate; prints the webhooks' acknowledgement p50/p99 and what /login
answered. Issue 14's bar: webhooks acknowledged under 100 ms p99 during the flood.

    .venv/platform/bin/python -m tests.security.login_flood_probe [--seconds 30] [--rate 20]
        [--webhooks-per-second 4] [--kind message|status]

Reads ports and the app secret from .env (the stack's own)."""

import argparse
import json
import statistics
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import httpx

from connectors.cloud_api import SIGNATURE_HEADER, sign
from simulator.webhooks import inbound_message_webhook, status_webhook

ROOT = Path(__file__).resolve().parents[2]
# Accounts of the development seed: real ones, so every unthrottled attempt costs argon2.
ACCOUNTS = (
    "laura.martinez@prosuministros.com.co",
    "carlos.ramirez@prosuministros.com.co",
    "paola.rios@prosuministros.com.co",
)


def read_env() -> dict[str, str]:
    values = {}
    for line in (ROOT / ".env").read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and not key.lstrip().startswith("#"):
            values[key.strip()] = value.strip()
    return values


def flood_logins(base: str, seconds: float, rate: float, answers: Counter) -> None:
    """One attacker: takes the sign-in form's token once, then posts wrong passwords."""
    with httpx.Client(base_url=base, timeout=30) as client:
        page = client.get("/login").text
        # (A platform without CSRF protection has no token: then none is sent.)
        token = page.partition('name="csrf_token" value="')[2].partition('"')[0]
        lock = threading.Lock()

        def attempt(n: int) -> None:
            try:
                response = client.post(
                    "/login",
                    data={
                        "email": ACCOUNTS[n % len(ACCOUNTS)],
                        "password": f"adivinanza-{n}",
                        "csrf_token": token,
                    },
                )
                status = response.status_code
            except httpx.HTTPError as error:
                status = type(error).__name__
            with lock:
                answers[status] += 1

        threads = []
        start = time.monotonic()
        for n in range(int(seconds * rate)):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            thread = threading.Thread(target=attempt, args=(n,))
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join()


def webhook(kind: str, n: int) -> dict:
    """A customer's "hola" (the bot answers it: Rasa's process gets busy too) or a delivery
    status of an unknown message (stored, nothing else)."""
    wa_id = f"5731{n % 50:08d}"
    common = {
        "waba_id": "200000000000001",
        "phone_number_id": "100000000000001",
        "display_phone_number": "573001234567",
    }
    if kind == "status":
        status = {
            "id": f"wamid.{uuid.uuid4().hex}",
            "status": "delivered",
            "timestamp": str(int(time.time())),
            "recipient_id": wa_id,
        }
        return status_webhook(**common, status=status)
    return inbound_message_webhook(
        **common,
        wa_id=wa_id,
        user_id=f"CO.{wa_id}",
        profile_name="Cliente de prueba",
        phone_hidden=False,
        message={"id": f"wamid.{uuid.uuid4().hex}", "type": "text", "text": {"body": "hola"}},
    )


def send_webhooks(
    url: str, secret: str, seconds: float, rate: float, latencies: list, kind: str
) -> None:
    with httpx.Client(timeout=30) as client:
        start = time.monotonic()
        for n in range(int(seconds * rate)):
            delay = start + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            payload = webhook(kind, n)
            raw = json.dumps(payload, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(raw, secret)}
            sent = time.perf_counter()
            response = client.post(url, content=raw, headers=headers)
            latencies.append((time.perf_counter() - sent, response.status_code, sent - start))


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rate", type=float, default=20, help="sign-in attempts per second")
    parser.add_argument("--webhooks-per-second", type=float, default=4)
    parser.add_argument("--kind", choices=("message", "status"), default="message")
    args = parser.parse_args()
    env = read_env()
    host = env.get("BIND_HOST", "127.0.0.1")
    platform = f"http://{host}:{env.get('PLATFORM_PORT', '8000')}"
    url = f"http://{host}:{env.get('RASA_PORT', '5005')}/webhooks/whatsapp/webhook"

    baseline: list = []
    secret = env["WHATSAPP_APP_SECRET"]
    send_webhooks(url, secret, 10, args.webhooks_per_second, baseline, args.kind)
    answers: Counter = Counter()
    latencies: list = []
    flood = threading.Thread(target=flood_logins, args=(platform, args.seconds, args.rate, answers))
    flood.start()
    send_webhooks(url, secret, args.seconds, args.webhooks_per_second, latencies, args.kind)
    flood.join()

    for name, sample in (("without flood (10 s)", baseline), ("during the flood", latencies)):
        seconds = [s for s, _, _ in sample]
        statuses = Counter(status for _, status, _ in sample)
        slowest = sorted(sample, reverse=True)[:5]
        print(
            f"webhook acks {name}: n={len(seconds)} statuses={dict(statuses)} "
            f"p50={statistics.median(seconds) * 1000:.1f} ms "
            f"p99={percentile(seconds, 0.99) * 1000:.1f} ms "
            f"max={max(seconds) * 1000:.1f} ms; slowest at "
            + ", ".join(f"{at:.1f} s ({s * 1000:.0f} ms)" for s, _, at in slowest)
        )
    print(f"/login answers during the flood: {dict(answers)}")


if __name__ == "__main__":
    main()
