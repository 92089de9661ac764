"""Scale-out: the same pure cores mapped over partitions of members and events, in this process or on a Ray cluster.

Nothing here re-implements a model or a metric: it partitions, maps and combines (``partition``, ``engine``), exports
events through the privacy gate to Parquet (``parquet``), and runs batch scoring and fairness audits (``scoring``,
``audit``) whose results come back through the normal atomic paths."""
