"""Licences as W3C ODRL 2.2 policies in JSON-LD (https://www.w3.org/TR/odrl-model/), and back.

One ``Agreement`` per licence: the holder is the ``assigner``; one ``permission`` per work with the licence's actions;
territory as a ``spatial`` constraint (none for "world"), the window as ``dateTime`` constraints, a fee as a
``compensate`` duty with ``payAmount``. ODRL has no terms for download, AI training or exclusivity, so those are named
in this deployment's own ``museion:`` namespace (ODRL's documented way to extend its vocabulary).

Pure: no store. Written by hand on ``json`` because no maintained Python ODRL library is packaged.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from museion.errors import InputRejected, Problem
from museion.rights.terms import WORLD, LicenceIn

CONTEXT: list[Any] = ["http://www.w3.org/ns/odrl.jsonld", {"museion": "urn:museion:vocab:", "dcterms": "http://purl.org/dc/terms/",
                                                            "xsd": "http://www.w3.org/2001/XMLSchema#"}]
# our uses → ODRL common vocabulary actions (stream: ODRL's "stream"; download and AI training: our own)
ACTIONS = {"display": "display", "stream": "stream", "print": "print", "reproduce": "reproduce",
           "download": "museion:download", "train_ai": "museion:train_ai"}
USES_OF = {v: k for k, v in ACTIONS.items()}
_URN = re.compile(r"^urn:museion:(work|holder|licence):(.+)$")


def policy(lic: dict[str, Any], work_keys: list[str]) -> dict[str, Any]:
    """One licence (as ``museion.rights.licence_reports`` reads it) as an ODRL Agreement."""
    constraints: list[dict[str, Any]] = []
    if lic["territories"] != [WORLD]:
        constraints.append({"leftOperand": "spatial", "operator": "isAnyOf", "rightOperand": list(lic["territories"])})
    constraints.append({"leftOperand": "dateTime", "operator": "gteq",
                        "rightOperand": {"@value": lic["starts"].isoformat(), "@type": "xsd:date"}})
    if lic["ends"] is not None:
        constraints.append({"leftOperand": "dateTime", "operator": "lteq",
                            "rightOperand": {"@value": lic["ends"].isoformat(), "@type": "xsd:date"}})
    rule: dict[str, Any] = {"action": [ACTIONS[u] for u in lic["uses"]], "constraint": constraints}
    if lic["fee_kind"] != "none":
        rule["duty"] = [{"action": "compensate", "museion:feeKind": lic["fee_kind"], "constraint": [{
            "leftOperand": "payAmount", "operator": "eq", "unit": f"museion:currency:{lic['currency']}",
            "rightOperand": {"@value": str(lic["fee_amount"]), "@type": "xsd:decimal"}}]}]
    node: dict[str, Any] = {
        "@type": "Agreement", "uid": f"urn:museion:licence:{lic['key']}",
        "assigner": {"@type": "Party", "uid": f"urn:museion:holder:{lic['holder_key']}", "museion:name": lic["holder"]},
        "permission": [{**rule, "target": f"urn:museion:work:{w}"} for w in work_keys],
        "museion:exclusive": bool(lic["exclusive"]),
    }
    if lic.get("statement"):
        node["dcterms:rights"] = {"@id": lic["statement"]}
    if lic.get("demo"):
        node["museion:demo"] = True
    if lic.get("note"):
        node["dcterms:description"] = lic["note"]
    return node


def document(policies: list[dict[str, Any]]) -> dict[str, Any]:
    return {"@context": CONTEXT, "@graph": policies}


def _key(value: Any, kind: str) -> str:
    uid = value.get("uid") if isinstance(value, dict) else value
    m = _URN.match(str(uid or ""))
    if not m or m.group(1) != kind:
        raise ValueError(f"expected a urn:museion:{kind}:… identifier, found {uid!r}")
    return m.group(2)


def _date(operand: Any) -> date:
    text = operand.get("@value") if isinstance(operand, dict) else operand
    return date.fromisoformat(str(text)[:10])


def _one(node: Any, index: int) -> LicenceIn:
    if not isinstance(node, dict) or node.get("@type") not in ("Agreement", "Offer", "Set", "Policy"):
        raise ValueError("not an ODRL policy (@type Agreement, Offer, Set or Policy)")
    rules = node.get("permission") or []
    if not isinstance(rules, list) or not rules:
        raise ValueError("a policy needs at least one permission")
    first = rules[0]
    actions = first.get("action")
    actions = actions if isinstance(actions, list) else [actions]
    unknown = [a for a in actions if a not in USES_OF]
    if unknown:
        raise ValueError(f"unknown action {unknown[0]!r}: one of {', '.join(sorted(USES_OF))}")
    territories, starts, ends = [WORLD], None, None
    for c in first.get("constraint") or []:
        left, op = c.get("leftOperand"), c.get("operator")
        if left == "spatial":
            right = c.get("rightOperand")
            territories = right if isinstance(right, list) else [right]
        elif left == "dateTime" and op in ("gteq", "gt"):
            starts = _date(c.get("rightOperand"))
        elif left == "dateTime" and op in ("lteq", "lt"):
            ends = _date(c.get("rightOperand"))
        else:
            raise ValueError(f"unsupported constraint {left!r} {op!r}")
    fee_kind, amount, currency = "none", None, None
    for duty in first.get("duty") or []:
        if duty.get("action") == "compensate":
            pay = next(c for c in duty.get("constraint") or [] if c.get("leftOperand") == "payAmount")
            fee_kind = duty.get("museion:feeKind", "flat")
            amount = str((pay.get("rightOperand") or {}).get("@value"))
            currency = str(pay.get("unit", "")).rsplit(":", 1)[-1]
    statement = node.get("dcterms:rights")
    return LicenceIn(
        key=_key(node.get("uid"), "licence"), holder=_key(node.get("assigner"), "holder"),
        works=tuple(_key(r.get("target"), "work") for r in rules), territories=tuple(territories),
        uses=tuple(USES_OF[a] for a in actions), starts=starts, ends=ends, exclusive=bool(node.get("museion:exclusive")),
        fee_kind=fee_kind, fee_amount=amount, currency=currency,
        statement=statement.get("@id") if isinstance(statement, dict) else statement,
        note=node.get("dcterms:description"), demo=bool(node.get("museion:demo")), line=index)


def parse(data: Any, label: str = "ODRL document") -> list[LicenceIn]:
    """The licences of an ODRL JSON-LD document (one policy, or a ``@graph`` of them); every malformed policy is
    reported with its position, and nothing is returned then."""
    nodes = data.get("@graph", [data]) if isinstance(data, dict) else data if isinstance(data, list) else None
    if not isinstance(nodes, list):
        raise InputRejected([Problem(label, None, None, "not an ODRL JSON-LD document")])
    out, problems = [], []
    for index, node in enumerate(nodes, 1):
        try:
            out.append(_one(node, index))
        except (ValueError, TypeError, AttributeError, StopIteration) as exc:
            problems.append(Problem(label, index, "policy", str(exc) or "malformed policy"))
    if problems:
        raise InputRejected(problems)
    return out
