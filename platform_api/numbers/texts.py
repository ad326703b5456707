"""What the advisor reads (Spanish) when linking a number from the browser."""

from platform_api.numbers.errors import OnboardingError
from platform_api.numbers.models import WhatsAppNumber
from platform_api.numbers.onboarding import SESSION_INFO_MISSING
from platform_api.numbers.schemas import SignupIn

ADVISORS_ONLY = "Solo un asesor con sesión puede vincular su número"


def explained(body: SignupIn, failure: OnboardingError) -> OnboardingError:
    """What the advisor reads when Meta's window did not finish."""
    if body.event == SESSION_INFO_MISSING:
        return OnboardingError(
            "Meta entregó el código pero no avisó qué cuenta de WhatsApp Business elegiste, así "
            "que no usamos el código y no se vinculó nada. Vuelve a pulsar «Vincular WhatsApp "
            "Business»; si se repite, avisa al administrador.",
            step="session_info_missing",
        )
    # Meta reports an error in its window as ERROR, or as CANCEL with error_message.
    if body.event == "ERROR" or body.error_message:
        return OnboardingError(
            "Meta mostró un error durante la vinculación"
            + (f": «{body.error_message}»" if body.error_message else "")
            + ". Inténtalo de nuevo; si se repite, avisa al administrador.",
            step="meta_error",
            detail=body.error_message,
        )
    if body.event == "CANCEL":
        return OnboardingError(
            "Cancelaste la vinculación"
            + (f" en el paso «{body.current_step}»" if body.current_step else "")
            + ". Puedes intentarlo de nuevo cuando quieras.",
            step="cancel",
            detail=body.current_step,
        )
    return failure


def linked(number: WhatsAppNumber, *, synced: bool, new_pin: str | None = None) -> str:
    message = f"Listo: el número {number.display_phone_number} quedó vinculado a tu usuario."
    if not number.coexistence:
        message += " Quedó registrado en la API de WhatsApp."
    if new_pin:
        message += (
            f" Meta activó la verificación en dos pasos del número con el PIN {new_pin}: "
            "guárdalo, Meta lo pedirá si el número se vuelve a registrar."
        )
    if number.coexistence:
        message += (
            " Tus contactos y tu historial se están sincronizando."
            if synced
            else " La sincronización de contactos e historial no se pudo pedir; revisa el detalle."
        )
    return message
