"""The tamper-evident audit chain: keyed entries, checkpoints, and a witness outside the database.

Callers write ``from museion import audit`` and ``audit.record(...)``; the modules behind these names each
do one job (``keys``, ``chain``, ``verify``, ``query``, ``witness``) and own their internals.
"""

from museion.audit.chain import checkpoint, record, ref
from museion.audit.keys import AuditKey, AuditKeyError, audit_key, pseudonym
from museion.audit.query import AuditFilter, entries
from museion.audit.verification import AuditProblem, VerifyReport, verify

__all__ = ["AuditFilter", "AuditKey", "AuditKeyError", "AuditProblem", "VerifyReport", "audit_key", "checkpoint", "entries",
           "pseudonym", "record", "ref", "verify"]
