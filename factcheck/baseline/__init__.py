"""The model-free backend: sentences as claims, weighted word overlap, rule-based disagreements.

``checker`` runs it (``lexical_report``); ``sentences``, ``words`` and ``conflicts`` are the
text analysis it rests on.
"""
