"""`museion privacy …`: one module per command group (consents, requests, vault, releases, member controls, text)."""
