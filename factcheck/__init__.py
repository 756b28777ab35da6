"""factcheck: cross-check the claims of a news story cluster against every article in it."""

from factcheck.bulk.batch import FileLimits, aexport
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
from factcheck.evaluation.run import aevaluate_cluster, evaluate_cluster
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
    "aexport",
    "check_claims",
    "check_cluster",
    "checkup",
    "choose_backend",
    "evaluate_cluster",
    "load_cluster",
    "load_gold",
    "render_html",
    "resolve_config",
    "tokenizer_for",
]
