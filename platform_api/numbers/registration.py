"""Registering a number for Cloud API after a sign-up that did not come from the WhatsApp
Business app (FINISH, FINISH_ONLY_WABA): POST /{phone-number-id}/register with the number's
two-step verification PIN, as Meta documents it (Register a Business Phone Number; Error
codes). A number on the WhatsApp Business app (coexistence) is never registered: Meta says it
already is."""

import secrets
from dataclasses import dataclass

from platform_api.graph.client import GraphClient, GraphError
from platform_api.numbers.errors import OnboardingError, graph_detail, graph_failure

# Meta's Error codes page: what the person linking the number can do about each refusal.
REFUSALS = {
    133005: (
        "Este número ya tiene verificación en dos pasos y el PIN no coincide. Escribe el PIN de "
        "6 dígitos del número en «PIN de verificación en dos pasos» y vuelve a vincularlo; si "
        "no lo recuerdas, cámbialo en WhatsApp Manager."
    ),
    133006: (
        "Meta pide verificar de nuevo el número antes de registrarlo. Verifícalo en WhatsApp "
        "Manager y vuelve a vincularlo."
    ),
    133008: (
        "Meta bloqueó por un tiempo los intentos de PIN de este número (demasiados intentos). "
        "Espera unas horas antes de volver a vincularlo."
    ),
    133009: (
        "Meta recibió los intentos de PIN demasiado rápido. Espera unos minutos y vuelve a "
        "vincular el número."
    ),
    133016: (
        "Meta no acepta más registros de este número por ahora (máximo 10 en 72 horas). Vuelve "
        "a vincularlo cuando pasen 72 horas."
    ),
}


@dataclass(frozen=True)
class Registered:
    # The PIN the platform chose for a number without two-step verification (shown once to
    # the person who linked it); None when they typed the number's own PIN.
    new_pin: str | None


def register_number(
    graph: GraphClient, token: str, phone_number_id: str, pin: str | None
) -> Registered:
    """Registers the number with the PIN typed on the sign-up page, or with a new random PIN
    (Meta: a number without two-step verification takes the PIN sent as its PIN)."""
    chosen = pin or f"{secrets.randbelow(1_000_000):06d}"
    try:
        graph.call(
            "POST",
            f"{phone_number_id}/register",
            token=token,
            body={"messaging_product": "whatsapp", "pin": chosen},
        )
    except GraphError as error:
        if error.code in REFUSALS:
            raise OnboardingError(
                REFUSALS[error.code], step="register", detail=graph_detail(error)
            ) from error
        raise graph_failure("register", error) from error
    return Registered(new_pin=None if pin else chosen)
