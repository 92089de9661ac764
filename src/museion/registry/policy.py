"""The review policy: which reviewer capacities must approve a model version, how many independent
approvals it needs, and how often a deployed version is reviewed again.

Read from ``MUSEION_HOME/review-policy.toml`` when that file exists, else the default below (write it
out with ``museion review policy --write`` to edit it). ``decide`` is the pure rule the board applies.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from museion.errors import MuseionError

POLICY_FILE = "review-policy.toml"
CAPACITY_RE = re.compile(r"[a-z][a-z0-9_]{0,63}")

DEFAULT_POLICY = '''\
# Museion review policy: who must approve a model version before it may be deployed.
# Every capacity in required_capacities needs at least one approving reviewer, and the version needs
# min_approvals approvals from distinct reviewers in all. The account that submitted the version never
# counts (it cannot record a review), and one reviewer counts once. A single rejection rejects.

required_capacities = ["domain_expert", "member_representative", "privacy_officer", "external_reviewer"]
min_approvals = 4
rereview_days = 365   # a deployed version is due for review again this long after its last approval

[capacities]
domain_expert = "Knows the collection and its audiences: a curator or programmer."
member_representative = "Speaks for the members whose activity the model learns from."
privacy_officer = "Checks the data used against the declared purpose and the consents."
external_reviewer = "Independent of the organisation: an academic or civil-society reviewer."
'''


@dataclass(frozen=True)
class ReviewPolicy:
    required_capacities: tuple[str, ...]
    min_approvals: int
    rereview_days: int
    capacities: dict[str, str] = field(default_factory=dict)
    source: str = "default"

    def as_dict(self) -> dict[str, object]:
        return {"required_capacities": list(self.required_capacities), "min_approvals": self.min_approvals,
                "rereview_days": self.rereview_days, "capacities": self.capacities, "source": self.source}


@dataclass(frozen=True)
class Decision:
    """Where a review round stands: approved, rejected, or what is still missing."""

    approved: bool
    rejected: bool
    approvals: int
    missing_capacities: tuple[str, ...]
    approvals_needed: int


def parse_policy(text: str, source: str) -> ReviewPolicy:
    """A policy from TOML text, checked: known capacities, at least one approval, sensible periods."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MuseionError(f"{source}: not valid TOML ({exc})") from None
    capacities = raw.get("capacities", {})
    required = raw.get("required_capacities", [])
    min_approvals = raw.get("min_approvals", len(required) or 1)
    rereview_days = raw.get("rereview_days", 365)
    if not isinstance(capacities, dict) or not all(isinstance(v, str) for v in capacities.values()):
        raise MuseionError(f"{source}: [capacities] maps each capacity name to a description")
    if not isinstance(required, list) or not all(isinstance(c, str) for c in required):
        raise MuseionError(f"{source}: required_capacities is a list of capacity names")
    bad = [c for c in capacities if not CAPACITY_RE.fullmatch(c)]
    if bad:
        raise MuseionError(f"{source}: capacity names are lowercase identifiers (e.g. domain_expert), not {', '.join(bad)}")
    unknown = [c for c in required if c not in capacities]
    if unknown:
        raise MuseionError(f"{source}: required capacities {', '.join(unknown)} are not described under [capacities]")
    if not isinstance(min_approvals, int) or min_approvals < 1:
        raise MuseionError(f"{source}: min_approvals must be a whole number of at least 1")
    if min_approvals < len(set(required)):
        raise MuseionError(f"{source}: min_approvals ({min_approvals}) is less than the {len(set(required))} required capacities")
    if not isinstance(rereview_days, int) or not 1 <= rereview_days <= 3660:
        raise MuseionError(f"{source}: rereview_days must be a whole number of days from 1 to 3660")
    return ReviewPolicy(tuple(dict.fromkeys(required)), min_approvals, rereview_days, dict(capacities), source)


def load_policy(home: Path) -> ReviewPolicy:
    """The policy in ``home/review-policy.toml``, or the default when there is none."""
    path = home / POLICY_FILE
    if path.is_file():
        return parse_policy(path.read_text(encoding="utf-8"), str(path))
    return parse_policy(DEFAULT_POLICY, "default")


def decide(policy: ReviewPolicy, reviews: Iterable[tuple[int, str, str]], author_account_id: int | None) -> Decision:
    """Apply the policy to one round's (reviewer account id, capacity, decision) triples."""
    approving: dict[int, set[str]] = {}
    rejected = False
    for reviewer, capacity, decision in reviews:
        if reviewer == author_account_id:
            continue  # defence in depth: recording already refuses the author
        if decision == "reject":
            rejected = True
        elif decision == "approve":
            approving.setdefault(reviewer, set()).add(capacity)
    covered = set().union(*approving.values()) if approving else set()
    missing = tuple(c for c in policy.required_capacities if c not in covered)
    approved = not rejected and not missing and len(approving) >= policy.min_approvals
    return Decision(approved, rejected, len(approving), missing, max(0, policy.min_approvals - len(approving)))
