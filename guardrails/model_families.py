"""Which family (maker) a model belongs to, from the many ways it is named.

The reviewer must come from another family than the author (a model should
not grade its own work), so a name has to be read whatever form it takes:

    gpt-4.1, o3, o4-mini, codex-mini, gpt-5.5-2026-01-10   plain, dated
    openai/gpt-5, azure/gpt-4o, openrouter/anthropic/...    provider paths
    anthropic.claude-3-5-sonnet-20240620-v1:0               Bedrock ids
    us.anthropic.claude-sonnet-4-20250514-v1:0              (cross-region)
    claude-3-5-sonnet@20240620                              Vertex ids
    Claude Opus 4.6, Sonnet 5, Haiku 4.5                    marketing names
    llama3.1:8b, qwen2.5-coder:7b                           Ollama tags
    Qwen/Qwen2.5-Coder-32B-Instruct                         Hugging Face ids

A name is matched against the model table first (the model's own word
decides: "vertex_ai/claude-..." is anthropic, "vertex_ai/gemini-..." is
google); only when no model word is found does a provider segment decide
("openai/my-finetune", "mistralai/..."): hosts that serve many makers
(openrouter, vertex_ai, bedrock, ollama, groq ...) decide nothing.  When a
name holds words of two families, the leftmost wins: the maker leads
("deepseek-r1-distill-qwen-32b" is DeepSeek's model built on Qwen).

A name no table knows is a family of its own, "unknown:<name>": it is
never mistaken for another family, and an unknown model never reviews
its own work.
"""
from __future__ import annotations

import fnmatch
import re
from typing import Mapping, Optional, Tuple

# Model words, in the order ties are broken.  Each pattern must start a
# word: it may not follow a letter or a digit ("o3" in "o3-mini" and
# "openai/o3", not in "yolo3").
_MODELS: Tuple[Tuple[str, str], ...] = (
    (r"gpt|chatgpt|o[1-9](?![0-9a-z])|codex|davinci|babbage|text-embedding|whisper|dall-e", "openai"),
    (r"claude|opus|sonnet|haiku|fable", "anthropic"),
    (r"gemini|gemma|learnlm|palm|(?:text|chat|code|codechat)-bison", "google"),
    (r"llama|codellama", "meta"),
    (r"mistral|mixtral|codestral|devstral|ministral|magistral|pixtral|open-mistral", "mistral"),
    (r"qwen|qwq|qvq", "alibaba"),
    (r"deepseek", "deepseek"),
    (r"glm|chatglm|codegeex", "zhipu"),
    (r"grok", "xai"),
    (r"kimi|moonshot", "moonshot"),
    (r"nova-(?:pro|lite|micro|premier)|titan", "amazon"),
    (r"command-(?:r|a|light|nightly)|c4ai|aya", "cohere"),
    (r"phi-?[1-9]", "microsoft"),
    (r"minimax|abab", "minimax"),
    (r"jamba", "ai21"),
    (r"nemotron", "nvidia"),
    (r"granite", "ibm"),
)
_MODEL_RE = re.compile("|".join(f"(?P<f{i}>(?<![a-z0-9])(?:{pattern}))"
                                for i, (pattern, _) in enumerate(_MODELS)))

# Provider path segments ("openai/...", Bedrock's "anthropic.") that name
# the maker.  Hosts serving several makers are not here on purpose.
_PROVIDERS: Mapping[str, str] = {
    "openai": "openai", "azure": "openai", "azure_openai": "openai",
    "anthropic": "anthropic",
    "google": "google", "gemini": "google", "google_ai_studio": "google",
    "meta": "meta", "meta-llama": "meta", "facebook": "meta",
    "mistral": "mistral", "mistralai": "mistral",
    "qwen": "alibaba", "alibaba": "alibaba", "dashscope": "alibaba",
    "deepseek": "deepseek", "deepseek-ai": "deepseek",
    "zhipu": "zhipu", "zhipuai": "zhipu", "zai": "zhipu", "z-ai": "zhipu", "zai-org": "zhipu", "thudm": "zhipu",
    "xai": "xai", "x-ai": "xai",
    "moonshot": "moonshot", "moonshotai": "moonshot",
    "amazon": "amazon", "cohere": "cohere", "microsoft": "microsoft",
    "minimax": "minimax", "minimaxai": "minimax", "ai21": "ai21", "nvidia": "nvidia", "ibm": "ibm",
}

FAMILIES: Tuple[str, ...] = tuple(dict.fromkeys(family for _, family in _MODELS))
UNKNOWN_PREFIX = "unknown:"


def normalize(model: str) -> str:
    """Lower case, blanks collapsed: the form names are compared in."""
    return " ".join(model.lower().split())


def _from_table(name: str) -> Optional[str]:
    m = _MODEL_RE.search(name)
    if m is None:
        return None
    index = int(m.lastgroup[1:]) if m.lastgroup else 0
    return _MODELS[index][1]


def _from_provider(name: str) -> Optional[str]:
    segments = name.split("/")[:-1]
    # Bedrock: "[region.]vendor.model" ("us.anthropic.claude-...",
    # "meta.llama3-70b-instruct-v1:0").
    last = name.rsplit("/", 1)[-1]
    segments += last.split(".")[:2] if "." in last else []
    for segment in segments:
        family = _PROVIDERS.get(segment.strip())
        if family:
            return family
    return None


def _from_extra(name: str, extra: Mapping[str, str]) -> Optional[str]:
    tail = name.rsplit("/", 1)[-1]
    for pattern, family in extra.items():
        glob = normalize(pattern)
        if fnmatch.fnmatchcase(name, glob) or fnmatch.fnmatchcase(tail, glob):
            return normalize(family)
    return None


def family_of(model: str, extra: Mapping[str, str] = {}) -> str:
    """The family of MODEL: "openai", "anthropic", "google" ... (see
    FAMILIES), or "unknown:<normalized name>".  EXTRA (the policy's
    ``families``: a name or glob -> family) is tried first and wins."""
    name = normalize(model)
    return (_from_extra(name, extra) or _from_table(name) or _from_provider(name)
            or UNKNOWN_PREFIX + name)


def is_known(family: Optional[str]) -> bool:
    return bool(family) and not str(family).startswith(UNKNOWN_PREFIX)
