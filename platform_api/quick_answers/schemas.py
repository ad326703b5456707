from pydantic import BaseModel, ConfigDict, Field, field_validator

from platform_api.advisors.models import AREAS
from platform_api.validation import ApiInput

# One word after "/": letters (accents too), digits, "-" and "_".
SHORTCUT_PATTERN = r"^[\w-]{1,40}$"


class QuickAnswerWrite(ApiInput):
    shortcut: str = Field(min_length=1, max_length=40, pattern=SHORTCUT_PATTERN)
    title: str = Field(min_length=2, max_length=120)
    text: str = Field(min_length=1, max_length=4096)
    area: str | None = None

    @field_validator("shortcut", mode="before")
    @classmethod
    def one_lowercase_word(cls, value: object) -> object:
        return value.strip().lstrip("/").lower() if isinstance(value, str) else value

    @field_validator("title", "text", mode="before")
    @classmethod
    def trimmed(cls, value: object) -> object:
        return value.strip() if isinstance(value, str) else value

    @field_validator("area", mode="before")
    @classmethod
    def known_area_or_all(cls, value: object) -> object:
        if value in ("", None):
            return None
        if value not in AREAS:
            raise ValueError(f"área desconocida; use una de: {', '.join(AREAS)}")
        return value


class QuickAnswerRead(BaseModel):
    """What the composer gets: the shortcut to match and the text to insert."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    shortcut: str
    title: str
    text: str
    area: str | None
