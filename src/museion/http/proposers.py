"""Every capability that proposes into the collaboration queue, imported once so that each registers its decision
handler (``museion.collab.queue.on_decided``) before any face lets a person decide: a decision made from the CLI, the
API or the web reaches the capability that proposed it the same way."""

from __future__ import annotations

from museion.fairness import alerts
from museion.heritage import creator_links
from museion.insight import plans
from museion.rights import matching, submissions
from museion.risk import detection
from museion.studio import descriptions, exhibitions, related, suggestions

CAPABILITIES = (alerts, plans, matching, submissions, exhibitions, suggestions, descriptions, related, detection,
                creator_links)
