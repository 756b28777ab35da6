"""factcheck: cross-check the claims of a news story cluster against every article in it.

Every public name imports from here. Each is loaded on first use, so that ``factcheck --help``
and a run of the model-free baseline never import the model stack (openai, instructor) or the
tokenizer (tiktoken).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# Public name -> the module that defines it.
_PUBLIC = {
    "FileLimits": "factcheck.bulk.export",
    "aexport": "factcheck.bulk.export",
    "Checkup": "factcheck.doctor",
    "acheckup": "factcheck.doctor",
    "checkup": "factcheck.doctor",
    "AnswerError": "factcheck.errors",
    "ConfigError": "factcheck.errors",
    "FactcheckError": "factcheck.errors",
    "InputError": "factcheck.errors",
    "MissingAnswers": "factcheck.errors",
    "ModelCallError": "factcheck.errors",
    "StoreError": "factcheck.errors",
    "load_gold": "factcheck.evaluation.gold",
    "aevaluate_cluster": "factcheck.evaluation.run",
    "aevaluate_report": "factcheck.evaluation.run",
    "evaluate_cluster": "factcheck.evaluation.run",
    "evaluate_report": "factcheck.evaluation.run",
    "load_report": "factcheck.evaluation.saved",
    "aevaluate_suite": "factcheck.evaluation.suite",
    "evaluate_suite": "factcheck.evaluation.suite",
    "load_suite": "factcheck.evaluation.suite",
    "ModelConfig": "factcheck.llm.config",
    "resolve_config": "factcheck.llm.config",
    "LLM": "factcheck.llm.gateway",
    "ResponseStore": "factcheck.llm.store",
    "tokenizer_for": "factcheck.llm.tokens",
    "Article": "factcheck.models",
    "CanonicalClaim": "factcheck.models",
    "Cluster": "factcheck.models",
    "Dispute": "factcheck.models",
    "DisputeVersion": "factcheck.models",
    "ExtractedClaim": "factcheck.models",
    "Label": "factcheck.models",
    "Report": "factcheck.models",
    "Usage": "factcheck.usage",
    "Verdict": "factcheck.models",
    "acheck_claims": "factcheck.pipeline",
    "acheck_cluster": "factcheck.pipeline",
    "check_claims": "factcheck.pipeline",
    "check_cluster": "factcheck.pipeline",
    "choose_backend": "factcheck.pipeline",
    "render_html": "factcheck.render.html",
    "load_cluster": "factcheck.stages.load",
}
__all__ = [
    "LLM",
    "AnswerError",
    "Article",
    "CanonicalClaim",
    "Checkup",
    "Cluster",
    "ConfigError",
    "Dispute",
    "DisputeVersion",
    "ExtractedClaim",
    "FactcheckError",
    "FileLimits",
    "InputError",
    "Label",
    "MissingAnswers",
    "ModelCallError",
    "ModelConfig",
    "Report",
    "ResponseStore",
    "StoreError",
    "Usage",
    "Verdict",
    "acheck_claims",
    "acheck_cluster",
    "acheckup",
    "aevaluate_cluster",
    "aevaluate_report",
    "aevaluate_suite",
    "aexport",
    "check_claims",
    "check_cluster",
    "checkup",
    "choose_backend",
    "evaluate_cluster",
    "evaluate_report",
    "evaluate_suite",
    "load_cluster",
    "load_gold",
    "load_report",
    "load_suite",
    "render_html",
    "resolve_config",
    "tokenizer_for",
]


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module 'factcheck' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


if TYPE_CHECKING:
    from factcheck.bulk.export import FileLimits, aexport
    from factcheck.doctor import Checkup, acheckup, checkup
    from factcheck.errors import (
        AnswerError,
        ConfigError,
        FactcheckError,
        InputError,
        MissingAnswers,
        ModelCallError,
        StoreError,
    )
    from factcheck.evaluation.gold import load_gold
    from factcheck.evaluation.run import (
        aevaluate_cluster,
        aevaluate_report,
        evaluate_cluster,
        evaluate_report,
    )
    from factcheck.evaluation.saved import load_report
    from factcheck.evaluation.suite import aevaluate_suite, evaluate_suite, load_suite
    from factcheck.llm.config import ModelConfig, resolve_config
    from factcheck.llm.gateway import LLM
    from factcheck.llm.store import ResponseStore
    from factcheck.llm.tokens import tokenizer_for
    from factcheck.models import (
        Article,
        CanonicalClaim,
        Cluster,
        Dispute,
        DisputeVersion,
        ExtractedClaim,
        Label,
        Report,
        Verdict,
    )
    from factcheck.pipeline import (
        acheck_claims,
        acheck_cluster,
        check_claims,
        check_cluster,
        choose_backend,
    )
    from factcheck.render.html import render_html
    from factcheck.stages.load import load_cluster
    from factcheck.usage import Usage
