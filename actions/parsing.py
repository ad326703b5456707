"""Reading what customers type: names and identification numbers, as Colombians write them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

NAME_PREFIXES = re.compile(
    r"^\s*(mi nombre es|me llamo|soy|mi nombre completo es|nombre:?)\s+", re.IGNORECASE
)
# Phrases that introduce a name but are not one ("me llamo" with nothing after it).
NAME_LEAD_INS = {"me llamo", "mi nombre es", "soy", "mi nombre", "nombre", "hola", "buenas"}
NAME_ALLOWED = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿÑñ' .-]+$")
ID_PREFIXES = re.compile(
    r"^\s*(mi\s+)?(c[eé]dula de extranjer[ií]a|c[eé]dula|cc|c\.c\.|nit|documento|"
    r"identificaci[oó]n|pasaporte|ce)?\s*(es|:|n[uú]mero|no\.?|#)?\s*",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Identification:
    type: str  # "CC", "NIT", "CE" or "PA"
    number: str


def clean_name(text: str) -> str | None:
    """A full name in title case, or None when it cannot be a person's name."""
    candidate = NAME_PREFIXES.sub("", unicodedata.normalize("NFC", text or "")).strip(" .,")
    candidate = re.sub(r"\s+", " ", candidate)
    if not candidate or not NAME_ALLOWED.match(candidate) or candidate.lower() in NAME_LEAD_INS:
        return None
    letters = [ch for ch in candidate if ch.isalpha()]
    if len(letters) < 2:
        return None
    return " ".join(part[:1].upper() + part[1:].lower() for part in candidate.split(" "))


def parse_identification(text: str) -> Identification | None:
    """Cédula (6–10 digits), NIT (9 digits, optional check digit), CE or passport."""
    raw = (text or "").strip()
    lowered = raw.lower()
    body = ID_PREFIXES.sub("", raw, count=1).strip()
    compact = re.sub(r"[\s.]", "", body)
    if re.fullmatch(r"\d{9}-\d", compact) or (
        "nit" in lowered and re.fullmatch(r"\d{9}\d?", compact)
    ):
        number = compact if "-" in compact or len(compact) == 9 else f"{compact[:9]}-{compact[9]}"
        return Identification("NIT", number)
    if "extranjer" in lowered or re.match(r"^\s*ce\b", lowered):
        if re.fullmatch(r"[A-Za-z0-9]{6,12}", compact):
            return Identification("CE", compact.upper())
        return None
    if "pasaporte" in lowered or re.fullmatch(r"[A-Za-z]{1,3}\d{5,9}", compact):
        if re.fullmatch(r"[A-Za-z0-9]{6,12}", compact) and re.search(r"\d", compact):
            return Identification("PA", compact.upper())
        return None
    if re.fullmatch(r"\d{6,10}", compact):
        return Identification("CC", compact)
    return None


MENU_WORDS = {
    "1": ("1", "uno", "1️⃣", "primera", "primero", "opcion 1", "cotizacion", "cotizar"),
    "2": (
        "2",
        "dos",
        "2️⃣",
        "segunda",
        "segundo",
        "opcion 2",
        "pedido",
        "estado de mi pedido",
        "estado del pedido",
    ),
    "3": ("3", "tres", "3️⃣", "tercera", "tercero", "opcion 3", "otro", "otro motivo", "otros"),
}
DONT_KNOW = re.compile(
    r"^\s*(no\s+(s[eé]|recuerdo|me acuerdo|lo s[eé]|tengo idea|estoy segur[oa])|ni idea|"
    r"ninguno|nadie|no\s+s[eé]\s+qui[eé]n)\b",
    re.IGNORECASE,
)


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", (text or "").lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).strip(" .!¡¿?")


def parse_menu_option(text: str) -> str | None:
    """ "1", "uno", "1️⃣", "la primera", "cotizacion", a tapped button's payload → "1"/"2"/"3"."""
    raw = (text or "").strip()
    payload = re.match(r'^/choose_option\{"option":\s*"([123])"\}$', raw)
    if payload:
        return payload.group(1)
    for emoji, option in (("1️⃣", "1"), ("2️⃣", "2"), ("3️⃣", "3")):
        if raw.startswith(emoji):
            return option
    plain = re.sub(r"^(la|el|opcion|quiero la|quiero el|elijo la|elijo el)\s+", "", _plain(raw))
    plain = re.sub(r"\s+", " ", plain)
    for option, words in MENU_WORDS.items():
        if plain in words or plain in {f"opcion {option}", f"la {option}"}:
            return option
    return None


def is_dont_know(text: str) -> bool:
    return bool(DONT_KNOW.match(text or ""))
