"""What a customer needs, from their own words: the story's keywords first (Escenarios 1 and 2
always classify right, with or without accents and capitals), then the NLU intent."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Request types of the platform (DESIGN.md) and the menu option each belongs to.
GROUP_BY_TYPE = {
    "cotizacion": "quote",
    "informacion": "quote",
    "pedido": "order",
    "soporte": "other",
    "documentos": "other",
    "financiero": "other",
}
TYPE_BY_INTENT = {
    "request_quote": "cotizacion",
    "request_information": "informacion",
    "check_order_status": "pedido",
    "report_incident": "soporte",
    "request_documents": "documentos",
    "request_billing": "financiero",
}
AREA_BY_TYPE = {
    "cotizacion": "comercial",
    "informacion": "comercial",
    "pedido": "comercial",
    "soporte": "soporte",
    "documentos": "documental",
    "financiero": "financiera",
}
AREA_LABELS = {
    "comercial": "comercial",
    "soporte": "de soporte técnico",
    "documental": "documental",
    "financiera": "financiera",
}

# Order matters: specific subjects (billing, documents, orders) before the generic words of an
# incident ("ayuda", "no funciona"), which also appear in other requests.
KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    (
        "financiero",
        (
            "factura",
            "facturacion",
            "facturar",
            "cartera",
            "pago",
            "pagar",
            "cobro",
            "cobraron",
            "retencion",
            "financiera",
            "financiero",
            "abono",
            "saldo",
            "cuenta de cobro",
            "nota credito",
        ),
    ),
    (
        "documentos",
        (
            "certificado",
            "certificacion",
            "documento",
            "documentacion",
            "ficha tecnica",
            "rut",
            "camara de comercio",
            "carta de referencia",
            "manual",
            "contrato",
            "garantia",
        ),
    ),
    (
        "cotizacion",
        (
            "cotizacion",
            "cotizaciones",
            "cotizar",
            "cotice",
            "precio",
            "precios",
            "cuanto cuesta",
            "cuanto vale",
            "valor de",
        ),
    ),
    (
        "pedido",
        (
            "pedido",
            "mi orden",
            "orden de compra",
            "despacho",
            "despacharon",
            "envio",
            "entrega",
            "guia",
            "no ha llegado",
            "no me ha llegado",
            "no me llego",
            "seguimiento",
        ),
    ),
    (
        "informacion",
        (
            "informacion",
            "quiero saber",
            "me gustaria saber",
            "quisiera saber",
            "info ",
            "catalogo",
            "disponibilidad",
        ),
    ),
    (
        "soporte",
        (
            "danada",
            "danado",
            "dano",
            "fallo",
            "falla",
            "fallando",
            "no funciona",
            "no sirve",
            "no prende",
            "no enciende",
            "no arranca",
            "soporte",
            "ayuda",
            "averia",
            "roto",
            "rota",
            "se apago",
            "pantalla azul",
            "error",
            "problema",
            "reparacion",
            "tecnico",
        ),
    ),
]

CONFIDENT = 0.60
LONG_MESSAGE_WORDS = 25


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " " + re.sub(r"\s+", " ", re.sub(r"[^a-z0-9ñ ]+", " ", plain)).strip() + " "


@dataclass(frozen=True)
class Classification:
    type: str | None
    source: str  # "keyword", "intent" or "none"

    @property
    def group(self) -> str | None:
        return GROUP_BY_TYPE.get(self.type or "")


def keyword_type(text: str) -> str | None:
    plain = normalize(text)
    for request_type, words in KEYWORDS:
        for word in words:
            word = normalize(word).strip()
            if re.search(rf"(?<![a-z]){re.escape(word)}", plain):
                return request_type
    return None


def classify(text: str, intent: str | None = None, confidence: float = 0.0) -> Classification:
    by_keyword = keyword_type(text)
    if by_keyword:
        return Classification(by_keyword, "keyword")
    if intent in TYPE_BY_INTENT and confidence >= CONFIDENT:
        return Classification(TYPE_BY_INTENT[intent], "intent")
    return Classification(None, "none")


def is_long_or_unordered(text: str) -> bool:
    """Escenario 3: long messages, or several sentences with no clear request."""
    words = normalize(text).split()
    sentences = [s for s in re.split(r"[.!?\n]+", text or "") if s.strip()]
    return len(words) >= LONG_MESSAGE_WORDS or len(sentences) >= 3


def explicit_quote_kind(text: str) -> str | None:
    """cotizacion or informacion when the words already say which (then D 2 is not asked)."""
    plain = normalize(text)
    if re.search(r"(?<![a-z])(cotiz|precio|cuanto (cuesta|vale))", plain):
        return "cotizacion"
    if re.search(r"(?<![a-z])(informacion|quiero saber|me gustaria saber|quisiera saber)", plain):
        return "informacion"
    return None
