"""factcheck: cross-check the claims of a news story cluster against every article in it."""

from factcheck.errors import (
    AnswerError,
    ConfigError,
    FactcheckError,
    InputError,
    ModelCallError,
)
from factcheck.llm.config import ModelConfig, resolve_config
from factcheck.llm.gateway import LLM
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
    "ModelCallError",
    "ModelConfig",
    "Report",
    "Usage",
    "Verdict",
    "acheck_claims",
    "acheck_cluster",
    "check_claims",
    "check_cluster",
    "choose_backend",
    "load_cluster",
    "resolve_config",
]
