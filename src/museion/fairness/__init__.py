"""Fairness: audits of who gets exposure and who gets served well, and re-rankers that trade accuracy for it."""
