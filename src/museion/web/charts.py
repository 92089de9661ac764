"""Plotly figures for the dashboard, as JSON the page hands to the bundled plotly.min.js (no CDN, no inline script)."""

from __future__ import annotations

from collections.abc import Callable

import plotly.graph_objects as go

from museion.web.kpis import Series

COLOURS = ("#0b5cad", "#b35900")  # both ≥ 4.5:1 against white
LAYOUT = {"margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "height": 320, "font": {"family": "system-ui, sans-serif"},
          "paper_bgcolor": "#ffffff", "plot_bgcolor": "#ffffff"}


def _json(figure: go.Figure) -> str:
    """The figure as JSON that is safe inside <script type="application/json"> (no '</' can close it)."""
    return figure.to_json().replace("</", "<\\/")


def bar(series: Series, title: str, x_title: str, y_title: str) -> str:
    figure = go.Figure(go.Bar(x=series.x, y=series.y, marker_color=COLOURS[0], name=y_title),
                       layout={**LAYOUT, "title": {"text": title}, "xaxis": {"title": {"text": x_title}},
                               "yaxis": {"title": {"text": y_title}}})
    return _json(figure)


def activity(series: Series, _: Callable[[str], str]) -> str:
    """Events (bars) and active members (line, second axis) per month."""
    figure = go.Figure(layout={**LAYOUT, "title": {"text": _("Activity per month")}, "legend": {"orientation": "h", "y": -0.25},
                               "yaxis": {"title": {"text": _("number of events")}, "rangemode": "tozero"},
                               "yaxis2": {"title": {"text": _("active members")}, "overlaying": "y", "side": "right",
                                          "rangemode": "tozero", "tickformat": "d"}})
    figure.add_bar(x=series.x, y=series.y, name=_("number of events"), marker_color=COLOURS[0])
    figure.add_scatter(x=series.x, y=series.y2, name=_("active members"), yaxis="y2", mode="lines", line={"color": COLOURS[1]})
    return _json(figure)


def decisions(groups: list[str], counts: dict[str, list[int]], labels: dict[str, str], _: Callable[[str], str]) -> str:
    """How people decided each kind's proposals (stacked bars: accepted, edited, rejected, AI alone)."""
    figure = go.Figure(layout={**LAYOUT, "barmode": "stack", "title": {"text": _("Decisions per kind")},
                               "legend": {"orientation": "h", "y": -0.25}, "yaxis": {"title": {"text": _("proposals")}}})
    palette = (COLOURS[0], "#5b8fd1", COLOURS[1], "#4d4d4d")
    for (key, values), colour in zip(counts.items(), palette, strict=False):
        figure.add_bar(x=groups, y=values, name=labels[key], marker_color=colour)
    return _json(figure)
