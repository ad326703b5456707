"""Action-server settings, read from the environment when first needed (never at import)."""

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ActionSettings:
    platform_url: str
    platform_token: str
    timeout_seconds: float


@lru_cache(maxsize=1)
def settings() -> ActionSettings:
    return ActionSettings(
        platform_url=os.environ.get("PLATFORM_URL", "http://127.0.0.1:8000").rstrip("/"),
        platform_token=os.environ.get("PLATFORM_SERVICE_TOKEN", ""),
        timeout_seconds=float(os.environ.get("PLATFORM_TIMEOUT_SECONDS", "10")),
    )
