"""The eval harness: gold files, claim alignment, cell scores, and their renderers."""
