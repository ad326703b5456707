"""Writes .env from .env.example with random secrets, unless .env already exists."""

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEYS = {
    "PLATFORM_SERVICE_TOKEN",
    "PLATFORM_SESSION_SECRET",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_BOT_TOKEN",
    "META_APP_SECRET",
}


def render(example: str) -> str:
    lines = []
    for line in example.splitlines():
        key, sep, _ = line.partition("=")
        if sep and key.strip() in SECRET_KEYS:
            line = f"{key}={secrets.token_urlsafe(32)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main() -> int:
    target = ROOT / ".env"
    if target.exists():
        return 0
    target.write_text(render((ROOT / ".env.example").read_text()))
    target.chmod(0o600)
    print("==> wrote .env with random secrets")
    return 0


if __name__ == "__main__":
    sys.exit(main())
