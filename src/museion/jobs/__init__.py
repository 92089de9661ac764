"""Long work as jobs: a record per job in the store (kind, parameters, status, progress, result or error,
who asked), a queue of job ids on huey, and consumer threads that run them.

Low in the layers: it knows the store and nothing of what the jobs do. A kind registers a callable
(``register``) that takes a ``JobContext`` and reports progress through it; ``report`` raises ``Cancelled``
once someone asked the job to stop, so a running job stops at its next report."""

from museion.jobs.queue import Consumer, JobQueue, QueueUnavailable, open_huey
from museion.jobs.runner import Cancelled, JobContext, register, registered, run_job

__all__ = ["Cancelled", "Consumer", "JobContext", "JobQueue", "QueueUnavailable", "open_huey", "register", "registered",
           "run_job"]
