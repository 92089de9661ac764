"""Fairness audits and trade-off curves as charts and HTML: standalone files (plotly.js inlined, so they open
offline) or pages for the app (figures as JSON drawn by the bundled script, no inline script under the CSP)."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

LAYOUT = {"margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "height": 340, "font": {"family": "system-ui, sans-serif"},
          "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff", "barmode": "group"}
COLOURS = ("#0b5cad", "#b35900", "#2e7d32")
Translate = Callable[[str], str]
"""A page's gettext: every word a chart shows goes through it (the files the CLI writes stay in English)."""


def _same(text: str) -> str:
    return text


def audit_figures(record: dict[str, Any], _: Translate = _same) -> list[go.Figure]:
    """Exposure vs catalogue vs merit per provider attribute, and each member metric per member group with 95% CIs."""
    metrics = record["metrics"]
    figures = []
    for attribute, groups in metrics["provider"]["groups"].items():
        names = list(groups)
        figure = go.Figure(layout={**LAYOUT, "title": {"text": _("Exposure by %(attribute)s") % {"attribute": _(attribute)}},
                                   "yaxis": {"title": {"text": _("share of the total")}}})
        for i, (key, label) in enumerate((("catalogue_share", "catalogue"), ("exposure_share", "exposure"), ("merit_share", "merit"))):
            figure.add_bar(x=[_(n) for n in names], y=[groups[n].get(key) for n in names], name=_(label), marker_color=COLOURS[i])
        figures.append(figure)
    for attribute, block in metrics.get("member", {}).items():
        for metric, groups in block["groups"].items():
            names = list(groups)
            means = [groups[n]["mean"] for n in names]
            plus = [None if groups[n]["ci_high"] is None or m is None else groups[n]["ci_high"] - m for n, m in zip(names, means)]
            minus = [None if groups[n]["ci_low"] is None or m is None else m - groups[n]["ci_low"] for n, m in zip(names, means)]
            title = _("%(metric)s by %(attribute)s (95%% bootstrap CI)") % {"metric": metric, "attribute": _(attribute)}
            figures.append(go.Figure(
                go.Bar(x=[_(n) for n in names], y=means, marker_color=COLOURS[0],
                       error_y={"type": "data", "array": plus, "arrayminus": minus}),
                layout={**LAYOUT, "title": {"text": title}}))
    return figures


def curve_figures(curve: dict[str, Any], _: Translate = _same) -> list[go.Figure]:
    """NDCG@k against each fairness measure over the strength grid (one point per λ, labelled)."""
    points = curve["points"]
    k = curve["k"]
    figures = []
    for measure, label in (("head_tail_exposure_gap", "head − tail exposure gap"), ("long_tail_share", "long-tail share"),
                           ("miscalibration_kl", "miscalibration (KL)")):
        xs = [p.get(measure) for p in points]
        if all(x is None for x in xs):
            continue
        title = _("%(model)s + %(reranker)s: NDCG@%(k)s vs %(measure)s") % {
            "model": curve["model"], "reranker": curve["reranker"], "k": k, "measure": _(label)}
        figures.append(go.Figure(
            go.Scatter(x=xs, y=[p[f"ndcg@{k}"] for p in points], mode="lines+markers+text",
                       text=[f"λ={p['strength']:g}" for p in points], textposition="top center", marker_color=COLOURS[0]),
            layout={**LAYOUT, "title": {"text": title},
                    "xaxis": {"title": {"text": _(label)}}, "yaxis": {"title": {"text": f"NDCG@{k}"}}}))
    return figures


def _table(rows: dict[str, Any]) -> str:
    cells = "".join(f"<tr><th scope='row'>{html.escape(str(k))}</th><td>{_fmt(v)}</td></tr>" for k, v in rows.items())
    return f"<table>{cells}</table>"


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    return html.escape("—" if value is None else str(value))


def _page(title: str, body: str, head: str = "") -> str:
    style = ("body{font-family:system-ui,sans-serif;margin:2rem;max-width:1100px}table{border-collapse:collapse;margin:1rem 0}"
             "th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:left}")
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{style}</style>{head}</head><body><h1>{html.escape(title)}</h1>{body}</body></html>")


def standalone_html(title: str, summary: dict[str, Any], figures: list[go.Figure]) -> str:
    """A self-contained HTML file: the summary table and every chart, with plotly.js inlined once."""
    charts = "".join(pio.to_html(f, full_html=False, include_plotlyjs=(i == 0)) for i, f in enumerate(figures))
    return _page(title, _table(summary) + charts)


def app_html(title: str, summary: dict[str, Any], figures: list[go.Figure]) -> str:
    """The same report for the app: figures as JSON drawn by /assets/plotly.min.js and /static/charts.js."""
    charts = "".join(f"<div data-chart='fig{i}'></div><script type='application/json' id='fig{i}'>{_safe_json(f)}</script>"
                     for i, f in enumerate(figures))
    head = "<script src='/assets/plotly.min.js' defer></script><script src='/static/charts.js' defer></script>"
    return _page(title, _table(summary) + charts, head)


def _safe_json(figure: go.Figure) -> str:
    """Figure JSON that cannot close its <script> element."""
    return figure.to_json().replace("</", "<\\/")


def audit_title(record: dict[str, Any]) -> str:
    return f"Fairness audit {record['id']} of model version {record['model_version_id']} ({record['scope']})"


def audit_json(record: dict[str, Any]) -> str:
    return json.dumps(record, indent=2, default=str, allow_nan=False) + "\n"
