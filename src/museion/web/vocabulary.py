"""Codes the services store and the pages show (statuses, request kinds, decisions, legal bases), marked here
so each appears translated: templates write ``{{ _(code) }}``, and an unknown code shows as itself."""

from __future__ import annotations

from museion.http.i18n import N_

LIFECYCLE = (N_("draft"), N_("submitted"), N_("under_review"), N_("approved"), N_("rejected"), N_("deployed"), N_("retired"))
REQUEST_KINDS = (N_("access"), N_("rectification"), N_("erasure"), N_("restriction"), N_("withdrawal"))
REQUEST_STATUSES = (N_("received"), N_("verified"), N_("completed"), N_("refused"))
DECISIONS = (N_("approve"), N_("reject"))
AUDIT_SCOPES = (N_("evaluation"), N_("served"))
LEGAL_BASES = (N_("consent"), N_("contract"), N_("legitimate_interest"), N_("legal_obligation"))
RULES = (N_("popular"), N_("trending"), N_("editorial"))
ENGINE_SENTENCES = (N_("Popular with members"), N_("Popular with members this month"), N_("Picked by our curators"),
                    N_("personalisation is switched off"), N_("the member switched personalisation off"),
                    N_("the member has not consented to personalisation"), N_("the member has no history the model knows"))
"""The serving engine's rule names and English sentences (museion.recommend), shown translated on the Chinese pages."""
