"""Graph's nodes: GET /{version}/{node_id} (a media object, or a business phone number with
?fields=...) and the media download URL a media object points to."""

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException
from fastapi.responses import JSONResponse, Response

from simulator.context import SimulatorDep
from simulator.meta_errors import graph_error
from simulator.routes import waba

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
