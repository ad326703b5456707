"""Escenario 5: when is a new request "the same" as an open case? Same type family, and the
same product or process, told by their words.

The rule (docs: platform_api/cases/DUPLICATES.md):
- The subject is what the customer named: the product of a quote, the process of option 3,
  the words of an order question. Its words are folded (case, accents), split on anything
  that is not a letter or a digit, and stripped of words that name no product or process
  (articles, courtesy, request verbs, fault words such as "no funciona", generic nouns such
  as "pedido" or "certificado"), listed in ignored_subject_words.txt beside this module.
- Two subjects are the same when one of them has no words left (nothing tells them apart:
  the customer only chose option 2, say) or when they share a word. Words are shared when
  equal, or, for words of 4+ letters, when one starts with the other once a final "s" is
  dropped ("portátiles" ~ "portátil", "cables" ~ "cable").
- Numbers of 3+ digits are references (order, invoice, model): when both subjects name
  references and share none, they are two requests whatever their words ("factura 1201" and
  "factura 1202"). Shorter numbers are quantities and do not count ("10 portátiles").
"""

import re
import unicodedata
from pathlib import Path

# `cotizacion` and `informacion` are the same commercial request (Plantilla D asks which).
TYPE_FAMILIES: dict[str, tuple[str, ...]] = {
    "cotizacion": ("cotizacion", "informacion"),
    "informacion": ("cotizacion", "informacion"),
}

IGNORED_WORDS_FILE = Path(__file__).with_name("ignored_subject_words.txt")
IGNORED_WORDS = frozenset(
    word
    for line in IGNORED_WORDS_FILE.read_text(encoding="utf-8").splitlines()
    if not line.lstrip().startswith("#")
    for word in line.split()
)
MIN_PREFIX = 4


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def subject_words(text: str | None) -> frozenset[str]:
    """The words of a subject that name a product or process (folded, singular-ish), and its
    references (numbers of 3+ digits)."""
    words = set()
    for word in re.findall(r"[a-z0-9]+", _fold(text or "")):
        if word in IGNORED_WORDS or len(word) < 3:
            continue
        if not word.isdigit() and len(word) > MIN_PREFIX and word.endswith("s"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)


def _words_match(a: str, b: str) -> bool:
    if a == b:
        return True
    if a.isdigit() or b.isdigit() or min(len(a), len(b)) < MIN_PREFIX:
        return False
    return a.startswith(b) or b.startswith(a)


def same_subject(first: str | None, second: str | None) -> bool:
    """True when nothing tells the two subjects apart (see the module's rule)."""
    a, b = subject_words(first), subject_words(second)
    if not a or not b:
        return True
    references_a = {w for w in a if w.isdigit()}
    references_b = {w for w in b if w.isdigit()}
    if references_a and references_b:
        return bool(references_a & references_b)
    return any(_words_match(x, y) for x in a for y in b)


def family(type: str) -> tuple[str, ...]:
    return TYPE_FAMILIES.get(type, (type,))
