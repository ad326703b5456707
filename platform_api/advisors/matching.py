"""Which advisor a customer means: "carlos", "Karlos Ramirez", "la señora paola", "el de soporte",
or a name inside a whole sentence: "pásame el whatsapp de mi comercial, Andrés Felipe Rojas,
por favor".

Accent-, case- and typo-tolerant. The sentence is cut into runs of words that may be a name:
filler words ("el", "mi", "whatsapp", "por favor"...) and punctuation end a run, and a word
counts only when it looks like a word of some advisor's name or alias (rapidfuzz ratio ≥ 80);
a capitalised word right after such a run ("…Felipe Rojas") joins it as a surname nobody
has. Each advisor scores the best run: the mean, over the run's words, of how well each fits
one of their names. An area word ("soporte", "cartera") narrows to that area when no name is
given, and favours that area's advisors when one is. The filler and area words are data
(data/routing.yml), shared with the bot.
"""

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

import routing
from platform_api.advisors.models import Advisor

_ROUTING = routing.load()
FILLER_WORDS = _ROUTING.advisor_filler_words
AREA_WORDS = _ROUTING.area_by_word
MIN_SCORE = 60.0
UNAMBIGUOUS_SCORE = 75.0
UNAMBIGUOUS_MARGIN = 12.0
AREA_ONLY_SCORE = 70.0
CONTENDER_MARGIN = 15.0
WORD_HIT = 80.0
MIN_WORD_LENGTH = 3


def normalize(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9 ]+", " ", plain).strip()


def words(text: str) -> list[str]:
    return [w for w in normalize(text).split() if w]


@dataclass(frozen=True)
class Token:
    word: str  # folded: lower case, no accents
    capitalised: bool  # "Rojas", not "rojas" nor "ROJAS"
    joined: bool  # only spaces between this word and the one before it


def tokens(text: str) -> list[Token]:
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    shouting = plain.upper() == plain
    found: list[Token] = []
    last_end = 0
    for match in re.finditer(r"[A-Za-z0-9]+", plain):
        raw = match.group()
        between = plain[last_end : match.start()]
        found.append(
            Token(
                word=raw.lower(),
                capitalised=not shouting and raw[0].isupper() and not raw.isupper(),
                joined=bool(found) and between.strip() == "",
            )
        )
        last_end = match.end()
    return found


def advisor_words(advisor: Advisor) -> set[str]:
    names = (advisor.name, *(advisor.aliases or []))
    return {w for name in names for w in words(name) if w not in FILLER_WORDS}


def fit(word: str, name_words: Iterable[str]) -> float:
    """How well one typed word fits the best of an advisor's name words (0-100)."""
    return max((fuzz.ratio(word, n) for n in name_words), default=0.0)


def name_runs(typed: Sequence[Token], vocabularies: Sequence[set[str]]) -> list[list[str]]:
    """Runs of consecutive words that look like a name (see the module's docstring)."""
    runs: list[list[str]] = []
    current: list[str] = []
    for token in typed:
        usable = (
            token.word not in FILLER_WORDS
            and token.word not in AREA_WORDS
            and len(token.word) >= MIN_WORD_LENGTH
            and not token.word.isdigit()
        )
        is_name = usable and any(fit(token.word, v) >= WORD_HIT for v in vocabularies)
        continues = current and token.joined
        if is_name:
            if not continues and current:
                runs.append(current)
                current = []
            current.append(token.word)
            continue
        if current and continues and usable and token.capitalised:
            current.append(token.word)  # a surname none of them has: "…Felipe Rojas"
        if current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def run_score(run: list[str], name_words: set[str]) -> float:
    fits = [fit(word, name_words) for word in run]
    return sum(f for f in fits if f >= WORD_HIT) / len(run)


@dataclass(frozen=True)
class Candidate:
    advisor: Advisor
    score: float


@dataclass(frozen=True)
class MatchResult:
    candidates: list[Candidate]
    unambiguous: bool
    area: str | None
    named: bool = False  # the words name someone, not only an area

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def match_advisors(query: str, advisors: Iterable[Advisor], limit: int = 5) -> MatchResult:
    typed = tokens(query)
    area = next((AREA_WORDS[t.word] for t in typed if t.word in AREA_WORDS), None)
    active = [a for a in advisors if a.is_active]
    vocabularies = [advisor_words(a) for a in active]
    runs = name_runs(typed, vocabularies)
    if not runs:
        in_area = [Candidate(a, AREA_ONLY_SCORE) for a in active if area and a.area == area]
        in_area.sort(key=lambda c: c.advisor.name)
        return MatchResult(in_area[:limit], unambiguous=len(in_area) == 1, area=area)
    scored = []
    for advisor, vocabulary in zip(active, vocabularies, strict=True):
        score = max(run_score(run, vocabulary) for run in runs)
        if area and advisor.area == area and score > 0:
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
    return MatchResult(scored[:limit], unambiguous=unambiguous, area=area, named=True)
