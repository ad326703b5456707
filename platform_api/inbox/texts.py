"""The Spanish words the advisor pages show: labels, notices and errors."""

SENDER_LABELS = {
    "customer": "Cliente",
    "bot": "Bot",
    "advisor": "Asesor (plataforma)",
    "advisor_app": "Asesor (WhatsApp Business)",
}
STATUS_LABELS = {
    "pending": "Enviando…",
    "sent": "Enviado ✓",
    "delivered": "Entregado ✓✓",
    "read": "Leído ✓✓",
    "played": "Escuchado ✓✓",
    "failed": "No entregado",
    "received": "Recibido",
}
# A message the customer (or the advisor, from the app) deleted or edited in WhatsApp.
DELETED_MESSAGE = "mensaje eliminado"
EDITED_MESSAGE = "editado"
EDITED_BEFORE = "Antes: «{text}»"

MODE_LABELS = {"bot": "Bot", "human": "Asesor"}
CONVERSATION_STATUS_LABELS = {"open": "Abierta", "closed": "Cerrada"}
CASE_STATUS_LABELS = {
    "abierto": "Abierto",
    "en_proceso": "En proceso",
    "cerrado": "Cerrado",
    "incompleto": "Incompleto",
}
AREA_LABELS = {
    "comercial": "Comercial",
    "soporte": "Soporte técnico",
    "documental": "Documentación",
    "financiera": "Financiera",
}


# The inbox's filters.
SCOPE_FILTERS = {"mine": "Mías", "unassigned": "Sin asignar", "all": "Todas"}
# "incomplete": conversations the customer left half-way (Flujo D), with an `incompleto` case.
STATUS_FILTERS = {"open": "Abiertas", "closed": "Cerradas", "incomplete": "Sin terminar"}
LEFT_HALF_WAY = "Sin terminar"

AUDIT_ENTITIES = {
    "": "Todas",
    "conversation": "Conversación",
    "message": "Mensaje",
    "case": "Caso",
    "lead": "Lead",
    "contact": "Contacto",
    "advisor": "Asesor",
    "notification": "Notificación",
    "attachment": "Adjunto",
    "quick_answer": "Respuesta rápida",
}

# Signing in.
WRONG_CREDENTIALS = "Correo o contraseña incorrectos."
THROTTLED = (
    "Demasiados intentos fallidos de ingreso. Por seguridad, espera {minutes} antes de "
    "volver a intentarlo."
)


def minutes(seconds: int) -> str:
    count = max(1, -(-seconds // 60))
    return "1 minuto" if count == 1 else f"{count} minutos"


# One conversation.
EMPTY_REPLY = "Escribe un mensaje antes de enviar."
REPLY_SENT = "Mensaje enviado. El bot queda en pausa."
REPLY_REFUSED = "WhatsApp no aceptó el mensaje (código {code}): {detail}"
REPLY_QUEUED = (
    "Mensaje en cola: WhatsApp no lo recibió todavía; se reintenta solo y verás su estado "
    "en la conversación. El bot queda en pausa."
)
BACK_TO_BOT = "La conversación volvió al bot."
NO_ACTIVE_ADVISOR = "Ese asesor no existe o está inactivo."
ASSIGNED = "Conversación asignada a {name}."
CONFIRM_TRACEABILITY_LOSS = (
    "Confirma que entiendes que se pierde la trazabilidad antes de enviar el enlace."
)
NO_PERSONAL_PHONE = "{name} no tiene teléfono personal registrado."
LINK_REFUSED = "WhatsApp no aceptó el enlace (código {code}): {detail}"
LINK_QUEUED = "Enlace al WhatsApp de {name} en cola: se enviará en cuanto WhatsApp lo acepte."
LINK_SENT = "Enlace al WhatsApp de {name} enviado."

# The area queues.
CASE_TAKEN = "Ese caso ya lo tiene {name}."
CASE_TAKEN_BY_YOU = "Tomaste el caso {number}: el caso y su conversación quedan a tu nombre."


# Administration (admins only): advisors, quick answers, templates.
ROLE_LABELS = {"advisor": "Asesor", "admin": "Administrador"}
ADVISOR_FIELD_ERRORS = {
    "name": "El nombre debe tener entre 2 y 200 caracteres.",
    "email": "Escribe un correo válido.",
    "area": "Elige un área de la lista.",
    "role": "Elige un rol de la lista.",
    "password": "La contraseña debe tener entre 10 y 200 caracteres.",
}
ADVISOR_INVALID = "Revisa los datos del asesor."
EMAIL_TAKEN = "Ya existe un asesor con el correo {email}."
ADVISOR_CREATED = "Asesor {name} creado. Ya puede ingresar con su correo y la contraseña inicial."
ADVISOR_UPDATED = "{name}: área y rol guardados."
ADVISOR_UNCHANGED = "{name}: no había nada que cambiar."
ADVISOR_DEACTIVATED = "{name} quedó inactivo: ya no puede ingresar y sus sesiones se cerraron."
ADVISOR_REACTIVATED = "{name} está activo de nuevo."
PASSWORD_RESET = "Contraseña de {name} cambiada: sus sesiones abiertas se cerraron."
NOT_YOURSELF = (
    "No puedes quitarte a ti mismo el rol de administrador ni desactivar tu propia cuenta: "
    "pídeselo a otro administrador."
)
QUICK_ANSWER_FIELD_ERRORS = {
    "shortcut": "El atajo es una sola palabra (letras, números, - o _), de hasta 40 caracteres.",
    "title": "El título debe tener entre 2 y 120 caracteres.",
    "text": "Escribe el texto de la respuesta (hasta 4096 caracteres).",
    "area": "Elige un área de la lista.",
}
QUICK_ANSWER_INVALID = "Revisa la respuesta rápida."
SHORTCUT_TAKEN = "El atajo /{shortcut} ya lo usa otra respuesta rápida de esa área o de todas."
QUICK_ANSWER_CREATED = "Respuesta rápida /{shortcut} creada."
QUICK_ANSWER_SAVED = "Respuesta rápida /{shortcut} guardada."
QUICK_ANSWER_DEACTIVATED = "Respuesta rápida /{shortcut} desactivada."
QUICK_ANSWER_REACTIVATED = "Respuesta rápida /{shortcut} activa de nuevo."
