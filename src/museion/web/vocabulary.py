"""Codes the services store and the pages show (statuses, request kinds, decisions, legal bases), marked here
so each appears translated: templates write ``{{ _(code) }}``, and an unknown code shows as itself."""

from __future__ import annotations

from museion.http.i18n import N_

LIFECYCLE = (N_("draft"), N_("submitted"), N_("under_review"), N_("approved"), N_("rejected"), N_("deployed"),
             N_("retired"))
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
PURPOSES = (N_('Personalised recommendations'), N_('Audience analytics'), N_('Research'), N_('Fairness audits'),
            N_("Members' own requests and controls"), N_('Algorithm review'), N_('Integrity'))
PURPOSE_DESCRIPTIONS = (N_('Suggest works to a member from what they did; every item says why.'),
                        N_('Aggregate trends and statistics for programming decisions; never about one member.'),
                        N_("Studies of taste and fairness on pseudonymous data, with the member's consent."),
                        N_('Check that recommendations serve every group of members and creators fairly.'),
                        N_('Act on what a member asks: their consent decisions, self-service settings, data-subject requests and copies of their data.'),
                        N_('The review board reads the flags and comments members send about recommendations (personal data redacted) as evidence when it next reviews the version concerned; sending one is agreeing to this.'),
                        N_('Protect recommendations and personal data from manipulation and misuse'))
"""The default purposes' names and descriptions (museion.privacy.datamap): an organisation's own stay as written."""
DATA_CATEGORIES = (N_('activity'), N_('demographics'), N_('feedback'), N_('free_text'), N_('membership'))
WORK_KINDS = (N_('album'), N_('article'), N_('artwork'), N_('book'), N_('episode'), N_('event'), N_('exhibition'),
              N_('film'), N_('game'), N_('music'), N_('object'), N_('other'), N_('performance'), N_('photograph'),
              N_('podcast'), N_('series'))
EVENT_KINDS = (N_('bookmark'), N_('borrow'), N_('click'), N_('dislike'), N_('download'), N_('like'), N_('play'),
               N_('purchase'), N_('rating'), N_('review'), N_('share'), N_('skip'), N_('tag'), N_('view'),
               N_('visit'))
TERM_VOCABULARIES = (N_("genre"), N_("subject"), N_("tag"), N_("medium"), N_("movement"), N_("style"))
FAIRNESS_CHARTS = (N_("Exposure by %(attribute)s"), N_("share of the total"), N_("catalogue"), N_("exposure"), N_("merit"),
                   N_("%(metric)s by %(attribute)s (95%% bootstrap CI)"), N_("%(model)s + %(reranker)s: NDCG@%(k)s vs %(measure)s"),
                   N_("head − tail exposure gap"), N_("long-tail share"), N_("miscalibration (KL)"))
FAIRNESS_GROUPS = (N_("popularity_tier"), N_("era"), N_("creator_gender"), N_("creator_region"), N_("activity_level"),
                   N_("gender"), N_("age_band"), N_("head"), N_("mid"), N_("tail"), N_("low"), N_("medium"), N_("high"),
                   N_("not shared"), N_("unknown"), N_("members"))
"""The fairness audit's attributes and group labels (museion.fairness.groups), as its charts show them."""
CREDIT_ROLES = (N_("artist"), N_("author"), N_("director"), N_("composer"), N_("performer"), N_("photographer"), N_("editor"),
                N_("translator"), N_("illustrator"), N_("creator"))
"""Common roles in credits; a role the catalogue names otherwise shows as written."""
REQUEST_CHANNELS = (N_("web"), N_("self-service"), N_("email"), N_("phone"), N_("post"), N_("in person"))
"""How data-subject requests commonly arrive (a staff-minted token's channel, staff:NAME, shows as written)."""
