"""Which advisor a customer means: "carlos", "Karlos Ramirez", "la señora paola", "el de soporte".

Accent-, case- and typo-tolerant: each word the customer typed is compared (rapidfuzz) with the
words of each advisor's name and aliases; an area word ("soporte", "cartera") narrows to that
area when no name is given.
"""

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz

from platform_api.advisors.models import Advisor

FILLER_WORDS = {
    "el",
    "la",
    "los",
    "las",
    "de",
    "del",
    "con",
    "que",
    "me",
    "mi",
    "fue",
    "es",
    "era",
    "un",
    "una",
    "senor",
    "senora",
    "sr",
    "sra",
    "srta",
    "senorita",
    "don",
    "dona",
    "doctor",
    "doctora",
    "dr",
    "dra",
    "ing",
    "ingeniero",
    "ingeniera",
    "asesor",
    "asesora",
    "comercial",
    "vendedor",
    "vendedora",
    "atendio",
    "atendieron",
    "se",
    "llama",
    "llamaba",
    "creo",
    "y",
    "por",
    "favor",
    "pues",
    "muchacho",
    "muchacha",
    "chico",
    "chica",
    "joven",
    "area",
    # Asking for someone's number (Escenario 8): "pásame el número de Carlos".
    "pasame",
    "pasa",
    "dame",
    "das",
    "regala",
    "regalas",
    "regalame",
    "tienes",
    "tiene",
    "numero",
    "celular",
    "cel",
    "telefono",
    "whatsapp",
    "wasap",
    "personal",
    "contacto",
    "quiero",
    "quisiera",
    "necesito",
    "hablar",
    "escribirle",
    "escribir",
    "directo",
    "directamente",
    "al",
    "a",
    "su",
    "porfa",
    "porfavor",
}
AREA_WORDS = {
    "soporte": "soporte",
    "tecnico": "soporte",
    "tecnica": "soporte",
    "documentos": "documental",
    "documental": "documental",
    "documentacion": "documental",
    "cartera": "financiera",
    "financiera": "financiera",
    "facturacion": "financiera",
    "pagos": "financiera",
    "contabilidad": "financiera",
    "ventas": "comercial",
    "cotizaciones": "comercial",
}
MIN_SCORE = 60.0
UNAMBIGUOUS_SCORE = 75.0
UNAMBIGUOUS_MARGIN = 12.0
AREA_ONLY_SCORE = 70.0
CONTENDER_MARGIN = 15.0


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9 ]+", " ", plain).strip()


def words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w]


@dataclass(frozen=True)
class Candidate:
    advisor: Advisor
    score: float


@dataclass(frozen=True)
class MatchResult:
    candidates: list[Candidate]
    unambiguous: bool
    area: str | None

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def name_score(query_words: list[str], advisor: Advisor) -> float:
    """Mean, over the words the customer typed, of the best fuzzy match in one of the names."""
    best = 0.0
    for name in (advisor.name, *(advisor.aliases or [])):
        name_words = words(name)
        if not name_words:
            continue
        per_word = [max(fuzz.ratio(q, n) for n in name_words) for q in query_words]
        best = max(best, sum(per_word) / len(per_word))
    return best


def match_advisors(query: str, advisors: Iterable[Advisor], limit: int = 5) -> MatchResult:
    tokens = words(query)
    area = next((AREA_WORDS[t] for t in tokens if t in AREA_WORDS), None)
    name_words = [t for t in tokens if t not in FILLER_WORDS and t not in AREA_WORDS]
    active = [a for a in advisors if a.is_active]
    if not name_words:
        in_area = [Candidate(a, AREA_ONLY_SCORE) for a in active if area and a.area == area]
        in_area.sort(key=lambda c: c.advisor.name)
        return MatchResult(in_area[:limit], unambiguous=len(in_area) == 1, area=area)
    scored = []
    for advisor in active:
        score = name_score(name_words, advisor)
        if area and advisor.area == area:
            score = min(100.0, score + 5)
        if score >= MIN_SCORE:
            scored.append(Candidate(advisor, round(score, 1)))
    scored.sort(key=lambda c: (-c.score, c.advisor.name))
    if scored:
        # Offer only real contenders: far below the best is noise, not a candidate.
        scored = [c for c in scored if c.score >= scored[0].score - CONTENDER_MARGIN]
    unambiguous = (
        bool(scored)
        and scored[0].score >= UNAMBIGUOUS_SCORE
        and (len(scored) == 1 or scored[0].score - scored[1].score >= UNAMBIGUOUS_MARGIN)
    )
    return MatchResult(scored[:limit], unambiguous=unambiguous, area=area)
