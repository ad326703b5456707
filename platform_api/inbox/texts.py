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
    "en_proceso": "En gestión",
    "resuelto": "Resuelto",
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

# The composer: files, templates outside the 24-hour window, internal notes.
WINDOW_CLOSED = "La ventana de 24 horas está cerrada: solo puedes enviar una plantilla aprobada"
WINDOW_CLOSED_NO_TEMPLATES = (
    "No hay plantillas aprobadas configuradas: pide a un administrador que configure una."
)
NO_FILE = "Elige un archivo antes de enviar."
FILE_SENT = "Archivo «{name}» enviado. El bot queda en pausa."
FILE_QUEUED = (
    "Archivo «{name}» en cola: WhatsApp no lo recibió todavía; se reintenta solo y verás su "
    "estado en la conversación."
)
FILE_REFUSED = "WhatsApp no aceptó el archivo «{name}» (código {code}): {detail}"
FILE_NOT_STORED = "No se pudo guardar el archivo en la plataforma: no se envió. Inténtalo de nuevo."
CAPTION_TOO_LONG = "El pie de foto admite hasta {limit} caracteres."
UNKNOWN_TEMPLATE = "Esa plantilla no está aprobada para este número."
TEMPLATE_SENT = "Plantilla «{name}» enviada. El bot queda en pausa."
TEMPLATE_QUEUED = "Plantilla «{name}» en cola: se enviará en cuanto WhatsApp la acepte."
TEMPLATE_REFUSED = "WhatsApp no aceptó la plantilla (código {code}): {detail}"
NOTE_LABEL = "Nota interna"
EMPTY_NOTE = "Escribe la nota antes de guardarla."
NOTE_SAVED = "Nota interna guardada. El cliente no la ve."

# The area queues.
# Two advisors pressed "Tomar" at once: the one who lost reads who won; nothing changed.
CASE_TAKEN = "Otro asesor ya tomó este caso: lo tiene {name}."
CASE_TAKEN_BY_YOU = "Tomaste el caso {number}: el caso y su conversación quedan a tu nombre."
CONVERSATION_TAKEN = "Otro asesor ya tomó esta conversación: la tiene {name}."
CONVERSATION_TAKEN_BY_YOU = "Tomaste la conversación con {name}: queda a tu nombre."
CONVERSATION_NOT_WAITING = "Esa conversación ya está cerrada."
NO_AREA_YET = "Sin área todavía"

# Cases ("Casos").
# Who has the case, in the list's filter: anyone, the signed-in advisor, nobody.
ASSIGNEE_ANY, ASSIGNEE_ME, ASSIGNEE_NONE = "", "yo", "nadie"
CASE_STATUS_CHANGED = "El caso {number} pasó a «{status}»."
CASE_CLOSED = "Caso {number} cerrado."
CASE_ALREADY_CLOSED = "El caso {number} ya estaba cerrado."
CASE_NOTE_ADDED = "Nota interna guardada (el cliente no la ve)."
CASE_NOTE_EMPTY = "Escribe la nota antes de guardarla."
CASE_REASSIGNED = "Caso {number} asignado a {name}; se le notificó."
CASE_REASSIGNED_AWAY = "Caso {number} asignado a {name}; se le notificó. Ya no está a tu cargo."
CASE_SAME_ADVISOR = "{name} ya tiene el caso {number}."
UNKNOWN_CASE_STATUS = "Elige un estado válido."

# Closing a conversation.
CONVERSATION_CLOSED = (
    "Conversación cerrada. Si el cliente vuelve a escribir, empieza una conversación nueva."
)
CONVERSATION_ALREADY_CLOSED = "La conversación ya estaba cerrada."
# Leads.
LEAD_OWNER_FILTERS = {"": "Todos", "mios": "Míos", "sin": "Sin dueño"}
LEAD_STATUS_CHANGED = "Estado del lead: {label}."
LEAD_STATUS_UNCHANGED = "El lead ya estaba en «{label}»."
LEAD_UNKNOWN_STATUS = "Ese estado no existe en el embudo de leads."
LEAD_OWNER_CHANGED = "Lead entregado a {name}; se le notificó."
LEAD_OWNER_UNCHANGED = "{name} ya es el dueño del lead."
LEAD_HANDED_AWAY = "Entregaste el lead #{id} a {name}; se le notificó."
LEAD_REFRESHED = "Lead actualizado. Mensajes nuevos: {messages}; adjuntos nuevos: {files}."
LEAD_NOTHING_NEW = "El lead ya tenía todos los mensajes y adjuntos de sus conversaciones."
LEAD_ACTIONS = {
    "lead.created": "Lead creado desde la conversación",
    "lead.updated": "Lead actualizado con la conversación",
    "lead.status_changed": "Estado: {before} → {after}",
    "lead.owner_changed": "Dueño: {before} → {after}",
}
NOBODY = "Sin dueño"
# A lead's file that cannot be opened (yet): why.
LEAD_FILE_STATES = {
    "pending": "descargando de WhatsApp",
    "failed": "no se pudo descargar",
    "rejected": "tipo o tamaño no permitido",
}

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
