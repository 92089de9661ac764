"""Online evaluation and controlled rollouts: events attributed to the lists that preceded them, online metrics per
model version and day, rollouts of a reviewed candidate beside the deployed version with pre-registered metrics,
always-valid sequential statistics and guardrails (fairness included) that switch a candidate off, and offline replay."""
