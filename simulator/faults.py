"""Faults on demand: rules that make sends fail as Meta's would, for every send, one business
number or one customer; for the next N sends, a seeded fraction of them, or always (a customer
who blocked the business). Rules are tried in the order they were armed; the first that
matches and fires answers the send. What each code looks like: simulator/meta_errors.py."""

import random
import threading
from dataclasses import dataclass, field
from typing import Any

from simulator.meta_errors import SEND_ERRORS, SendError

# The first faults the simulator had: transport-level answers, kept for existing callers.
LEGACY_KINDS = ("http_500", "http_503", "http_429", "rate_limit_400", "timeout")


@dataclass
class FaultRule:
    id: int
    # A legacy kind (LEGACY_KINDS) or "code" for a Meta error code.
    kind: str
    code: int | None
    # "response": the Graph call is refused; "status": 200 + wamid, then a `failed` status.
    via: str
    # None: every number / every customer.
    phone_number_id: str | None
    customer: str | None
    # Exactly one of these three decides when it fires.
    remaining: int | None
    fraction: float | None
    always: bool
    seed: int
    delay_seconds: float
    matched: int = 0
    served: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    @property
    def error(self) -> SendError | None:
        return SEND_ERRORS[self.code] if self.code is not None else None

    def applies_to(self, phone_number_id: str, customers: tuple[str, ...]) -> bool:
        if self.phone_number_id is not None and self.phone_number_id != phone_number_id:
            return False
        return self.customer is None or self.customer in customers

    def fires(self) -> bool:
        """Called once per matching send: whether this send is the one that fails."""
        self.matched += 1
        if self.always:
            return True
        if self.fraction is not None:
            return self.rng.random() < self.fraction
        assert self.remaining is not None
        return self.remaining > 0

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "code": self.code,
            "via": self.via,
            "phone_number_id": self.phone_number_id,
            "customer": self.customer,
            "remaining": self.remaining,
            "fraction": self.fraction,
            "always": self.always,
            "seed": self.seed,
            "delay_seconds": self.delay_seconds,
            "matched": self.matched,
            "served": self.served,
        }


@dataclass(frozen=True)
class ServedFault:
    """What one faulted send gets."""

    kind: str
    error: SendError | None
    via: str
    delay_seconds: float


class FaultBook:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: list[FaultRule] = []
        self._next_id = 1

    def arm(
        self,
        *,
        kind: str = "code",
        code: int | None = None,
        via: str | None = None,
        phone_number_id: str | None = None,
        customer: str | None = None,
        count: int | None = None,
        fraction: float | None = None,
        always: bool = False,
        seed: int = 0,
        delay_seconds: float = 0.0,
    ) -> FaultRule:
        if kind == "code" and code not in SEND_ERRORS:
            raise ValueError(f"unknown error code {code}")
        if kind != "code" and kind not in LEGACY_KINDS:
            raise ValueError(f"unknown fault kind {kind}")
        if sum((count is not None, fraction is not None, always)) > 1:
            raise ValueError("give one of count, fraction or always")
        if count is None and fraction is None and not always:
            count = 1
        default_via = SEND_ERRORS[code].via if code is not None else "response"
        with self.lock:
            rule = FaultRule(
                id=self._next_id,
                kind=kind,
                code=code,
                via=via or default_via,
                phone_number_id=phone_number_id,
                customer=customer,
                remaining=count,
                fraction=fraction,
                always=always,
                seed=seed,
                delay_seconds=delay_seconds,
                rng=random.Random(seed),
            )
            self._next_id += 1
            self.rules.append(rule)
            return rule

    def take(
        self, phone_number_id: str, customers: tuple[str, ...] = (), *, scoped: bool
    ) -> ServedFault | None:
        """The fault this send suffers, if a rule fires. `scoped=False`: the rules answered
        before the request is read (no customer named, refused in the response); `scoped=True`:
        the others, once the recipient is known."""
        with self.lock:
            for rule in list(self.rules):
                early = rule.customer is None and rule.via == "response"
                if early == scoped:
                    continue
                if not rule.applies_to(phone_number_id, customers):
                    continue
                if not rule.fires():
                    continue
                rule.served += 1
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return ServedFault(rule.kind, rule.error, rule.via, rule.delay_seconds)
            return None

    def remove(self, rule_id: int) -> bool:
        with self.lock:
            before = len(self.rules)
            self.rules = [r for r in self.rules if r.id != rule_id]
            return len(self.rules) != before

    def to_json(self) -> list[dict[str, Any]]:
        with self.lock:
            return [r.to_json() for r in self.rules]

    def reset(self) -> None:
        with self.lock:
            self.rules.clear()
