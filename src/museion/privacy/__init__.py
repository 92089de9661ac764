"""Privacy: the data map and declared purposes, the consent ledger, and the one access gate for
personal data; plus pure cores for de-identified releases (k-anonymity, differential privacy) and PII
redaction. Heavy dependencies (pandas, OpenDP, Presidio) are imported by the submodules that need them,
so importing this package costs nothing.
"""
