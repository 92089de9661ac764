"""The JSON API under /api: one router per area, each route declaring its access (museion.http.authz)."""
