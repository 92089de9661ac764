"""Offline evaluation: reproducible splits, metrics over full rankings, and the tuning/reporting protocol."""
