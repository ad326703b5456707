"""Why a linking failed: what the advisor reads (Spanish) and the step, for the audit."""

from platform_api.graph.client import GraphError


class OnboardingError(Exception):
    """What the advisor reads (Spanish), and the step that failed."""

    def __init__(self, message: str, *, step: str, detail: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.step = step
        self.detail = detail


def graph_detail(error: GraphError) -> str:
    return f"Graph {error.http_status} code={error.code} subcode={error.subcode}: {error.message}"


def graph_failure(step: str, error: GraphError) -> OnboardingError:
    detail = graph_detail(error)
    if step == "code_exchange" and (error.subcode == 36007 or "expired" in error.message.lower()):
        message = (
            "El código de vinculación venció (dura pocos minutos). Vuelve a pulsar "
            "«Vincular WhatsApp Business» y termina el proceso de inmediato."
        )
    elif step == "code_exchange":
        message = (
            "Meta no aceptó el código de vinculación. Vuelve a intentarlo; si se repite, "
            "avisa al administrador (puede estar mal configurada la app de Meta)."
        )
    elif error.http_status == 0:
        message = "No pudimos comunicarnos con Meta. Revisa la conexión e inténtalo de nuevo."
    else:
        message = (
            f"Meta rechazó un paso de la vinculación ({error.code}: {error.message}). "
            "Inténtalo de nuevo en unos minutos; si se repite, avisa al administrador."
        )
    return OnboardingError(message, step=step, detail=detail)
