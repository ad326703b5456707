from typing import Annotated

from fastapi import APIRouter, Depends

from platform_api import authorization
from platform_api.audit import service as audit
from platform_api.auth import CurrentPrincipal
from platform_api.contacts.models import Contact
from platform_api.contacts.schemas import ContactUpdate
from platform_api.conversations.schemas import ContactRead
from platform_api.database import SessionDep
from platform_api.validation import DbId

router = APIRouter(prefix="/contacts", tags=["contacts"])


def get_visible_contact(
    contact_id: DbId, session: SessionDep, principal: CurrentPrincipal
) -> Contact:
    return authorization.found(
        authorization.visible_contact(session, principal, contact_id), "Contacto no encontrado"
    )


ContactDep = Annotated[Contact, Depends(get_visible_contact)]


@router.get("/{contact_id}", response_model=ContactRead)
def read_contact(contact: ContactDep) -> Contact:
    return contact


@router.patch("/{contact_id}", response_model=ContactRead)
def update_contact(
    contact: ContactDep, body: ContactUpdate, session: SessionDep, principal: CurrentPrincipal
) -> Contact:
    """What the bot collected (name, identification) or an advisor corrected."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(contact, field, value)
    if changes:
        actor = "bot" if principal.kind == "service" else principal.actor
        audit.record(
            session,
            actor=actor,
            action="contact.updated",
            entity=contact,
            details={"fields": sorted(changes)},
        )
    session.commit()
    return contact
