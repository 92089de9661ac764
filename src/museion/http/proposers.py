"""Every capability that proposes into the collaboration queue, imported once so that each registers its decision
handler (``museion.collab.queue.on_decided``) before any face lets a person decide: a decision made from the CLI, the
API or the web reaches the capability that proposed it the same way."""

from __future__ import annotations

from museion.fairness import alerts
from museion.insight import plans
from museion.rights import matching
from museion.risk import detection
from museion.studio import exhibitions, suggestions

CAPABILITIES = (alerts, plans, matching, exhibitions, suggestions, detection)
