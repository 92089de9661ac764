"""The task-division policy (pure core): parse and check the TOML, and route one proposal — to a person, or to the AI
acting alone when the kind allows it and the AI's record on that kind has earned it."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from museion.errors import MuseionError

STAFF_ROLES = ("admin", "privacy_officer", "analyst", "curator", "algorithm_reviewer", "auditor")
PERSONAL_ROLES = ("privacy_officer",)
EXPOSURE_ROLES = ("curator", "algorithm_reviewer")
RISKS = ("low", "medium", "high")
DEFAULT_POLICY = Path(__file__).with_name("policy.toml")
_KEYS = {"title", "title_zh", "decider", "reviewers", "risk", "creative", "personal", "exposure", "auto_above",
         "auto_after", "auto_precision", "due_days", "resolver"}


class PolicyError(MuseionError):
    """A policy that cannot route every kind safely; the message names the kind and the field."""


@dataclass(frozen=True)
class KindRule:
    kind: str
    title: str
    title_zh: str
    decider: str
    reviewers: int
    risk: str
    resolver: str
    due_days: int
    creative: bool = False
    personal: bool = False
    exposure: bool = False
    auto_above: float | None = None
    auto_after: int = 0
    auto_precision: float = 1.0

    @property
    def may_act_alone(self) -> bool:
        return self.auto_above is not None


@dataclass(frozen=True)
class Policy:
    version: str
    sha256: str
    kinds: dict[str, KindRule]

    def rule(self, kind: str) -> KindRule:
        try:
            return self.kinds[kind]
        except KeyError:
            raise PolicyError(f"kind {kind!r}: the task-division policy does not name it, so nobody may decide it "
                              f"(known kinds: {', '.join(sorted(self.kinds))})") from None


@dataclass(frozen=True)
class TrackRecord:
    """How people decided a kind's earlier proposals: all human decisions, and those at or above the auto threshold."""
    decided: int
    confident: int
    confident_accepted: int


@dataclass(frozen=True)
class Routing:
    auto: bool
    why: str


def _rule(kind: str, table: dict, defaults: dict) -> KindRule:
    where = f"kind {kind!r}"
    if not isinstance(table, dict):
        raise PolicyError(f"{where}: must be a table")
    unknown = set(table) - _KEYS
    if unknown:
        raise PolicyError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    merged = {"resolver": "admin", **defaults, **table}
    decider = merged.get("decider")
    if not decider:
        raise PolicyError(f"{where}: no decider — every kind needs a role that decides it")
    for field in ("decider", "resolver"):
        if merged.get(field) not in STAFF_ROLES:
            raise PolicyError(f"{where}: {field} {merged.get(field)!r} is not a staff role ({', '.join(STAFF_ROLES)})")
    reviewers, due_days = merged.get("reviewers", 1), merged.get("due_days", 14)
    for field, value, most in (("reviewers", reviewers, 10), ("due_days", due_days, 365)):
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= most:
            raise PolicyError(f"{where}: {field} must be a whole number from 1 to {most} (got {value!r})")
    risk = merged.get("risk", "medium")
    if risk not in RISKS:
        raise PolicyError(f"{where}: risk must be one of {', '.join(RISKS)} (got {risk!r})")
    flags = {f: merged.get(f, False) for f in ("creative", "personal", "exposure")}
    for field, value in flags.items():
        if not isinstance(value, bool):
            raise PolicyError(f"{where}: {field} must be true or false")
    auto_above = merged.get("auto_above")
    if auto_above is not None:
        if not isinstance(auto_above, int | float) or isinstance(auto_above, bool) or not 0.5 <= auto_above <= 1:
            raise PolicyError(f"{where}: auto_above must be a confidence between 0.5 and 1")
        if flags["creative"]:
            raise PolicyError(f"{where}: creative and emotional text always goes to a person: remove auto_above")
        if risk != "low":
            raise PolicyError(f"{where}: only a low-risk kind may act alone (risk is {risk})")
        if flags["personal"] or flags["exposure"]:
            raise PolicyError(f"{where}: a kind touching personal data or a creator's exposure never acts alone")
    if flags["personal"] and decider not in PERSONAL_ROLES:
        raise PolicyError(f"{where}: it touches personal data, so the privacy officer decides it (not {decider})")
    if flags["exposure"] and decider not in EXPOSURE_ROLES and not flags["personal"]:
        raise PolicyError(f"{where}: it touches a creator's exposure, so a curator or algorithm reviewer decides it")
    auto_after, auto_precision = merged.get("auto_after", 0), merged.get("auto_precision", 1.0)
    if not isinstance(auto_after, int) or auto_after < 0:
        raise PolicyError(f"{where}: auto_after must be a whole number of decisions")
    if not isinstance(auto_precision, int | float) or not 0 < auto_precision <= 1:
        raise PolicyError(f"{where}: auto_precision must be a share between 0 and 1")
    return KindRule(kind=kind, title=str(merged.get("title", kind)), title_zh=str(merged.get("title_zh", merged.get("title", kind))),
                    decider=decider, reviewers=reviewers, risk=risk, resolver=merged.get("resolver", "admin"),
                    due_days=due_days, auto_above=None if auto_above is None else float(auto_above),
                    auto_after=auto_after, auto_precision=float(auto_precision), **flags)


def parse(text: str, source: str = "policy") -> Policy:
    """The policy in ``text`` (TOML), checked; ``source`` names the file in errors."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{source}: not valid TOML ({exc})") from None
    kinds = data.get("kinds")
    if not isinstance(kinds, dict) or not kinds:
        raise PolicyError(f"{source}: no [kinds.\"…\"] tables: the policy must name at least one kind")
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise PolicyError(f"{source}: [defaults] must be a table")
    try:
        rules = {kind: _rule(kind, table, defaults) for kind, table in kinds.items()}
    except PolicyError as exc:
        raise PolicyError(f"{source}: {exc}") from None
    return Policy(version=str(data.get("version", "")), sha256=hashlib.sha256(text.encode()).hexdigest(), kinds=rules)


def route(rule: KindRule, confidence: float | None, risk: str, record: TrackRecord) -> Routing:
    """Whether the AI may act alone on one proposal: only a kind that allows it, at low risk, above the calibrated
    threshold, after enough human decisions that accepted at least the required share of confident proposals."""
    if not rule.may_act_alone or rule.auto_above is None:
        return Routing(False, "the policy sends this kind to a person")
    if risk != "low":
        return Routing(False, f"this proposal's risk is {risk}: a person decides")
    if confidence is None or confidence < rule.auto_above:
        return Routing(False, f"confidence below {rule.auto_above:.2f}: a person decides")
    if record.decided < rule.auto_after:
        return Routing(False, f"only {record.decided} of {rule.auto_after} human decisions so far: a person decides")
    precision = record.confident_accepted / record.confident if record.confident else 0.0
    if precision < rule.auto_precision:
        return Routing(False, f"people accepted {precision:.0%} of confident proposals (needs {rule.auto_precision:.0%})")
    return Routing(True, f"confidence {confidence:.2f} ≥ {rule.auto_above:.2f}; people accepted {precision:.0%} of "
                         f"{record.confident} confident proposals")
