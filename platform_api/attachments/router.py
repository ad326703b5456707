from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status
from fastapi.responses import FileResponse

from platform_api import authorization
from platform_api.attachments import jobs, service
from platform_api.attachments.models import Attachment
from platform_api.attachments.schemas import AttachmentRead
from platform_api.auth import CurrentPrincipal
from platform_api.conversations.dependencies import ConversationDep
from platform_api.database import SessionDep
from platform_api.graph.client import GraphDep
from platform_api.validation import DbId

router = APIRouter(tags=["attachments"])


def get_attachment(
    attachment_id: DbId, session: SessionDep, principal: CurrentPrincipal
) -> Attachment:
    return authorization.found(
        authorization.visible_attachment(session, principal, attachment_id),
        "Adjunto no encontrado",
    )


AttachmentDep = Annotated[Attachment, Depends(get_attachment)]


@router.get("/conversations/{conversation_id}/attachments", response_model=list[AttachmentRead])
def list_attachments(conversation: ConversationDep, session: SessionDep) -> list[AttachmentRead]:
    return [
        AttachmentRead.model_validate(a)
        for a in service.list_for_conversation(session, conversation.id)
    ]


@router.get("/attachments/{attachment_id}", response_model=AttachmentRead)
def read_attachment(attachment: AttachmentDep) -> Attachment:
    return attachment


INLINE_IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp", "image/gif")


@router.get(
    "/attachments/{attachment_id}/content",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}},
        409: {"description": "El archivo aún no está disponible"},
    },
)
def attachment_content(attachment: AttachmentDep) -> FileResponse:
    path = service.file_path(attachment)
    if path is None:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            detail=f"El archivo no está disponible ({attachment.status}: "
            f"{attachment.error or 'en descarga'})",
        )
    mime_type = attachment.mime_type or "application/octet-stream"
    # What customers send is untrusted: only raster images open in the browser; anything
    # else downloads (an <audio>/<video> element still plays it), is never sniffed into
    # another type, and would run sandboxed (no script, no origin) if opened anyway.
    inline = attachment.kind == "image" and mime_type in INLINE_IMAGE_TYPES
    return FileResponse(
        path,
        media_type=mime_type,
        filename=attachment.filename or f"adjunto-{attachment.id}",
        content_disposition_type="inline" if inline else "attachment",
        headers={"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox"},
    )


@router.post("/attachments/{attachment_id}/fetch", response_model=AttachmentRead)
def retry_fetch(
    attachment: AttachmentDep,
    session: SessionDep,
    graph: GraphDep,
) -> Attachment:
    """Downloads again from the Graph API an attachment that failed (Meta keeps media 30 days);
    one still waiting for its download gets its attempt now, if nobody holds it."""
    return jobs.fetch_again(session, graph, attachment)
