"""What each filter of an interaction policy left, in words: for "no interactions" errors and small-data notes.

The counts come from :func:`museion.recommend.interactions.apply_policy`; when nothing is left, the events are read
again through the gate with every kind, so the message can say which kinds the data has and which filter removed them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from sqlalchemy import Engine

from museion.privacy import gate
from museion.privacy.activity import EventArrays
from museion.privacy.aggregates import activity_totals
from museion.recommend.interactions import AUTO_CORE_LARGEST, AUTO_CORE_SHARE, InteractionPolicy, PolicyResult, apply_policy

NEGATIVE_KINDS = frozenset({"dislike", "skip"})
"""Kinds that say a member did not want a work: never suggested as positive signals."""
AUTO_RULE = f"the largest k from {AUTO_CORE_LARGEST} down to 1 that keeps at least {AUTO_CORE_SHARE:.0%} of the members"


def weights_text(kinds: dict[str, float]) -> str:
    """``{"borrow": 1.0, "visit": 0.3}`` → ``borrow=1, visit=0.3``."""
    return ", ".join(f"{kind}={weight:g}" for kind, weight in sorted(kinds.items()))


def policy_record(result: PolicyResult) -> dict[str, Any]:
    """The policy as applied and recorded with a model version: settings, the k-core used, and what each filter left."""
    policy = result.policy
    record: dict[str, Any] = {
        "kinds": dict(policy.kinds), "rating_threshold": policy.rating_threshold,
        "time_decay_half_life_days": policy.time_decay_half_life_days, "reference_time": policy.reference_time,
        "min_member_interactions": policy.min_member_interactions, "min_work_interactions": policy.min_work_interactions,
        "auto_core": {"largest": AUTO_CORE_LARGEST, "share": AUTO_CORE_SHARE} if policy.auto_core else None,
        "member_filter": policy.member_filter is not None,
        "funnel": [{"step": s.name, "count": s.count, "members": s.members} for s in result.steps],
    }
    if result.suggested_core is not None:
        record["suggested_min_interactions"] = result.suggested_core
    return record


def _core_name(members: int, works: int) -> str:
    return f"{members}-core" if members == works else f"k-core ({members} per member, {works} per work)"


def policy_summary(record: dict[str, Any]) -> str:
    """The recorded policy and what it kept, in one line for a command's output."""
    core = _core_name(record["min_member_interactions"], record["min_work_interactions"])
    decay = record.get("time_decay_half_life_days")
    steps = {s["step"]: s for s in record.get("funnel", [])}
    kept = (f"; {steps['rating_threshold']['count']:,} events counted → {steps['pairs']['count']:,} member–work pairs → "
            f"{steps['k_core']['count']:,} pairs of {steps['k_core']['members']:,} members kept") if "k_core" in steps else ""
    return (f"interaction policy: kinds {weights_text(record['kinds'])}; ratings from {record['rating_threshold']:g}; "
            f"{core}{' (chosen from the data)' if record.get('auto_core') else ''}; "
            f"{f'half-life {decay:g} days' if decay else 'no time decay'}{kept}")


def core_note(record: dict[str, Any]) -> str | None:
    """One line on the k-core for a command's output: the k chosen automatically, or advice when it kept too few."""
    steps = {s["step"]: s for s in record.get("funnel", [])}
    if "k_core" not in steps:
        return None
    k, before, after = record["min_member_interactions"], steps["pairs"]["members"], steps["k_core"]["members"]
    if record.get("auto_core"):
        return f"k-core chosen from the data: {k} (keeps {after:,} of {before:,} members; the rule: {AUTO_RULE})"
    suggested = record.get("suggested_min_interactions")
    if suggested is None:
        return None
    core = _core_name(k, record["min_work_interactions"])
    return (f"small data: the {core} kept {after:,} of {before:,} members with a counted interaction ({after / before:.0%}); "
            f"the others get non-personalised lists. --min-interactions {suggested} keeps at least {AUTO_CORE_SHARE:.0%} "
            "of them (or --min-interactions auto)")


def _kind_lines(events: EventArrays, policy: InteractionPolicy) -> list[str]:
    kinds, counts = np.unique(events.kinds, return_counts=True)
    lines = []
    for kind, count in sorted(zip(kinds.tolist(), counts.tolist(), strict=True), key=lambda kc: (-kc[1], kc[0])):
        if kind in policy.kinds:
            lines.append(f"    {kind}: {count:,} — counted, weight {policy.kinds[kind]:g}")
        elif kind in NEGATIVE_KINDS:
            lines.append(f"    {kind}: {count:,} — a negative signal, not counted")
        else:
            lines.append(f"    {kind}: {count:,} — not counted; add --kinds {kind}=1")
    return lines


def _advice(result: PolicyResult, events: EventArrays) -> str:
    """What to change, for the first filter that left nothing."""
    emptied = next((s.name for s in result.steps if s.count == 0), "")
    policy = result.policy
    core = _core_name(policy.min_member_interactions, policy.min_work_interactions)
    if emptied == "kinds":
        present = sorted({str(k) for k in events.kinds} - NEGATIVE_KINDS)
        if not present:
            return "the data has only negative signals (dislikes, skips), which cannot train a recommender"
        return (f"the kinds filter removed every event: count the kinds your data has, e.g. --kinds "
                f"{','.join(f'{k}={policy.kinds.get(k, 1.0):g}' for k in present)} (or kinds in a --policy-file)")
    if emptied == "rating_threshold":
        ratings = events.values[(events.kinds == "rating") & ~np.isnan(events.values)]
        span = f"the ratings range from {ratings.min():g} to {ratings.max():g}" if len(ratings) else "no rating has a value"
        return f"the rating threshold removed every event: {span}; lower --rating-threshold (now {policy.rating_threshold:g})"
    if emptied == "k_core":
        return (f"the {core} removed every member–work pair: on data this small, --min-interactions "
                f"{result.suggested_core} keeps at least {AUTO_CORE_SHARE:.0%} of the members (or --min-interactions auto: {AUTO_RULE})")
    if emptied == "member_filter":
        return "the member filter removed every event"
    return "the events changed while they were read; run the command again"


def _step_lines(result: PolicyResult) -> list[str]:
    policy = result.policy
    core = _core_name(policy.min_member_interactions, policy.min_work_interactions)
    labels = {"kinds": f"of the counted kinds ({weights_text(dict(policy.kinds))})",
              "rating_threshold": f"after the rating threshold (ratings below {policy.rating_threshold:g} dropped)",
              "member_filter": "after the member filter",
              "pairs": "distinct member–work pairs",
              "k_core": f"{core} (members and works with at least that many pairs)"}
    lines = []
    for step in result.steps[1:]:
        unit = "pairs" if step.name in ("pairs", "k_core") else "events"
        lines.append(f"  {labels[step.name]}: {step.count:,} {unit} of {step.members:,} members")
        if step.count == 0:
            break
    return lines


def explain_empty(engine: Engine, policy: InteractionPolicy, *, source: str | None, actor: str) -> str:
    """Why ``policy`` leaves no interactions: the counts at each filter, from the gate's read of every kind."""
    where = f" from source {source!r}" if source else ""
    with engine.begin() as conn:
        events = gate.read_activity(conn, purpose=gate.PERSONALISATION, actor=actor, source=source)
        totals = activity_totals(conn, actor=actor, source=source) if not len(events) else None
    if totals is not None:
        if totals["events"]:
            return (f"no member whose events are recorded{where} consented to {gate.PERSONALISATION}: {totals['events']:,} events "
                    f"are recorded, and training reads only those of members who consented. Record consents with "
                    f"`museion privacy consent import FILE` or `museion privacy consent grant MEMBER {gate.PERSONALISATION}`")
        return (f"no events{where}: none have been imported (or every member objected to processing). Load activity with "
                "`museion ingest events FILE`, then consents with `museion privacy consent import FILE`")
    # decay changes weights, never counts: leave it out, so events without a time count too
    result = apply_policy(events.member_ids, events.work_ids, events.kinds, events.values, None,
                          replace(policy, time_decay_half_life_days=None))
    lines = [f"no interactions to train on{where}: {_advice(result, events)}.", "What each filter of the interaction policy left:",
             f"  read through the privacy gate (members who consented to {gate.PERSONALISATION}): "
             f"{result.steps[0].count:,} events of {result.steps[0].members:,} members", *_kind_lines(events, policy),
             *_step_lines(result)]
    return "\n".join(lines)
