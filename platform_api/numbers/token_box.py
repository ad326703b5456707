"""Business tokens of linked numbers, encrypted at rest (Fernet, key derived from
TOKEN_ENCRYPTION_KEY in .env). Losing the key means re-linking the numbers, nothing worse."""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken

from platform_api.config import settings


class TokenKeyError(RuntimeError):
    """The stored token cannot be read with this key (the key changed)."""


def _fernet(key: str | None = None) -> Fernet:
    secret = (key or settings.token_encryption_key).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret).digest()))


def seal(token: str, key: str | None = None) -> str:
    return _fernet(key).encrypt(token.encode()).decode()


def open_sealed(sealed: str, key: str | None = None) -> str:
    try:
        return _fernet(key).decrypt(sealed.encode()).decode()
    except InvalidToken as error:
        raise TokenKeyError("TOKEN_ENCRYPTION_KEY no abre este token") from error
