from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from platform_api.advisors.models import AREAS
from platform_api.validation import ApiInput, UtcDatetime

PHONE_PATTERN = r"^\+?[0-9 ]{7,20}$"


def _check_area(value: str | None) -> str | None:
    if value is not None and value not in AREAS:
        raise ValueError(f"área desconocida; use una de: {', '.join(AREAS)}")
    return value


class AdvisorBase(ApiInput):
    name: str = Field(min_length=2, max_length=200)
    aliases: list[str] = Field(default_factory=list, max_length=20)
    area: str
    personal_phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    email: EmailStr | None = None
    role: str = Field(default="advisor", pattern="^(admin|advisor)$")

    _area = field_validator("area")(_check_area)


class AdvisorCreate(AdvisorBase):
    password: str | None = Field(default=None, min_length=10, max_length=200)


class AdvisorUpdate(ApiInput):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    aliases: list[str] | None = Field(default=None, max_length=20)
    area: str | None = None
    personal_phone: str | None = Field(default=None, pattern=PHONE_PATTERN)
    email: EmailStr | None = None
    role: str | None = Field(default=None, pattern="^(admin|advisor)$")
    password: str | None = Field(default=None, min_length=10, max_length=200)
    is_active: bool | None = None

    _area = field_validator("area")(_check_area)


class AdvisorRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    aliases: list[str]
    area: str
    personal_phone: str | None
    email: str | None
    role: str
    is_active: bool
    linked_phone_number_id: str | None = None
    created_at: UtcDatetime


class AdvisorList(BaseModel):
    total: int
    items: list[AdvisorRead]


class AdvisorMatch(BaseModel):
    advisor: AdvisorRead
    score: float


class AdvisorMatchResult(BaseModel):
    query: str
    area: str | None
    # True when the words name someone (not only an area: "el de soporte").
    named: bool = False
    unambiguous: bool
    best: AdvisorRead | None
    candidates: list[AdvisorMatch]
