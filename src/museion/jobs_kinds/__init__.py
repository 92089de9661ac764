"""Job kinds and the job runtime, above the capabilities they run: importing this package registers every kind
(fairness audits, re-ranker curves, DP releases, training) with ``museion.jobs``, whose queue and worker sit low."""

from museion.jobs_kinds.kinds import KINDS, Kind
from museion.jobs_kinds.runtime import QueueDep, install, open_queue, sees_all, visible_job

__all__ = ["KINDS", "Kind", "QueueDep", "install", "open_queue", "sees_all", "visible_job"]
