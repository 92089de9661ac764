"""The data map: which categories of personal data Museion holds, where, and the purposes declared
for them. Purposes are seeded from here (migration 0003) and versioned in the database afterwards."""

from __future__ import annotations

from dataclasses import dataclass

RIGHTS_PURPOSE = "member_rights"  # the privacy gate's purpose for a member's own acts (see museion.privacy.gate.RIGHTS)
INTEGRITY_PURPOSE = "integrity"  # museion.risk: detectors reading activity for fake profiles and misuse
REVIEW_PURPOSE = "review_board"  # the review board reading members' flags and comments (museion.privacy.feedback)
LEGAL_BASES = ("consent", "contract", "legitimate_interest", "legal_obligation")


@dataclass(frozen=True, slots=True)
class DataCategory:
    code: str
    description: str
    fields: tuple[str, ...]  # table.column
    sensitive: bool = False  # needs its own, separate consent (e.g. data about minors, precise location)


CATEGORIES: dict[str, DataCategory] = {c.code: c for c in (
    DataCategory("activity", "What a member did with which work: kind, value, time, channel.",
                 ("events.member_id", "events.work_id", "events.kind", "events.value", "events.occurred_at",
                  "events.channel")),
    DataCategory("free_text", "Words members wrote: tags, reviews, comments.", ("events.label",)),
    DataCategory("demographics", "Age, gender and occupation members declared.",
                 ("members.age", "members.gender", "members.occupation"), sensitive=True),
    DataCategory("membership", "Where a member's record came from and since when.",
                 ("members.source", "members.created_at")),
    DataCategory("feedback", "Flags members put on items recommended to them, and their comments on the disclosure "
                 "(stored with personal data redacted).",
                 ("member_flags.work_id", "member_flags.model_version_id", "member_flags.reason", "member_flags.comment",
                  "disclosure_comments.model_version_id", "disclosure_comments.text")),
)}


@dataclass(frozen=True, slots=True)
class PurposeSpec:
    code: str
    name: str
    description: str
    legal_basis: str
    categories: tuple[str, ...]
    retention_days: int | None


DEFAULT_PURPOSES: tuple[PurposeSpec, ...] = (
    PurposeSpec("personalisation", "Personalised recommendations",
                "Suggest works to a member from what they did; every item says why.",
                "consent", ("activity",), 730),
    PurposeSpec("analytics", "Audience analytics",
                "Aggregate trends and statistics for programming decisions; never about one member.",
                "legitimate_interest", ("activity",), 365),
    PurposeSpec("research", "Research",
                "Studies of taste and fairness on pseudonymous data, with the member's consent.",
                "consent", ("activity", "demographics"), 1095),
    PurposeSpec("fairness_audit", "Fairness audits",
                "Check that recommendations serve every group of members and creators fairly.",
                "legitimate_interest", ("activity", "demographics"), 365),
    PurposeSpec(RIGHTS_PURPOSE, "Members' own requests and controls",
                "Act on what a member asks: their consent decisions, self-service settings, data-subject requests "
                "and copies of their data.",
                "legal_obligation", ("membership", "activity"), None),
    PurposeSpec(REVIEW_PURPOSE, "Algorithm review",
                "The review board reads the flags and comments members send about recommendations (personal data "
                "redacted) as evidence when it next reviews the version concerned; sending one is agreeing to this.",
                "consent", ("feedback",), 730),
    PurposeSpec(INTEGRITY_PURPOSE, "Integrity",  # museion.risk: shilling detection and quarantine
                "Protect recommendations and personal data from manipulation and misuse",
                "legitimate_interest", ("activity",), 365),
)


def is_sensitive(categories: tuple[str, ...] | list[str]) -> bool:
    return any(CATEGORIES[c].sensitive for c in categories)


def category_of(field: str) -> str:
    """The category holding ``field`` (``table.column``), or ValueError naming the fields the map knows."""
    for category in CATEGORIES.values():
        if field in category.fields:
            return category.code
    known = ", ".join(f for c in CATEGORIES.values() for f in c.fields)
    raise ValueError(f"{field!r} is not in the data map (it knows: {known})")
