"""Rights management: near-duplicate records in the catalogue, found by MinHash over their metadata and decided by
curators in the collaboration queue (licences, availability and usage statements are still to come: issue 16)."""
