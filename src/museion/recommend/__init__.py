"""Recommendation engine: pure cores (interactions, models, explanations, ``serve``, ``evaluation``) and the edges
that do I/O: ``artifacts`` (model folders on disk), ``training`` (from the store through the privacy gate),
``serving`` (the in-process recommender of the deployed version) and ``erasure``. Import the submodules;
nothing heavy loads at package import."""
