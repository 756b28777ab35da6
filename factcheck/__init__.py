"""factcheck: cross-check the claims of a news story cluster against every article in it."""

from factcheck.errors import (
    AnswerError,
    ConfigError,
    FactcheckError,
    InputError,
    MissingAnswers,
    ModelCallError,
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
from factcheck.models import (
    Article,
    CanonicalClaim,
    Cluster,
    ExtractedClaim,
    Label,
    Report,
    Usage,
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

__all__ = [
    "LLM",
    "AnswerError",
    "Article",
    "CanonicalClaim",
    "Cluster",
    "ConfigError",
    "ExtractedClaim",
    "FactcheckError",
    "InputError",
    "Label",
    "MissingAnswers",
    "ModelCallError",
    "ModelConfig",
    "Report",
    "ResponseStore",
    "Usage",
    "Verdict",
    "acheck_claims",
    "acheck_cluster",
    "aevaluate_cluster",
    "aevaluate_report",
    "aevaluate_suite",
    "check_claims",
    "check_cluster",
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
]
