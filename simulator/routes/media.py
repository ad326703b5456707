"""Graph's media: POST /{version}/{phone_number_id}/media (a business uploads a file it will
send), GET /{version}/{node_id} (a media object, or a business phone number with
?fields=...) and the media download URL a media object points to; the phone page's view of a
file the business sent."""

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from simulator.context import SimulatorDep
from simulator.meta_errors import graph_error
from simulator.meta_limits import UPLOAD_TYPES
from simulator.routes import waba
from simulator.routes.messages import refuse_caller, served
from simulator.state import Media

router = APIRouter()
# Included last by create_app: its two-segment pattern would shadow /_sim/... routes.
node_router = APIRouter()


@node_router.get("/{version}/{node_id}")
def graph_node(
    version: str,
    node_id: str,
    sim: SimulatorDep,
    fields: str | None = None,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """A media object, a business phone number or a WABA (?fields=...)."""
    if waba.is_waba(sim, node_id):
        return waba.waba_node(sim, node_id, fields, authorization)
    if node_id in sim.numbers:
        refused = sim.graph.authorize(authorization, node_id, "get") or sim.graph.unknown_field(
            fields
        )
        if refused is not None:
            return refused
        return JSONResponse(sim.graph.phone_number(node_id, fields))
    media_id = node_id
    media = sim.state.media.get(media_id)
    if media is None:
        return graph_error(
            100,
            "Unsupported get request.",
            f"Object with ID '{media_id}' does not exist.",
            400,
            "GraphMethodException",
        )
    if not sim.any_token_matches(authorization):
        return graph_error(190, "Invalid OAuth access token.", "Invalid OAuth access token.", 401)
    return JSONResponse(
        {
            "messaging_product": "whatsapp",
            "url": f"{sim.settings.simulator_public_url}/_sim/media/{media_id}/download",
            "mime_type": media.mime_type,
            "sha256": media.sha256,
            "file_size": len(media.content),
            "id": media_id,
        }
    )


@router.get("/_sim/media/{media_id}/download")
def media_download(
    media_id: str, sim: SimulatorDep, authorization: Annotated[str | None, Header()] = None
) -> Response:
    media = sim.state.media.get(media_id)
    if media is None:
        raise HTTPException(404)
    if not sim.any_token_matches(authorization):
        raise HTTPException(401)
    return Response(media.content, media_type=media.mime_type)


@router.post("/{version}/{phone_number_id}/media")
async def upload_media(
    version: str,
    phone_number_id: str,
    request: Request,
    sim: SimulatorDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    """Upload media (Cloud API reference, "Media"): multipart/form-data with `file`, `type`
    (its MIME type) and `messaging_product=whatsapp`, the number's bearer token; answers
    {"id": "<MEDIA_ID>"}, the id a media message then names. The refusals' wording is this
    stand-in's (Meta answers code 100 for a bad parameter)."""
    # Faults armed for every customer (simulator/faults.py) hit an upload as they hit a send.
    fault = sim.faults.take(phone_number_id, scoped=False)
    if fault is not None:
        return await served(sim, fault)
    refused = refuse_caller(sim, phone_number_id, authorization)
    if refused is not None:
        return refused
    try:
        form = await request.form(max_part_size=max(UPLOAD_TYPES.values()) + 1)
    except Exception:  # not multipart, or a broken body: a bad parameter
        return graph_error(100, "(#100) Invalid parameter", "The body must be multipart.", 400)
    if form.get("messaging_product") != "whatsapp":
        return graph_error(
            100,
            "(#100) The parameter messaging_product is required.",
            "messaging_product must be 'whatsapp'.",
            400,
        )
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return graph_error(100, "(#100) The parameter file is required.", "file is required.", 400)
    mime_type = str(form.get("type") or upload.content_type or "").split(";")[0].strip().lower()
    if mime_type not in UPLOAD_TYPES:
        return graph_error(
            100,
            "(#100) Param file must be a file with one of the following types: "
            + ", ".join(UPLOAD_TYPES),
            f"Unsupported file type '{mime_type}'.",
            400,
        )
    content = await upload.read()
    if not content or len(content) > UPLOAD_TYPES[mime_type]:
        return graph_error(
            100,
            "(#100) Invalid parameter",
            f"The file must be between 1 and {UPLOAD_TYPES[mime_type]} bytes for {mime_type}.",
            400,
        )
    media_id = sim.state.new_media_id()
    with sim.state.lock:
        sim.state.media[media_id] = Media(
            id=media_id, mime_type=mime_type, filename=upload.filename, content=content
        )
    return JSONResponse({"id": media_id})


@router.get("/_sim/phone/media/{media_id}")
def phone_media(media_id: str, sim: SimulatorDep) -> Response:
    """A file as the customer's phone opens it (the phone page; development only)."""
    media = sim.state.media.get(media_id)
    if media is None:
        raise HTTPException(404)
    headers = {}
    if media.filename:
        headers["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(media.filename)}"
    return Response(media.content, media_type=media.mime_type, headers=headers)
