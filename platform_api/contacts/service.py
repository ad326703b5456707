"""Find the contact behind a WhatsApp message, by phone or by business-scoped user id."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from platform_api.contacts.models import Contact, ContactIdentity


def get_by_wa_id(session: Session, wa_id: str) -> Contact | None:
    return session.scalar(select(Contact).where(Contact.wa_id == wa_id))


def get_by_user_id(session: Session, *, portfolio_id: str, user_id: str) -> Contact | None:
    return session.scalar(
        select(Contact)
        .join(ContactIdentity)
        .where(ContactIdentity.portfolio_id == portfolio_id, ContactIdentity.user_id == user_id)
    )


def user_id_for(contact: Contact, portfolio_id: str) -> str | None:
    return next((i.user_id for i in contact.identities if i.portfolio_id == portfolio_id), None)


def find_or_create(
    session: Session,
    *,
    portfolio_id: str,
    wa_id: str | None,
    user_id: str | None,
    profile_name: str | None = None,
) -> Contact:
    """Match on either identifier and record whichever one the contact did not have yet."""
    if not wa_id and not user_id:
        raise ValueError("wa_id or user_id is required")
    by_phone = get_by_wa_id(session, wa_id) if wa_id else None
    by_user_id = (
        get_by_user_id(session, portfolio_id=portfolio_id, user_id=user_id) if user_id else None
    )
    contact = by_phone or by_user_id
    if contact is None:
        contact = Contact(wa_id=wa_id)
        session.add(contact)
    if user_id and by_user_id is None:
        contact.identities.append(ContactIdentity(portfolio_id=portfolio_id, user_id=user_id))
    elif user_id and by_user_id is not None and by_phone is not None and by_user_id is not by_phone:
        # The same user id now arrives with a phone we know under another contact: the phone wins.
        identity = next(
            i
            for i in by_user_id.identities
            if i.portfolio_id == portfolio_id and i.user_id == user_id
        )
        identity.contact = by_phone
    if wa_id and contact.wa_id is None:
        contact.wa_id = wa_id
    if profile_name:
        contact.profile_name = profile_name
    session.flush()
    return contact
