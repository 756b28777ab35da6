"""Renderers: a Report for people and tools. They read ``factcheck.models`` and nothing else.

``view`` orders the claims and resolves every cell once, so ``terminal``, ``markdown`` and
``html`` (one self-contained file, from ``templates/``) agree; ``json`` writes the contract
document; ``progress`` shows a run's progress on a terminal.
"""
