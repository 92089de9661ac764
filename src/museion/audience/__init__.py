"""The audience: pseudonymous members and their activity. Reads of personal data live here, behind
one seam that the privacy gate will wrap (purpose, consent, field filtering, access records)."""
