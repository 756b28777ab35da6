"""The model-free backend: sentences as claims, weighted word overlap, rule-based disagreements.

``checker`` runs it (``lexical_report``, ``LexicalChecker``) over one ``index`` of the cluster,
with its ``merge`` and ``check``; ``sentences``, ``words`` and ``conflicts`` are the text
analysis they rest on. It imports no model code: it works with nothing configured.
"""
