"""Bulk runs: the OpenAI Batch API loop and ``--dry-run`` estimates (``estimate``).

The Batch loop: ``export`` writes Batch input files, ``batch`` submits and collects them,
``results`` imports result files into the response store. ``export`` and ``estimate`` both run
the pipeline offline against the response store to learn what a run still needs.
"""
