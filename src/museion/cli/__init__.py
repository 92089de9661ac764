"""The `museion` command line."""
