"""The glossary of every figure the pages show; tables link their headings to it (the ``glossary`` template filter)."""

from __future__ import annotations

from markupsafe import Markup

from museion.http.i18n import N_

GLOSSARY = {
    "ndcg": (N_("NDCG@k"), N_("Normalised discounted cumulative gain: how high the works a member went on to use appear in "
                               "their list of k, 1 being a perfect order.")),
    "recall": (N_("Recall@k"), N_("Share of the works a member went on to use that the list of k contains.")),
    "precision": (N_("Precision@k"), N_("Share of the k listed works that the member went on to use.")),
    "map": (N_("MAP@k"), N_("Mean average precision: precision averaged at each position where a used work appears.")),
    "mrr": (N_("MRR@k"), N_("Mean reciprocal rank of the first listed work the member went on to use.")),
    "hit_rate": (N_("Hit rate@k"), N_("Share of members whose list of k holds at least one work they went on to use.")),
    "coverage": (N_("Coverage@k"), N_("Share of the catalogue recommended to at least one member.")),
    "gini": (N_("Gini@k"), N_("Inequality of exposure across the catalogue: 0 when every work is shown equally often, "
                              "1 when one work takes all exposure.")),
    "arp": (N_("ARP@k"), N_("Average recommendation popularity: how many members used the listed works in training, on "
                            "average.")),
    "aplt": (N_("APLT@k"), N_("Average percentage of long tail: share of listed works from the less popular works that "
                              "together hold the bottom part of all interactions.")),
    "novelty": (N_("Novelty@k"), N_("Mean self-information of the listed works: higher when they are less widely known.")),
    "ild": (N_("ILD@k"), N_("Intra-list diversity: 1 minus the mean similarity of the genres of the works in one list.")),
    "head_tail_exposure_gap": (N_("Head–tail exposure gap"), N_("How much more exposure popular works get than their share "
                                                                 "of the catalogue, compared with less popular works.")),
    "long_tail_share": (N_("Long-tail share"), N_("Share of recommendations that go to long-tail works.")),
    "exposure_gini": (N_("Exposure concentration (Gini)"), N_("The Gini coefficient of exposure across creators' works.")),
    "popularity_lift": (N_("Popularity lift"), N_("Mean popularity of recommended works divided by the mean popularity of "
                                                  "what members used: above 1, lists favour popular works.")),
    "miscalibration_kl": (N_("Miscalibration (KL divergence)"), N_("How far the genre mix of a member's list is from the "
                                                                    "mix of their history (Steck 2018); 0 is perfectly calibrated.")),
    "activity_ndcg_gap": (N_("NDCG gap between activity levels"), N_("The largest difference in NDCG between groups of "
                                                                      "members by how active they are.")),
    "mase": (N_("MASE"), N_("Mean absolute scaled error of a forecast: its error divided by that of the seasonal naive "
                            "forecast in the history; below 1 beats it.")),
    "smape": (N_("sMAPE"), N_("Symmetric mean absolute percentage error of a forecast, in per cent from 0 to 200.")),
    "ari": (N_("Adjusted Rand index"), N_("Agreement between two groupings of the same members, corrected for chance: 1 "
                                          "when identical.")),
}
"""Every figure the pages show: anchor → (name, what it measures). Metric names such as ``ndcg@10`` link by their stem."""


def glossary_anchor(metric: str) -> str | None:
    """The glossary entry of a figure name (``ndcg@10`` → ``ndcg``, ``activity_ndcg@10_gap`` → ``activity_ndcg_gap``)."""
    stem = metric.split("@")[0] + ("_gap" if metric.endswith("_gap") and "@" in metric else "")
    return stem if stem in GLOSSARY else None


def glossary_link(metric: str) -> Markup | str:
    """The figure's name linked to its glossary entry where it has one; otherwise the name as it is."""
    anchor = glossary_anchor(metric)
    return Markup('<a href="/about/glossary#{}" translate="no">{}</a>').format(anchor, metric) if anchor else metric
