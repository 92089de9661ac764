"""Ingest: read files, map columns to the domain, validate, and load atomically."""
