"""Find the contact behind a WhatsApp message, by phone or by business-scoped user id."""

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.contacts.models import Contact, ContactIdentity


@dataclass(frozen=True)
class CustomerIds:
    """What a webhook says about who the customer is. Any of them may be absent: a customer
    with a username comes with no phone; parent ids exist only for enrolled businesses."""

    wa_id: str | None = None
    user_id: str | None = None
    parent_user_id: str | None = None
    username: str | None = None

    @property
    def identifies(self) -> bool:
        return bool(self.wa_id or self.user_id)


def get_by_wa_id(session: Session, wa_id: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.wa_id == wa_id))


def get_by_user_id(session: Session, *, portfolio_id: str, user_id: str) -> Contact | None:
    return session.scalar(
        select(Contact)
        .join(ContactIdentity)
        .where(ContactIdentity.portfolio_id == portfolio_id, ContactIdentity.user_id == user_id)
    )


def get_by_parent_user_id(session: Session, parent_user_id: str) -> Contact | None:
    """A parent BSUID names one user across the portfolios of its parent account."""
    return session.scalar(
        select(Contact)
        .join(ContactIdentity)
        .where(ContactIdentity.parent_user_id == parent_user_id)
        .order_by(ContactIdentity.id)
    )


def user_id_for(contact: Contact, portfolio_id: str) -> str | None:
    return next((i.user_id for i in contact.identities if i.portfolio_id == portfolio_id), None)


def find(session: Session, *, portfolio_id: str, ids: CustomerIds) -> Contact | None:
    if ids.wa_id and (contact := get_by_wa_id(session, ids.wa_id)) is not None:
        return contact
    if ids.user_id:
        contact = get_by_user_id(session, portfolio_id=portfolio_id, user_id=ids.user_id)
        if contact is not None:
            return contact
    if ids.parent_user_id:
        return get_by_parent_user_id(session, ids.parent_user_id)
    return None


def find_or_create(
    session: Session,
    *,
    portfolio_id: str,
    wa_id: str | None,
    user_id: str | None,
    profile_name: str | None = None,
    parent_user_id: str | None = None,
    username: str | None = None,
) -> Contact:
    """Match on any identifier and record whichever ones the contact did not have yet."""
    ids = CustomerIds(wa_id, user_id, parent_user_id, username)
    if not ids.identifies:
        raise ValueError("wa_id or user_id is required")
    contact = find(session, portfolio_id=portfolio_id, ids=ids)
    if contact is None:
        contact = Contact(wa_id=wa_id)
        session.add(contact)
    record_ids(session, contact, portfolio_id=portfolio_id, ids=ids)
    if profile_name:
        contact.profile_name = profile_name
    session.flush()
    return contact


def record_ids(session: Session, contact: Contact, *, portfolio_id: str, ids: CustomerIds) -> None:
    """What a message, a status or the app's address book told us about this contact: the
    phone, the user id in this portfolio, the parent user id and the username."""
    if ids.wa_id and contact.wa_id is None and get_by_wa_id(session, ids.wa_id) is None:
        contact.wa_id = ids.wa_id
    if ids.username:
        contact.username = ids.username
    if not ids.user_id:
        return
    identity = session.scalar(
        select(ContactIdentity).where(
            ContactIdentity.portfolio_id == portfolio_id, ContactIdentity.user_id == ids.user_id
        )
    )
    if identity is None:
        identity = ContactIdentity(portfolio_id=portfolio_id, user_id=ids.user_id)
        contact.identities.append(identity)
    elif identity.contact_id != contact.id and contact.wa_id is not None:
        # The same user id now arrives with a phone we know under another contact: the phone
        # wins (the contact known only by user id was the same person).
        identity.contact = contact
    if ids.parent_user_id:
        identity.parent_user_id = ids.parent_user_id
