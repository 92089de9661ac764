"""Model cards: what a version does, in plain language (English and Simplified Chinese), built from its record.

``build_card`` is pure (facts in, card dict out); ``card_for`` gathers the facts from the store. A card is
editable (purpose notes, limitations, contact) while its version is a draft and frozen, with its sha256,
once the version is submitted: reviewers, the disclosure page and the filing pack all read the frozen card.

Service functions for other interfaces (web pages, API, CLI):

- ``card_for(conn, home, version_id) -> dict``: the frozen card if submitted, else the current draft card.
- ``edit_card(conn, version_id, actor=, purpose_notes=, limitations=, contact=) -> dict``: drafts only.
- ``render_markdown(card, lang) -> str``: the card as Markdown, ``lang`` in ``texts.LANGS``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.engine import Row

from museion import audit
from museion.errors import Conflict, MuseionError, NotFound
from museion.privacy import gate
from museion.privacy.consent import current_purpose
from museion.registry import texts
from museion.registry.artifact_files import MANIFEST, model_folder
from museion.registry.models import RERANK_KEY, FairnessAudit, ModelCard, ModelVersion

CARD_FORMAT = 1
EDITABLE = ("purpose_notes", "limitations", "contact")
DEMO_MARK = "automatic demo approval"
"""Findings of reviews recorded by ``museion demo`` start with this, and the card and disclosure say so."""


class CardFrozen(Conflict):
    """The card (or the version behind it) may no longer change: it was submitted for review."""


def canonical(data: Any) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def card_hash(card: dict[str, Any]) -> str:
    """sha256 of the card's canonical JSON: what reviews and transitions cite."""
    return hashlib.sha256(canonical(card).encode()).hexdigest()


def artifact_sha256(home: Path, artifact: str) -> str | None:
    """sha256 of the model folder's manifest, which itself pins the sha256 of the learned arrays.

    The serving index beside it (``artifact_files.INDEX``) is left out on purpose: erasure requests must be able to
    remove a member's history from a deployed version's index.
    """
    path = model_folder(home, artifact) / MANIFEST
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def version_facts(version: ModelVersion | Row, home: Path) -> dict[str, Any]:
    """The facts a card is sealed on; serving compares them again before it loads a version."""
    return {"id": int(version.id), "algorithm": version.algorithm, "params": version.params, "policy": version.policy,
            "source": version.source, "data_fingerprint": version.data_fingerprint, "evaluation": version.evaluation,
            "artifact_sha256": artifact_sha256(home, version.artifact), "n_members": int(version.n_members),
            "n_works": int(version.n_works)}


POLICY_PARAMETERS = ("kinds", "rating_threshold", "time_decay_half_life_days", "min_member_interactions", "min_work_interactions")
"""Interaction-policy settings a card explains beside the model's own parameters (those set, that is)."""


def kind_weights(recorded: Any) -> dict[str, float]:
    """The counted kinds and weights of a recorded policy (versions recorded before weights list the kinds: weight 1)."""
    return dict(recorded) if isinstance(recorded, dict) else dict.fromkeys(recorded or (), 1.0)


def _policy_text(policy: dict[str, Any], lang: str) -> str:
    """The interaction policy in plain sentences: kinds and weights, rating threshold, k-core (and how chosen), decay."""
    if not policy:
        return ""
    say = lambda key, **values: texts.text(texts.POLICY, key, lang).format(**values)  # noqa: E731
    kinds = kind_weights(policy.get("kinds"))
    named = texts.EVENT_KIND_NAMES.get(lang, {})
    sentences = [say("kinds", kinds=", ".join(f"{named.get(k, k)} {w:g}" for k, w in sorted(kinds.items())))] if kinds else []
    if "rating_threshold" in policy:
        sentences.append(say("threshold", threshold=f"{policy['rating_threshold']:g}"))
    if "min_member_interactions" in policy:
        sentences.append(say("core", members=policy["min_member_interactions"], works=policy["min_work_interactions"]))
    if policy.get("auto_core"):
        sentences.append(say("auto_core", largest=policy["auto_core"]["largest"], share=f"{policy['auto_core']['share']:.0%}"))
    decay = policy.get("time_decay_half_life_days")
    sentences.append(say("decay", days=f"{decay:g}") if decay else say("no_decay"))
    return (" " if lang == "en" else "").join(sentences)


def _policy_parameters(policy: dict[str, Any]) -> dict[str, Any]:
    shown = {k: v for k, v in policy.items() if k in POLICY_PARAMETERS and v is not None}
    if "kinds" in shown:
        shown["kinds"] = ", ".join(f"{k}={w:g}" for k, w in sorted(kind_weights(shown["kinds"]).items()))
    return shown


def reranker_of(facts: dict[str, Any]) -> dict[str, Any] | None:
    """The re-ranking step recorded in the version's parameters (name, strength, params), if any."""
    found = (facts.get("params") or {}).get(RERANK_KEY)
    return found if isinstance(found, dict) and found.get("name") else None


def _reranker_text(reranker: dict[str, Any] | None, lang: str) -> str:
    if reranker is None:
        return texts.text(texts.STANDARD, "no_reranker", lang)
    what = texts.RERANKERS.get(reranker["name"], {}).get(lang, reranker["name"])
    settings = {"strength": reranker.get("strength"), **(reranker.get("params") or {})}
    return (f"{texts.text(texts.STANDARD, 'reranker', lang)}: {what} "
            f"({', '.join(f'{k}={v}' for k, v in settings.items() if v is not None)})")


def _parameter_text(algorithm: str, name: str, lang: str) -> str:
    """Why a parameter matters: the algorithm's own text where a name means something else there (RP3beta's alpha)."""
    for key in (f"{algorithm}.{name}", name):
        if key in texts.PARAMETERS:
            return texts.text(texts.PARAMETERS, key, lang)
    return ""


def _evaluation_summary(evaluation: dict[str, Any], lang: str) -> str:
    metrics = evaluation.get("metrics") or {}
    notes = [texts.text(texts.STANDARD, key, lang).format(**evaluation[key]) + "."
             for key in ("routing", "search") if isinstance(evaluation.get(key), dict)]
    if not metrics:
        return " ".join([texts.text(texts.STANDARD, "no_evaluation", lang), *notes])
    shown = ", ".join(f"{name} {value:.4f}" for name, value in sorted(metrics.items())
                      if isinstance(value, int | float) and name.split("@")[0] in ("ndcg", "recall", "coverage", "aplt"))
    protocol = evaluation.get("protocol", "?")
    return " ".join([f"{texts.text(texts.STANDARD, 'evaluation', lang)} ({protocol}): {shown}.", *notes])


SUMMARY_WORDS = {"members": {"en": "members", "zh-Hans": "会员数"}}
"""Audit summary figures named by a word rather than a metric identifier, in each language."""


def _audit_summary(fairness: dict[str, Any] | None, lang: str) -> str:
    if not fairness:
        return texts.text(texts.STANDARD, "no_audit", lang)
    label = {"en": "Fairness audit", "zh-Hans": "公平性审计"}[lang]
    named = lambda key: SUMMARY_WORDS.get(key, {}).get(lang, key)  # noqa: E731  metric identifiers stay as they are
    figures = ", ".join(f"{named(k)} {v:.4f}" if isinstance(v, float) else f"{named(k)} {v}"
                        for k, v in sorted((fairness.get("summary") or {}).items()) if isinstance(v, int | float | str))
    return f"{label} #{fairness['id']} ({fairness.get('created_at', '')}): {figures}".rstrip(": ")


def build_card(facts: dict[str, Any], *, editable: dict[str, str | None], categories: list[str],
               fairness: dict[str, Any] | None, trained_at: str | None = None) -> dict[str, Any]:
    """The full card of one version in both languages (pure: facts in, card out)."""
    algorithm = facts["algorithm"]
    if algorithm not in texts.ALGORITHMS:
        raise MuseionError(f"no plain-language description of algorithm {algorithm!r} yet: add it to museion.registry.texts")
    reranker = reranker_of(facts)
    policy = facts.get("policy") or {}
    parameters = {**{k: v for k, v in (facts.get("params") or {}).items() if k != RERANK_KEY}, **_policy_parameters(policy)}
    limitations = [line.strip() for line in (editable.get("limitations") or "").splitlines() if line.strip()]
    localised: dict[str, Any] = {}
    for lang in texts.LANGS:
        about = texts.ALGORITHMS[algorithm][lang]
        standard_limits = [texts.text(texts.STANDARD, "cold_start", lang)]
        if algorithm not in ("pop", "trending", "content"):
            standard_limits.append(texts.text(texts.STANDARD, "popularity_bias", lang))
        localised[lang] = {
            "title": texts.text(texts.HEADINGS, "card", lang),
            "name": about["name"],
            "purpose": texts.text(texts.STANDARD, "purpose", lang),
            "principle": about["principle"],
            "mechanism": about["mechanism"],
            "reranker": _reranker_text(reranker, lang),
            "policy": _policy_text(policy, lang),
            "consent": texts.text(texts.STANDARD, "consent", lang),
            "data_categories": [texts.text(texts.CATEGORIES, c, lang) if c in texts.CATEGORIES else c for c in categories],
            "parameters": [{"name": name, "value": value,
                            "why": _parameter_text(algorithm, name, lang)}
                           for name, value in sorted(parameters.items())],
            "evaluation": _evaluation_summary(facts.get("evaluation") or {}, lang),
            "audit": _audit_summary(fairness, lang),
            "limitations": standard_limits + limitations,
            "contact": editable.get("contact") or texts.text(texts.STANDARD, "no_contact", lang),
        }
    return {
        "card_format": CARD_FORMAT,
        "version": facts,
        "trained_at": trained_at,
        "reranker": reranker,
        "purpose_code": gate.PERSONALISATION,
        "purpose_notes": editable.get("purpose_notes"),
        "data_categories": categories,
        "fairness_audit": fairness,
        "limitations": limitations,
        "contact": editable.get("contact"),
        "text": localised,
    }


def render_markdown(card: dict[str, Any], lang: str = "en") -> str:
    """The card as Markdown in ``lang``."""
    texts.text(texts.HEADINGS, "card", lang)  # refuses an unknown language
    t = card["text"][lang]
    h = lambda key: texts.text(texts.HEADINGS, key, lang)  # noqa: E731
    v = card["version"]
    lines = [f"# {t['title']}: {t['name']}", "", f"{h('version')} {v['id']} · `{v['algorithm']}` · "
             f"{h('trained_on')} {v['data_fingerprint'][:12]} · {h('artifact')} {(v['artifact_sha256'] or '?')[:12]}", "",
             f"## {h('purpose')}", "", t["purpose"]]
    if card.get("purpose_notes"):
        lines += ["", card["purpose_notes"]]
    lines += ["", t["consent"], "", f"## {h('principle')}", "", t["principle"], "", f"## {h('mechanism')}", "",
              t["mechanism"], "", f"## {h('reranker')}", "", t["reranker"], ""]
    if t.get("policy"):  # cards frozen before the policy was stated have none
        lines += [f"## {h('policy')}", "", t["policy"], ""]
    lines += [f"## {h('data')}", ""]
    lines += [f"- {c}" for c in t["data_categories"]]
    lines += ["", f"## {h('parameters')}", "", f"| {h('parameter')} | {h('value')} | {h('why')} |", "| --- | --- | --- |"]
    lines += [f"| `{p['name']}` | {p['value']} | {p['why']} |" for p in t["parameters"]]
    lines += ["", f"## {h('evaluation')}", "", f"- {t['evaluation']}", f"- {t['audit']}", "", f"## {h('limitations')}", ""]
    lines += [f"- {line}" for line in t["limitations"]]
    lines += ["", f"## {h('contact')}", "", t["contact"], ""]
    if card.get("review", {}).get("notice"):
        lines += [f"## {h('review')}", "", card["review"]["notice"], ""]
    return "\n".join(lines)


# --- the store edge ----------------------------------------------------------------------------

def get_version(conn: Connection, version_id: int) -> Row:
    row = conn.execute(select(ModelVersion.__table__).where(ModelVersion.id == version_id)).first()
    if row is None:
        raise NotFound(f"no model version {version_id} (see `museion registry list`)")
    return row


def card_row(conn: Connection, version_id: int) -> Row | None:
    return conn.execute(select(ModelCard.__table__).where(ModelCard.version_id == version_id)).first()


def latest_fairness_audit(conn: Connection, version_id: int) -> dict[str, Any] | None:
    """The latest fairness audit of this version (id, scope, time and headline figures), if any."""
    row = conn.execute(select(FairnessAudit.id, FairnessAudit.scope, FairnessAudit.created_at, FairnessAudit.summary)
                       .where(FairnessAudit.model_version_id == version_id).order_by(FairnessAudit.id.desc()).limit(1)).first()
    if row is None:
        return None
    return {"id": int(row.id), "scope": row.scope, "created_at": str(row.created_at or ""),
            "summary": row.summary if isinstance(row.summary, dict) else {}}


def draft_card(conn: Connection, home: Path, version_id: int) -> dict[str, Any]:
    """The card as it would be frozen now, from the version record, its edits, the data map and the latest audit."""
    version = get_version(conn, version_id)
    row = card_row(conn, version_id)
    editable = {name: getattr(row, name) if row is not None else None for name in EDITABLE}
    categories = list(current_purpose(conn, gate.PERSONALISATION).categories)
    return build_card(version_facts(version, home), editable=editable, categories=categories,
                      fairness=latest_fairness_audit(conn, version_id),
                      trained_at=version.created_at.isoformat() if version.created_at else None)


def card_for(conn: Connection, home: Path, version_id: int) -> dict[str, Any]:
    """The frozen card of a submitted version (with its hash), or the current draft card."""
    row = card_row(conn, version_id)
    if row is not None and row.frozen is not None:
        return {**row.frozen, "card_hash": row.card_hash, "frozen": True}
    card = draft_card(conn, home, version_id)
    return {**card, "card_hash": card_hash(card), "frozen": False}


def edit_card(conn: Connection, version_id: int, *, actor: str, purpose_notes: str | None = None,
              limitations: str | None = None, contact: str | None = None) -> dict[str, str | None]:
    """Change a draft's editable fields (None leaves a field as it is); refused once the version left draft."""
    version = get_version(conn, version_id)
    if version.status != "draft":
        raise CardFrozen(f"model version {version_id} is {version.status}: its card was frozen when it was submitted; "
                         "train a new version to change it")
    changes = {k: v for k, v in (("purpose_notes", purpose_notes), ("limitations", limitations), ("contact", contact))
               if v is not None}
    for name, value in changes.items():
        if len(value) > 20_000:
            raise MuseionError(f"{name} is {len(value)} characters; keep it under 20,000")
    if card_row(conn, version_id) is None:
        conn.execute(insert(ModelCard).values(version_id=version_id, **changes))
    elif changes:
        conn.execute(update(ModelCard).where(ModelCard.version_id == version_id).values(**changes, updated_at=func.now()))
    audit.record(conn, actor=actor, action="model.card.edit", target=f"model_version:{version_id}",
                 details={"fields": sorted(changes)})
    current = card_row(conn, version_id)
    return {name: getattr(current, name) for name in EDITABLE}


def freeze_card(conn: Connection, home: Path, version_id: int, author_account_id: int | None) -> str:
    """Store the card as it is now, with its hash, and return the hash (called on submission)."""
    card = draft_card(conn, home, version_id)
    if card["version"]["artifact_sha256"] is None:
        raise MuseionError(f"model version {version_id}: its artifact folder is missing under {home}; it cannot be submitted")
    digest = card_hash(card)
    values = {"frozen": card, "card_hash": digest, "author_account_id": author_account_id}
    if card_row(conn, version_id) is None:
        conn.execute(insert(ModelCard).values(version_id=version_id, **values))
    else:
        conn.execute(update(ModelCard).where(ModelCard.version_id == version_id).values(**values, updated_at=func.now()))
    return digest
