"""The eval harness: score the checker's verdicts against hand-labelled gold.

``gold`` reads a gold file, ``align`` pairs predicted claims with gold claims, ``scoring`` holds
the cell-scoring rules, ``evaluate`` scores a report, ``run`` makes the report and scores it
(``evaluate_cluster``), ``result`` is what an eval found (the ``--json`` contract and the CI
gates), and ``render`` shows it on a terminal or as Markdown.
"""
