"""Recommendation engine core: interactions, models, explanations, serving and artifacts (pure, no I/O
except :mod:`museion.recommend.artifacts`). Import the submodules; nothing heavy loads at package import."""
