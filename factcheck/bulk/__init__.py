"""Bulk runs: the OpenAI Batch API loop (``batch``) and ``--dry-run`` estimates (``estimate``).

Both run the pipeline offline against the response store to learn what a run still needs.
"""
