"""Writes .env from .env.example with random secrets, unless .env already exists; to an
existing .env, adds the variables introduced since and fills the secrets left empty."""

import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEYS = {
    "PLATFORM_SERVICE_TOKEN",
    "PLATFORM_SESSION_SECRET",
    "PLATFORM_DEV_PASSWORD",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_BOT_TOKEN",
    "META_APP_SECRET",
    "TOKEN_ENCRYPTION_KEY",
    "RASA_AUTH_TOKEN",
    "ACTION_SERVER_SECRET",
}
# Secrets that an older .env may hold empty (Rasa's token was optional): given a value then.
FILL_WHEN_EMPTY = {"RASA_AUTH_TOKEN", "ACTION_SERVER_SECRET"}


def render(example: str) -> str:
    lines = []
    for line in example.splitlines():
        key, sep, _ = line.partition("=")
        if sep and key.strip() in SECRET_KEYS:
            line = f"{key}={secrets.token_urlsafe(32)}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def keys(text: str) -> set[str]:
    return {
        line.partition("=")[0].strip()
        for line in text.splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }


def fill_empty_secrets(target: Path) -> str:
    """Gives FILL_WHEN_EMPTY secrets that are present but empty a random value."""
    lines = target.read_text().splitlines(keepends=True)
    filled = []
    for index, line in enumerate(lines):
        key, sep, value = line.rstrip("\n").partition("=")
        if sep and key.strip() in FILL_WHEN_EMPTY and not value.strip().strip("'\""):
            lines[index] = f"{key.strip()}={secrets.token_urlsafe(32)}\n"
            filled.append(key.strip())
    text = "".join(lines)
    if filled:
        target.write_text(text)
        print(f"==> new random values in .env for: {', '.join(filled)}")
    return text


def main() -> int:
    target = ROOT / ".env"
    example = (ROOT / ".env.example").read_text()
    if not target.exists():
        target.write_text(render(example))
        target.chmod(0o600)
        print("==> wrote .env with random secrets")
        return 0
    # An older .env: add the variables introduced since, leaving the existing ones alone.
    current = fill_empty_secrets(target)
    missing = [
        line
        for line in render(example).splitlines()
        if "=" in line
        and not line.startswith("#")
        and line.partition("=")[0].strip() not in keys(current)
    ]
    if missing:
        with target.open("a") as out:
            out.write(("" if current.endswith("\n") else "\n") + "\n".join(missing) + "\n")
        print(f"==> added to .env: {', '.join(m.partition('=')[0] for m in missing)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
