"""Every table of Museion on one metadata, collected from the areas that own them.

Alembic's environment and the schema tests read it; no area imports it, so the store at the bottom
knows nothing of the tables above it.
"""

import museion.audit.models  # noqa: F401  (the audit chain)
import museion.catalog.models  # noqa: F401  (works, creators, credits, terms)
import museion.collab.models  # noqa: F401  (the queue of AI proposals and their reviews)
import museion.heritage.link_models  # noqa: F401  (creator links curators decided: same person or distinct)
import museion.heritage.oai_models  # noqa: F401  (OAI-PMH tombstones and harvests)
import museion.ingest.models  # noqa: F401  (import runs)
import museion.insight.plan_table  # noqa: F401  (promotion and budget plans, and what people decided)
import museion.jobs.models  # noqa: F401  (long work: jobs with progress, result, cancellation)
import museion.privacy.models  # noqa: F401  (personal data, purposes, consents, access records)
import museion.registry.models  # noqa: F401  (model versions, cards, reviews, fairness audits)
import museion.registry.rollout_models  # noqa: F401  (controlled rollouts, their records and daily statistics)
import museion.rights.licence_models  # noqa: F401  (rights holders, licences, acquisition provenance)
import museion.rights.models  # noqa: F401  (links between catalogue records that curators decided)
import museion.rights.submission_models  # noqa: F401  (indexed text and image fingerprints, submissions checked against them)
import museion.risk.models  # noqa: F401  (risk alerts, their history, detector thresholds)
import museion.security.models  # noqa: F401  (accounts, tokens)
import museion.studio.models  # noqa: F401  (what the subject suggester proposed)
from museion.store.base import Base

metadata = Base.metadata
