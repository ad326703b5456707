"""Answers the customer gave before being asked, so that no question repeats them: the kind of
quote (Plantilla D 2), the product (D 1), and the advisor who served them (C 1 / option 3)."""

from __future__ import annotations

import logging
import re
from typing import Any

from actions.classification import normalize
from actions.platform_client import PlatformClient, PlatformError

logger = logging.getLogger(__name__)

# "solo información", "información general", "no necesito cotización": D 2 answered with its
# second choice. Checked first: "no quiero cotización formal, solo info" is information.
INFORMATION_ONLY = re.compile(
    r"(?<![a-z])("
    r"(solo|solamente|unicamente|nada mas que?)( es)?( quiero| necesito| busco| queria| es)?"
    r"( una| la| de)? (informacion|info|saber|consultar|preguntar|averiguar)"
    r"|informacion general|info general"
    r"|(no|sin) (necesito |quiero |requiero |busco )?(una |la )?cotizacion"
    r")"
)
# "quiero una cotización formal", "necesito cotizar": D 2 answered with its first choice.
FORMAL_QUOTE = re.compile(r"(?<![a-z])(cotiz|propuesta (formal|comercial)|oferta formal)")

# Words of a request that name no product: what is left after them, if anything, is the
# product ("cotización de 20 portátiles Lenovo" names one; "quiero una cotización" does not).
REQUEST_WORDS = frozenset(
    re.findall(
        r"\S+",
        """
    a al algo alguna alguno algunos buen buena buenas buenos cual cuales cuanto cuanta como
    con consultar cotizacion cotizaciones cotizar cotice coticen cotizarme cuesta cuestan
    de del dias el ella ellos en enviar enviarme envien es esta estan este estos formal
    general gracias gustaria hola info informacion informarme interesa interesado interesada
    la las le les lo los mandar mandarme me mi mis muchas necesitamos necesito noches
    o oferta para pedir podrian pueden puedes por porfa porfavor precio precios pregunta
    propuesta quiero quisiera quisieramos realizar requiero saber se senor senora senorita
    si sobre solicitar solicito solo somos sus tardes tienen tiene un una unas unos urgente
    vale valen valor venden vendan y ya hacer hagan haga manejan hay favor comercial
    empresa nosotros queremos queria deseo deseamos busco buscamos
    averiguar necesitaria necesitariamos seria podria ustedes usted que
    esto eso esos esas estas aqui adjunto adjunta archivo foto imagen audio video documento
    envio envie mande mandamos enviamos
    """,
    )
)

# An advisor named in the customer's words: the platform's match must be unambiguous and
# come from a name (the platform scores a bare area word, "soporte", at 70, names from 75).
NAMED_ADVISOR_SCORE = 75.0


# Words after which customers name who served them: "me atendió Carlos Ramírez", "mi asesora
# es Paola". Only that part is looked up when present (the rest of the sentence is no name).
ADVISOR_CUE = re.compile(
    r"(?:me atendi[oó]|me atiende|me atendieron|atendid[oa] por|habl[eé] con|"
    r"mi (?:asesor|asesora|comercial|vendedor|vendedora|ejecutiv[oa])(?: es| fue| se llama)?)"
    r"\s+([^,.;!?]+)",
    re.IGNORECASE,
)


def advisor_words(text: str) -> str:
    """The part of the customer's words that names the advisor, when a cue shows it."""
    cue = ADVISOR_CUE.search(text or "")
    return cue.group(1).strip() if cue else text


def stated_quote_kind(text: str) -> str | None:
    """`informacion` or `cotizacion` when the words already answer Plantilla D 2."""
    plain = normalize(text)
    if INFORMATION_ONLY.search(plain):
        return "informacion"
    if FORMAL_QUOTE.search(plain):
        return "cotizacion"
    return None


def stated_product(text: str) -> str | None:
    """The customer's words when they name something to quote or inform about, else None."""
    rest = [word for word in normalize(text).split() if word not in REQUEST_WORDS]
    return text.strip() if any(len(word) > 1 or word.isdigit() for word in rest) else None


async def advisor_named_in(text: str) -> dict[str, Any]:
    """The advisor slots when the customer's words name exactly one advisor, else {}."""
    if not text.strip():
        return {}
    try:
        async with PlatformClient() as platform:
            result = await platform.match_advisor(advisor_words(text))
    except PlatformError as error:
        logger.warning("advisor lookup in the customer's words failed: %s", error)
        return {}
    best = result.get("best")
    candidates = result.get("candidates") or []
    score = float(candidates[0].get("score") or 0) if candidates else 0.0
    if not (result.get("unambiguous") and best and score >= NAMED_ADVISOR_SCORE):
        return {}
    return {
        "advisor": best["name"],
        "advisor_id": str(best["id"]),
        "advisor_name": best["name"],
        "advisor_candidates": None,
    }
