from pydantic import Field

from platform_api.validation import ApiInput


class ContactUpdate(ApiInput):
    name: str | None = Field(default=None, min_length=2, max_length=200)
    id_type: str | None = Field(default=None, pattern="^(CC|NIT|CE|PA)$")
    id_number: str | None = Field(default=None, min_length=5, max_length=40)
