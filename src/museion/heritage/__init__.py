"""Heritage interoperability: OAI-PMH provider and harvester, Europeana EDM, IIIF manifests and linked-data creators."""
