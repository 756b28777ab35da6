"""The pipeline's stages, one module each: load, clean, extract, merge, check.

``prompts`` loads the templates the LLM stages send. The orchestrator, ``factcheck.pipeline``,
calls the stages in turn.
"""
