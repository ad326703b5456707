"""What the sign-up page sends, and the linked numbers as the API shows them."""

from pydantic import BaseModel, ConfigDict, Field

from platform_api.validation import ApiInput, UtcDatetime


class SignupIn(ApiInput):
    """What the sign-up page got: the code from FB.login and the session-info message event
    (WA_EMBEDDED_SIGNUP: FINISH..., CANCEL or ERROR; SESSION_INFO_MISSING when Meta's event
    never came), and the two-step verification PIN typed for a number not on the app."""

    event: str = Field(max_length=60)
    code: str | None = Field(default=None, max_length=2000)
    waba_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9]+$")
    phone_number_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9]+$")
    # Meta's FINISH names the business portfolio; the platform asks Graph for it instead.
    business_id: str | None = Field(default=None, max_length=64, pattern=r"^[0-9]+$")
    pin: str | None = Field(default=None, pattern=r"^[0-9]{6}$")
    current_step: str | None = Field(default=None, max_length=100)
    error_message: str | None = Field(default=None, max_length=1000)


class NumberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    phone_number_id: str
    waba_id: str | None
    display_phone_number: str | None
    verified_name: str | None
    status: str
    advisor_id: int | None
    coexistence: bool
    linked_at: UtcDatetime | None
    unlinked_at: UtcDatetime | None
    contacts_sync_requested_at: UtcDatetime | None
    history_sync_requested_at: UtcDatetime | None
    last_error: str | None


class SignupOut(BaseModel):
    linked: bool
    message: str
    number: NumberRead | None = None
