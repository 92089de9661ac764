"""Known public datasets: where they come from, how to verify them, and how they map to the domain."""
