"""The reviewer's settings: the policy's ``reviewer:`` section (read from the
base revision like the rest of the policy) or the command line's
``--reviewer`` flags, which replace the pool."""
from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Tuple

from guardrails.config import REVIEWER_MODEL_SCHEMA, REVIEWER_SCHEMA
from guardrails.errors import GuardError
from guardrails.model import Options

DEFAULT_KEY_ENV = "OPENAI_API_KEY"


class ReviewerModel(NamedTuple):
    """One model of the pool, reached through an OpenAI-compatible endpoint."""

    model: str
    base_url: str = ""  # "" = the openai package's default endpoint
    api_key_env: str = DEFAULT_KEY_ENV
    price_in: float = 0.0  # USD per million prompt tokens
    price_out: float = 0.0  # USD per million completion tokens
    max_output_tokens: int = 2048
    family: str = ""  # set when the name does not say it
    structured: bool = True  # ask for JSON-schema output

    def cost(self, prompt_tokens: int, completion_tokens: int) -> float:
        return (prompt_tokens * self.price_in + completion_tokens * self.price_out) / 1_000_000


class Settings(NamedTuple):
    pool: Tuple[ReviewerModel, ...]
    min_confidence: float
    budget_usd: float
    budget_tokens: int
    time_budget: float
    timeout: float
    max_retries: int
    max_input_tokens: int
    context_lines: int
    cache: str
    never_send: Tuple[str, ...]
    author_model: str
    agents: Mapping[str, str]
    families: Mapping[str, str]
    pool_source: str  # "policy", "--reviewer" or "none"


def _model(entry: Mapping[str, Any]) -> ReviewerModel:
    values = {key: entry.get(key, default) for key, default in REVIEWER_MODEL_SCHEMA.items()}
    return ReviewerModel(
        model=str(values["model"]).strip(), base_url=str(values["base_url"] or ""),
        api_key_env=str(values["api_key_env"] or DEFAULT_KEY_ENV),
        price_in=float(values["price_in"]), price_out=float(values["price_out"]),
        max_output_tokens=int(values["max_output_tokens"]), family=str(values["family"] or ""),
        structured=bool(values["structured"]),
    )


def load(policy: Mapping[str, Any], options: Options) -> Settings:
    """Settings from the policy's reviewer section and the command line."""
    raw = {key: policy.get(key, default) for key, default in REVIEWER_SCHEMA.items()}
    policy_pool = tuple(_model(entry) for entry in raw["pool"])
    if options.reviewer_models:
        known = {m.model: m for m in policy_pool}
        pool = []
        for name in options.reviewer_models:
            base = known.get(name, ReviewerModel(model=name))
            # The command line says where and with which key; prices and
            # limits of a model the policy also lists are kept.
            pool.append(base._replace(
                base_url=options.reviewer_base_url if options.reviewer_base_url is not None else base.base_url,
                api_key_env=options.reviewer_api_key_env or (base.api_key_env if name in known else DEFAULT_KEY_ENV)))
        source = "--reviewer"
        final = tuple(pool)
    else:
        if options.reviewer_base_url is not None or options.reviewer_api_key_env:
            raise GuardError("--reviewer-base-url and --reviewer-api-key-env go with --reviewer MODEL")
        final = policy_pool
        source = "policy" if policy_pool else "none"
    return Settings(
        pool=final, min_confidence=float(raw["min_confidence"]), budget_usd=float(raw["budget_usd"]),
        budget_tokens=int(raw["budget_tokens"]), time_budget=float(raw["time_budget"]),
        timeout=float(raw["timeout"]), max_retries=int(raw["max_retries"]),
        max_input_tokens=int(raw["max_input_tokens"]), context_lines=int(raw["context_lines"]),
        cache=str(raw["cache"] or ""), never_send=tuple(raw["never_send"] or ()),
        author_model=str(raw["author_model"] or ""), agents=dict(raw["agents"] or {}),
        families=dict(raw["families"] or {}), pool_source=source,
    )
