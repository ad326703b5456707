"""The WhatsApp message templates the platform knows to be approved for the business
account. Meta approves templates in WhatsApp Manager; the platform only names the ones it
sends (today the re-engagement template, from settings), so this list is read-only."""

from dataclasses import dataclass

from platform_api.config import settings

REENGAGEMENT_USE = (
    "Reenganche: se envía en lugar de un mensaje que WhatsApp rechazó por estar fuera de la "
    "ventana de 24 horas (código 131047)."
)


@dataclass(frozen=True)
class ApprovedTemplate:
    name: str
    language: str
    use: str
    setting: str


def approved_templates() -> list[ApprovedTemplate]:
    if not settings.reengagement_template_name:
        return []
    return [
        ApprovedTemplate(
            name=settings.reengagement_template_name,
            language=settings.reengagement_template_language,
            use=REENGAGEMENT_USE,
            setting="REENGAGEMENT_TEMPLATE_NAME / REENGAGEMENT_TEMPLATE_LANGUAGE",
        )
    ]
