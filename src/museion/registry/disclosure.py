"""The public disclosure, "How our recommendations work", generated from the deployed version's frozen card.

Every statement comes from the card reviewers approved (the card hash is shown), in English or
Simplified Chinese, with the review record summarised, including whether the approval was the demo's
automatic one. The recommendations API links here from every served list (``DISCLOSURE_URL``).

The organisation it speaks for is named once per installation (``museion init --org``), in
``MUSEION_HOME/organisation.toml``: ``organisation(home)`` reads it, ``name_organisation(home, name)`` writes it.

Service function for other interfaces (web pages, API): ``public_disclosure(conn, lang) -> dict``;
``disclosure_markdown(disclosure) -> str`` renders it. It carries ``member_feedback``: counts of members' flags by
reason and of their comments about the deployed version, small counts suppressed, never a text;
``comment_on_deployed(conn, member_id, text, actor=)`` records a member's comment about the deployed version.
"""

from __future__ import annotations

import json
import tomllib
import unicodedata
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select

from museion.config import get_settings
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy import feedback
from museion.registry import cards, lifecycle, rollouts, texts
from museion.registry.models import ModelVersion, Review, VersionTransition
from museion.registry.policy import load_policy
from museion.store.files import write_private

DISCLOSURE_URL = "/api/disclosure"
CARD_FIELDS = ("name", "purpose", "principle", "mechanism", "reranker", "consent", "data_categories", "parameters",
               "evaluation", "audit", "limitations", "contact")
"""Fields copied verbatim from the card's text in the requested language."""

ORGANISATION_FILE = "organisation.toml"
ORGANISATION_MAX = 200

REVIEW_TEXT = {
    "en": "Approved by {n} reviewer(s), acting as {capacities}; the author did not take part.",
    "zh-Hans": "已由 {n} 位评审员（身份：{capacities}）批准；作者本人未参与评审。",
}


def organisation(home: Path) -> str | None:
    """The organisation named at ``museion init --org``, if any."""
    path = home / ORGANISATION_FILE
    if not path.is_file():
        return None
    try:
        name = tomllib.loads(path.read_text(encoding="utf-8")).get("name")
    except tomllib.TOMLDecodeError as exc:
        raise MuseionError(f"{path}: not valid TOML ({exc})") from None
    if not isinstance(name, str) or not name.strip():
        raise MuseionError(f'{path}: name = "…" gives the organisation\'s name')
    return name.strip()


def organisation_name(text: str) -> str:
    """An organisation's name as given, checked: one line of 1 to 200 characters."""
    name = text.strip()
    if not name or len(name) > ORGANISATION_MAX:
        raise MuseionError(f"the organisation's name is 1 to {ORGANISATION_MAX} characters, not {len(name)}")
    if any(unicodedata.category(c) in ("Cc", "Cf") for c in name):
        raise MuseionError("the organisation's name is one line of text, without control characters")
    return name


def name_organisation(home: Path, name: str) -> Path:
    """Record the organisation's name for the disclosure and the filing pack (replacing any before)."""
    name = organisation_name(name)
    path = home / ORGANISATION_FILE
    write_private(path, "# The organisation this installation speaks for (`museion init --org`): the public disclosure "
                  f"and the filing pack name it.\nname = {json.dumps(name, ensure_ascii=False)}\n")
    return path


def review_summary(conn: Connection, version_id: int, round_: int, lang: str) -> dict[str, Any]:
    """Who approved the version's last round (capacities and counts only) and whether it was the demo's approval."""
    rows = conn.execute(select(Review.capacity, Review.findings).where(
        Review.version_id == version_id, Review.round == round_, Review.decision == "approve")).all()
    capacities = sorted({r.capacity for r in rows})
    demo = any(r.findings.lower().startswith(cards.DEMO_MARK) for r in rows)
    notice = REVIEW_TEXT[lang].format(n=len(rows), capacities=", ".join(capacities) or "-")
    if demo:
        notice = texts.text(texts.STANDARD, "demo_approval", lang) + " " + notice
    return {"round": round_, "approvals": len(rows), "capacities": capacities, "demo_approval": demo, "notice": notice}


def public_disclosure(conn: Connection, lang: str = "en", home: Path | None = None) -> dict[str, Any]:
    """The disclosure of the deployed version in ``lang`` (``en`` or ``zh-Hans``); NotFound when none is deployed.

    ``home`` holds the review policy (default: MUSEION_HOME), for the next re-review date."""
    texts.text(texts.HEADINGS, "title", lang)  # refuses an unknown language
    version_id = lifecycle.deployed_version_id(conn)
    if version_id is None:
        raise NotFound("no recommender is deployed now, so no list is personalised; this page describes the deployed "
                       "version once one is approved and deployed")
    version = conn.execute(select(ModelVersion.review_round, ModelVersion.reviewed_at).where(ModelVersion.id == version_id)).one()
    row = cards.card_row(conn, version_id)
    assert row is not None and row.frozen is not None  # deployment requires a frozen card
    card = row.frozen
    deployed_at = conn.scalar(select(VersionTransition.at).where(
        VersionTransition.version_id == version_id, VersionTransition.to_status == lifecycle.DEPLOYED,
        VersionTransition.from_status == lifecycle.APPROVED).order_by(VersionTransition.id.desc()).limit(1))
    home = home or get_settings().home
    rereview_days = load_policy(home).rereview_days
    localised = card["text"][lang]
    return {
        "lang": lang, "languages": list(texts.LANGS), "title": texts.text(texts.HEADINGS, "title", lang),
        "organisation": organisation(home),
        "version_id": version_id, "algorithm": card["version"]["algorithm"], "card_hash": row.card_hash,
        "deployed_at": deployed_at,
        "reviewed_at": version.reviewed_at,
        "next_review_due": version.reviewed_at + timedelta(days=rereview_days) if version.reviewed_at else None,
        "purpose_notes": card.get("purpose_notes"),
        **{name: localised[name] for name in CARD_FIELDS},
        "review": review_summary(conn, version_id, int(version.review_round) or 1, lang),
        "member_feedback": feedback.public_counts(conn, version_id),
        "experiments": rollouts.public_summary(conn, version_id, lang),
    }


def comment_on_deployed(conn: Connection, member_id: int, text: str, *, actor: str) -> feedback.Feedback:
    """Record a member's comment about the version deployed now (Conflict while none is: there is nothing to discuss)."""
    version_id = lifecycle.deployed_version_id(conn)
    if version_id is None:
        raise Conflict("no recommender is deployed now, so there is no algorithm to comment on")
    return feedback.comment(conn, member_id, version_id, text, actor=actor)


def disclosure_markdown(disclosure: dict[str, Any]) -> str:
    """The disclosure as Markdown (the same headings as a card)."""
    lang = disclosure["lang"]
    h = lambda key: texts.text(texts.HEADINGS, key, lang)  # noqa: E731
    lines = [f"# {disclosure['title']}", ""] + ([disclosure["organisation"], ""] if disclosure.get("organisation") else [])
    lines += [f"{disclosure['name']} ({h('version')} {disclosure['version_id']}, "
              f"card {disclosure['card_hash'][:12]})", "", f"## {h('purpose')}", "", disclosure["purpose"], "",
              disclosure["consent"], "", f"## {h('principle')}", "", disclosure["principle"], "", f"## {h('mechanism')}",
              "", disclosure["mechanism"], "", disclosure["reranker"], "", f"## {h('data')}", ""]
    lines += [f"- {c}" for c in disclosure["data_categories"]]
    lines += ["", f"## {h('parameters')}", ""] + [f"- `{p['name']}` = {p['value']}: {p['why']}" for p in disclosure["parameters"]]
    lines += ["", f"## {h('evaluation')}", "", f"- {disclosure['evaluation']}", f"- {disclosure['audit']}", "",
              f"## {h('limitations')}", ""] + [f"- {x}" for x in disclosure["limitations"]]
    lines += ["", f"## {h('review')}", "", disclosure["review"]["notice"], "", disclosure["experiments"]["notice"]]
    lines += [f"- {r['mode']} {r['candidate_version_id']} / {r['control_version_id']}: {r['share']:.0%}, {r['state']}"
              + (f", {r['decision']}" if r["decision"] else "") for r in disclosure["experiments"]["rollouts"]]
    lines += ["", f"## {h('contact')}", "", disclosure["contact"], ""]
    return "\n".join(lines)
