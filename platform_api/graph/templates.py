"""The WhatsApp message templates the platform knows to be approved for the business
account. Meta approves templates in WhatsApp Manager; the platform only names the ones it
sends (the re-engagement template and the advisor's follow-up, from settings), so this list
is read-only. The inbox composer offers them once the customer's 24-hour window is closed."""

import re
from dataclasses import dataclass
from typing import Any

from platform_api.config import settings

REENGAGEMENT_USE = (
    "Reenganche: se envía en lugar de un mensaje que WhatsApp rechazó por estar fuera de la "
    "ventana de 24 horas (código 131047)."
)
ADVISOR_USE = (
    "Retomar la conversación: el asesor la envía desde la bandeja cuando la ventana de 24 "
    "horas está cerrada."
)
# Meta: a text parameter may not hold new lines or tabs, nor more than 4 spaces in a row.
MAX_PARAMETER_CHARS = 1024
_BAD_PARAMETER = re.compile(r"[\n\t]| {5,}")


@dataclass(frozen=True)
class ApprovedTemplate:
    name: str
    language: str
    use: str
    setting: str
    # What the customer reads, {{1}}, {{2}}... standing for the parameters, in order.
    body: str = ""
    # What each parameter is, for the advisor filling them in.
    parameters: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        return f"{self.name}:{self.language}"

    def preview(self, values: list[str]) -> str:
        text = self.body
        for index, value in enumerate(values, start=1):
            text = text.replace("{{" + str(index) + "}}", value)
        return text


def approved_templates() -> list[ApprovedTemplate]:
    found = []
    if settings.reengagement_template_name:
        found.append(
            ApprovedTemplate(
                name=settings.reengagement_template_name,
                language=settings.reengagement_template_language,
                use=REENGAGEMENT_USE,
                setting="REENGAGEMENT_TEMPLATE_NAME / REENGAGEMENT_TEMPLATE_LANGUAGE",
            )
        )
    if settings.advisor_template_name:
        found.append(
            ApprovedTemplate(
                name=settings.advisor_template_name,
                language=settings.advisor_template_language,
                use=ADVISOR_USE,
                setting="ADVISOR_TEMPLATE_NAME / ADVISOR_TEMPLATE_LANGUAGE / ADVISOR_TEMPLATE_BODY",
                body=settings.advisor_template_body,
                parameters=("Nombre del cliente", "Tu nombre"),
            )
        )
    return found


def find(key: str) -> ApprovedTemplate | None:
    return next((t for t in approved_templates() if t.key == key), None)


class TemplateParameterError(ValueError):
    """A parameter Meta would refuse; the message says which, in Spanish."""


def template_message(template: ApprovedTemplate, values: list[str]) -> dict[str, Any]:
    """The Graph `template` message with its body parameters, checked as Meta checks them."""
    if len(values) != len(template.parameters):
        raise TemplateParameterError(
            f"La plantilla {template.name} necesita {len(template.parameters)} datos."
        )
    for label, value in zip(template.parameters, values, strict=True):
        if not value.strip():
            raise TemplateParameterError(f"Falta «{label}».")
        if len(value) > MAX_PARAMETER_CHARS or _BAD_PARAMETER.search(value):
            raise TemplateParameterError(
                f"«{label}» no puede tener saltos de línea, tabulaciones, más de cuatro espacios "
                f"seguidos ni más de {MAX_PARAMETER_CHARS} caracteres."
            )
    content: dict[str, Any] = {"name": template.name, "language": {"code": template.language}}
    if values:
        content["components"] = [
            {
                "type": "body",
                "parameters": [{"type": "text", "text": value.strip()} for value in values],
            }
        ]
    return {"type": "template", "template": content}
