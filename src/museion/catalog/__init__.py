"""The catalogue: works, creators and their links; queries, statistics and exports."""
