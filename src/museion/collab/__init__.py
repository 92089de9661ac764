"""Human-machine collaboration: one queue for everything an AI proposes, a task-division policy that says who decides
each kind, reviewing with agreement between reviewers, and decisions that flow back to the capability that proposed."""
