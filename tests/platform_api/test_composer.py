"""The inbox composer beyond text: a file sent through Graph's media upload and the outbox
(kept as an attachment of the conversation), approved templates once the customer's 24-hour
window has closed, internal notes that never leave the platform, and Plantilla K before an
advisor's personal-number link."""

from datetime import timedelta

import httpx
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from platform_api.attachments.models import Attachment
from platform_api.conversations.models import Conversation, ConversationNote, Message
from platform_api.database import utcnow
from tests.platform_api.factories import make_advisor, open_conversation, sign_in

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PLANTILLA_K = (
    "⚠️ Meta no permite transferir conversaciones entre números distintos. Podemos enviarte un "
    "enlace al número del asesor, pero se perderá la trazabilidad."
)
WINDOW_CLOSED = "La ventana de 24 horas está cerrada: solo puedes enviar una plantilla aprobada"


def phone_inbox(simulator, wa_id: str) -> list[dict]:
    return httpx.get(f"{simulator[0]}/_sim/customers/{wa_id}/inbox").json()["messages"]


def advisor_with_conversation(client, auth, session, wa_id: str, name: str = "Paola Ríos"):
    advisor = make_advisor(session, name)
    conversation = open_conversation(client, auth, "hola", wa_id=wa_id, profile_name="Ana Ruiz")
    response = client.post(
        f"/api/conversations/{conversation}/assign", headers=auth, json={"advisor_id": advisor.id}
    )
    assert response.status_code == 200, response.text
    sign_in(client, advisor)
    return advisor, conversation


def close_window(session: Session, conversation_id: int) -> None:
    """The customer last wrote 25 hours ago."""
    session.execute(
        update(Message)
        .where(Message.conversation_id == conversation_id)
        .values(sent_at=utcnow() - timedelta(hours=25))
    )
    session.flush()


# ---- files ---------------------------------------------------------------------------------


def test_a_pdf_goes_through_the_media_upload_reaches_the_phone_and_stays_in_the_history(
    client, auth, session, simulator
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550001")

    page = client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("cotizacion-123.pdf", PDF, "application/pdf")},
        data={"caption": "Te envío la cotización"},
    )

    assert "Archivo «cotizacion-123.pdf» enviado" in page.text
    [received] = phone_inbox(simulator, "573005550001")
    assert received["type"] == "document"
    assert received["media"]["filename"] == "cotizacion-123.pdf"
    assert received["media"]["caption"] == "Te envío la cotización"
    assert received["request"]["document"]["id"] == received["media"]["id"]
    # The simulator holds exactly the bytes the advisor picked, as Meta would after the upload.
    uploaded = simulator[1].media[received["media"]["id"]]
    assert (uploaded.content, uploaded.mime_type) == (PDF, "application/pdf")
    opened = httpx.get(f"{simulator[0]}{received['media']['url']}")
    assert opened.content == PDF
    # Kept as the conversation's attachment, with Meta's id, shown in the history.
    [attachment] = session.scalars(
        select(Attachment).where(Attachment.conversation_id == conversation)
    ).all()
    assert (attachment.kind, attachment.status, attachment.filename) == (
        "document",
        "stored",
        "cotizacion-123.pdf",
    )
    assert attachment.media_id == received["media"]["id"]
    history = client.get(f"/conversations/{conversation}/history").text
    assert f'href="/api/attachments/{attachment.id}/content"' in history
    assert "📄 cotizacion-123.pdf" in history and "Te envío la cotización" in history
    assert client.get(f"/api/attachments/{attachment.id}/content").content == PDF


def test_the_file_an_advisor_sent_reaches_the_lead(client, auth, session, simulator) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550002")
    client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("catalogo.pdf", PDF, "application/pdf")},
    )

    lead = client.post(f"/api/conversations/{conversation}/lead").json()["lead"]

    assert [a["filename"] for a in lead["attachments"]] == ["catalogo.pdf"]


def test_a_5xx_on_the_upload_leaves_the_file_queued_and_the_worker_sends_it_once(
    client, auth, session, simulator, drain
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550003")
    httpx.post(f"{simulator[0]}/_sim/faults", json={"kind": "http_503", "count": 1})
    try:
        page = client.post(
            f"/conversations/{conversation}/attachment",
            files={"file": ("foto.png", b"\x89PNG\r\n\x1a\n" + b"0" * 200, "image/png")},
        )
    finally:
        httpx.delete(f"{simulator[0]}/_sim/faults")

    assert "Archivo «foto.png» en cola" in page.text
    assert phone_inbox(simulator, "573005550003") == []
    [message] = session.scalars(
        select(Message).where(Message.conversation_id == conversation, Message.type == "image")
    ).all()
    assert (message.status, message.send_attempts) == ("pending", 1)

    drain()

    [received] = phone_inbox(simulator, "573005550003")
    assert received["type"] == "image" and received["media"]["mime_type"] == "image/png"
    session.refresh(message)
    assert message.status == "sent"


def test_a_file_uploaded_before_a_failed_send_is_not_uploaded_again(
    client, auth, session, simulator, drain
) -> None:
    """The upload succeeded, the send got a 5xx: the retry names the same media id."""
    _, conversation = advisor_with_conversation(client, auth, session, "573005550014")
    uploads_before = len(simulator[1].media)
    httpx.post(
        f"{simulator[0]}/_sim/faults",
        json={"kind": "http_503", "count": 1, "customer": "573005550014"},
    )
    try:
        page = client.post(
            f"/conversations/{conversation}/attachment",
            files={"file": ("lista.pdf", PDF, "application/pdf")},
        )
    finally:
        httpx.delete(f"{simulator[0]}/_sim/faults")
    assert "en cola" in page.text
    [attachment] = session.scalars(
        select(Attachment).where(Attachment.conversation_id == conversation)
    ).all()
    assert attachment.media_id in simulator[1].media

    drain()

    [received] = phone_inbox(simulator, "573005550014")
    assert received["media"]["id"] == attachment.media_id
    assert len(simulator[1].media) == uploads_before + 1


def test_a_file_whatsapp_would_refuse_is_refused_in_spanish_and_nothing_is_sent(
    client, auth, session, simulator
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550004")

    wrong_type = client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("programa.exe", b"MZ" + b"0" * 100, "application/x-msdownload")},
    )
    too_big = client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("plano.jpg", b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "image/jpeg")},
    )
    empty = client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("vacio.pdf", b"", "application/pdf")},
    )

    assert "WhatsApp no admite el tipo de «programa.exe»" in wrong_type.text
    assert "«plano.jpg» pesa 5 MB: WhatsApp admite imágenes de hasta 5 MB" in too_big.text
    assert "El archivo «vacio.pdf» está vacío" in empty.text
    assert phone_inbox(simulator, "573005550004") == []
    assert (
        session.scalars(select(Attachment).where(Attachment.conversation_id == conversation)).all()
        == []
    )


# ---- the 24-hour window ------------------------------------------------------------------


def test_inside_the_window_the_composer_offers_free_text_and_files(client, auth, session) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550005")

    page = client.get(f"/conversations/{conversation}").text

    assert 'id="reply-text"' in page and 'id="attach-file"' in page
    assert WINDOW_CLOSED not in page
    assert "Puedes escribir libremente hasta el" in page


def test_with_the_window_closed_the_composer_says_so_and_offers_the_approved_templates(
    client, auth, session, simulator
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550006")
    close_window(session, conversation)

    page = client.get(f"/conversations/{conversation}").text

    assert WINDOW_CLOSED in page
    assert 'id="reply-text"' not in page and 'id="attach-file"' not in page
    assert 'data-template="seguimiento_conversacion"' in page
    assert 'data-template="retomar_conversacion"' in page
    assert 'name="parametro" value="Ana Ruiz"' in page
    assert 'name="parametro" value="Paola"' in page

    # A reply typed in a page opened before the window closed is refused, not lost in Meta.
    refused = client.post(f"/conversations/{conversation}/reply", data={"text": "¿Sigues ahí?"})
    assert WINDOW_CLOSED in refused.text
    assert phone_inbox(simulator, "573005550006") == []

    sent = client.post(
        f"/conversations/{conversation}/template",
        data={"plantilla": "retomar_conversacion:es", "parametro": ["Ana", "Paola"]},
    )

    assert "Plantilla «retomar_conversacion» enviada" in sent.text
    [received] = phone_inbox(simulator, "573005550006")
    assert received["type"] == "template" and received["status"] != "failed"
    assert received["template"] == {
        "name": "retomar_conversacion",
        "language": "es",
        "parameters": ["Ana", "Paola"],
    }
    history = client.get(f"/conversations/{conversation}/history").text
    assert "[plantilla retomar_conversacion] Hola Ana, soy Paola de PROSUMINISTROS." in history


def test_a_template_that_is_not_approved_or_lacks_a_parameter_is_refused(
    client, auth, session, simulator
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550007")
    close_window(session, conversation)

    unknown = client.post(
        f"/conversations/{conversation}/template", data={"plantilla": "promo_navidad:es"}
    )
    missing = client.post(
        f"/conversations/{conversation}/template",
        data={"plantilla": "retomar_conversacion:es", "parametro": ["Ana", "  "]},
    )
    broken = client.post(
        f"/conversations/{conversation}/template",
        data={"plantilla": "retomar_conversacion:es", "parametro": ["Ana\nRuiz", "Paola"]},
    )

    assert "Esa plantilla no está aprobada para este número." in unknown.text
    assert "Falta «Tu nombre»." in missing.text
    assert "«Nombre del cliente» no puede tener saltos de línea" in broken.text
    assert phone_inbox(simulator, "573005550007") == []


# ---- internal notes ----------------------------------------------------------------------


def test_an_internal_note_is_shown_as_a_note_audited_and_never_sent(
    client, auth, session, simulator
) -> None:
    paola, conversation = advisor_with_conversation(client, auth, session, "573005550008")
    sent_before = simulator[1].stats.send_attempts

    page = client.post(
        f"/conversations/{conversation}/notes",
        data={"texto": "Cliente VIP: ofrecer 10 % de descuento"},
    )

    assert "Nota interna guardada. El cliente no la ve." in page.text
    history = client.get(f"/conversations/{conversation}/history").text
    note = history.split('class="msg note"')[1].split("</article>")[0]
    assert "Nota interna" in note and "Paola Ríos" in note
    assert "Cliente VIP: ofrecer 10 % de descuento" in note
    # Never sent: no Graph call, nothing on the phone, no message row, not in the API's messages.
    assert simulator[1].stats.send_attempts == sent_before
    assert phone_inbox(simulator, "573005550008") == []
    assert not session.scalars(select(Message).where(Message.text.contains("VIP"))).all()
    texts = [
        m["text"] for m in client.get(f"/api/conversations/{conversation}/messages").json()["items"]
    ]
    assert not any("VIP" in (t or "") for t in texts)
    [stored] = session.scalars(
        select(ConversationNote).where(ConversationNote.conversation_id == conversation)
    ).all()
    assert stored.advisor_id == paola.id
    [event] = client.get("/api/audit?action=conversation.note_added", headers=auth).json()["items"]
    assert event["details"]["note_id"] == stored.id
    assert event["actor"] == f"advisor:{paola.id}"


def test_an_empty_note_is_refused(client, auth, session) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550009")
    page = client.post(f"/conversations/{conversation}/notes", data={"texto": "  "})
    assert "Escribe la nota antes de guardarla." in page.text


# ---- Plantilla K before the link ---------------------------------------------------------


def test_an_advisors_link_from_the_inbox_comes_after_plantilla_k_verbatim(
    client, auth, session, simulator
) -> None:
    carlos = make_advisor(session, "Carlos Ramírez", personal_phone="+57 300 123 4501")
    _, conversation = advisor_with_conversation(client, auth, session, "573005550010")

    shown = client.get(f"/conversations/{conversation}").text
    assert f"Antes del enlace, el cliente recibe la Plantilla K: «{PLANTILLA_K}»" in shown

    page = client.post(
        f"/conversations/{conversation}/hyperlink",
        data={"advisor_id": str(carlos.id), "confirm": "si"},
    )

    assert "Enlace al WhatsApp de Carlos Ramírez enviado." in page.text
    warning, link = phone_inbox(simulator, "573005550010")
    assert warning["text"] == PLANTILLA_K
    assert "https://wa.me/573001234501?text=" in link["text"]
    [event] = client.get("/api/audit?action=hyperlink.sent", headers=auth).json()["items"]
    assert event["details"]["plantilla_k_message_id"] is not None


def test_the_bots_link_is_not_preceded_twice_by_plantilla_k(client, auth, session, simulator):
    """The bot says Plantilla K itself before asking (actions/hyperlink.py)."""
    carlos = make_advisor(session, "Carlos Ramírez", personal_phone="+57 300 123 4501")
    conversation = open_conversation(client, auth, "hola", wa_id="573005550011")

    client.post(
        f"/api/conversations/{conversation}/hyperlink",
        headers=auth,
        json={"advisor_id": carlos.id, "traceability_loss_confirmed": True},
    )

    [link] = phone_inbox(simulator, "573005550011")
    assert "https://wa.me/" in link["text"]


# ---- who may use it ----------------------------------------------------------------------


def test_another_advisor_cannot_send_files_templates_or_notes_on_a_conversation(
    client, auth, session, simulator
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550012")
    jorge = make_advisor(session, "Jorge Herrera", area="soporte")
    sign_in(client, jorge)

    attempts = [
        client.post(
            f"/conversations/{conversation}/attachment",
            files={"file": ("a.pdf", PDF, "application/pdf")},
        ),
        client.post(
            f"/conversations/{conversation}/template",
            data={"plantilla": "seguimiento_conversacion:es"},
        ),
        client.post(f"/conversations/{conversation}/notes", data={"texto": "espía"}),
    ]

    assert [r.status_code for r in attempts] == [404, 404, 404]
    assert phone_inbox(simulator, "573005550012") == []
    assert session.get(Conversation, conversation).assigned_advisor_id != jorge.id
    assert not session.scalars(
        select(ConversationNote).where(ConversationNote.conversation_id == conversation)
    ).all()


def test_a_file_posted_without_the_pages_csrf_token_is_refused(
    client, auth, session, simulator
) -> None:
    _, conversation = advisor_with_conversation(client, auth, session, "573005550013")
    token = client.headers.pop("X-CSRF-Token")

    forged = client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("a.pdf", PDF, "application/pdf")},
    )
    with_token = client.post(
        f"/conversations/{conversation}/attachment",
        files={"file": ("a.pdf", PDF, "application/pdf")},
        data={"csrf_token": token},
    )

    assert forged.status_code == 403
    assert with_token.status_code == 200 and "Archivo «a.pdf» enviado" in with_token.text
    assert len(phone_inbox(simulator, "573005550013")) == 1
