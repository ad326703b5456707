"""Who a customer is to a business, as Meta's webhooks show it ("Business-scoped user IDs"):
the phone (`wa_id`), withheld for a user with a username unless Meta may include it; the
business-scoped user id (BSUID, `user_id`), one per business portfolio; the parent BSUID
(`parent_user_id`), shared by linked portfolios, only when the business enabled it; the
username and profile name. Facts and sources: simulator/WEBHOOKS.md, section 2."""

import hashlib
import hmac
import threading
from dataclasses import dataclass
from typing import Any

# Parent BSUIDs are the same for every linked portfolio: derived from one key.
PARENT_SCOPE = b"linked-portfolios"


@dataclass
class CustomerIdentity:
    wa_id: str
    profile_name: str
    # Meta withholds the phone of a user with a username it may not show (no recent chat,
    # not in the contact book): webhooks then carry only the BSUID.
    phone_hidden: bool = False
    username: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "wa_id": self.wa_id,
            "profile_name": self.profile_name,
            "phone_hidden": self.phone_hidden,
            "username": self.username,
        }


def parent_user_id(wa_id: str, country: str = "CO") -> str:
    """Parent BSUID: "CC.ENT.<digits>", the same across the linked portfolios."""
    digest = hmac.new(PARENT_SCOPE, wa_id.encode(), hashlib.sha256).hexdigest()
    return f"{country}.ENT.{int(digest[:16], 16):020d}"


def rotated_user_id(user_id: str) -> str:
    """The BSUID a user gets when Meta regenerates theirs (system user_changed_user_id)."""
    country, _, _ = user_id.partition(".")
    digest = hashlib.sha256(f"rotated:{user_id}".encode()).hexdigest()
    return f"{country}.{int(digest[:16], 16):020d}"


def default_username(profile_name: str) -> str:
    return "".join(ch for ch in profile_name.lower() if ch.isalnum() or ch in "._") or "usuario"


class IdentityBook:
    """The customers' identities and which business numbers have parent BSUIDs enabled."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.customers: dict[str, CustomerIdentity] = {}
        self.parent_numbers: set[str] = set()

    def get(self, wa_id: str) -> CustomerIdentity:
        with self.lock:
            found = self.customers.get(wa_id)
            if found is None:
                found = CustomerIdentity(wa_id=wa_id, profile_name=f"Cliente {wa_id[-4:]}")
                self.customers[wa_id] = found
            return found

    def update(
        self,
        wa_id: str,
        *,
        profile_name: str | None = None,
        phone_hidden: bool | None = None,
        username: str | None = None,
        clear_username: bool = False,
    ) -> CustomerIdentity:
        identity = self.get(wa_id)
        with self.lock:
            if profile_name:
                identity.profile_name = profile_name
            if phone_hidden is not None:
                identity.phone_hidden = phone_hidden
            if clear_username:
                identity.username = None
            if username:
                identity.username = username
            # Only a user with a username can hide their phone.
            if identity.phone_hidden and not identity.username:
                identity.username = default_username(identity.profile_name)
            return identity

    def parents_enabled(self, phone_number_id: str) -> bool:
        with self.lock:
            return phone_number_id in self.parent_numbers

    def enable_parents(self, phone_number_id: str, enabled: bool) -> None:
        with self.lock:
            if enabled:
                self.parent_numbers.add(phone_number_id)
            else:
                self.parent_numbers.discard(phone_number_id)

    def reset(self) -> None:
        with self.lock:
            self.customers.clear()
            self.parent_numbers.clear()


@dataclass(frozen=True)
class Seen:
    """A customer as one webhook of one business number shows them."""

    wa_id: str | None
    user_id: str
    parent_user_id: str | None
    username: str | None
    profile_name: str

    def contact(self, *, name: bool = True, username: bool = True) -> dict[str, Any]:
        """An item of `value.contacts` (incoming messages, statuses, echoes, history media)."""
        profile: dict[str, Any] = {}
        if name:
            profile["name"] = self.profile_name
        if username and self.username:
            profile["username"] = self.username
        item: dict[str, Any] = {}
        if profile:
            item["profile"] = profile
        if self.wa_id:
            item["wa_id"] = self.wa_id
        item["user_id"] = self.user_id
        if self.parent_user_id:
            item["parent_user_id"] = self.parent_user_id
        return item

    def sender(self) -> dict[str, str]:
        """`from`, `from_user_id`, `from_parent_user_id` of a message the customer sent."""
        fields = {"from": self.wa_id} if self.wa_id else {}
        fields["from_user_id"] = self.user_id
        if self.parent_user_id:
            fields["from_parent_user_id"] = self.parent_user_id
        return fields

    def recipient(self) -> dict[str, str]:
        """`to`, `to_user_id`, `to_parent_user_id` of a message the business sent (echoes)."""
        fields = {"to": self.wa_id} if self.wa_id else {}
        fields["to_user_id"] = self.user_id
        if self.parent_user_id:
            fields["to_parent_user_id"] = self.parent_user_id
        return fields
