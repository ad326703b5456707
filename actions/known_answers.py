"""Answers the customer gave before being asked, so that no question repeats them: the kind of
quote (Plantilla D 2) and the product (D 1). The advisor named anywhere in their words
(C 1 / option 3) is found by the platform: actions/service_form.advisor_named_in."""

from __future__ import annotations

import logging
import re

from actions.classification import normalize

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
