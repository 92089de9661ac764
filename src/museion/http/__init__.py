"""The HTTP base the API and the web pages share: who may call (authz, sessions), request dependencies,
problem details, the hardened shell, rate limits, and the page frame (templating, languages, menu)."""
