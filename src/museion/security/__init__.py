"""Security: who may do what (accounts, tokens, sessions, the permission matrix) and the tamper-evident
audit chain that proves afterwards who did what."""
