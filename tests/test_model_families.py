"""family_of: every form a model name takes (plain, dated, provider paths,
Bedrock and Vertex ids, marketing names, Ollama tags) maps to its maker."""
from __future__ import annotations

import pytest

from guardrails.model_families import FAMILIES, family_of, is_known, normalize

CASES = [
    # openai
    ("gpt-4.1", "openai"), ("gpt-4.1-2025-04-14", "openai"), ("gpt-5.5", "openai"), ("GPT-5", "openai"),
    ("o3", "openai"), ("o3-pro", "openai"), ("o4-mini", "openai"), ("o1-preview", "openai"),
    ("codex-mini", "openai"), ("codex-mini-latest", "openai"), ("gpt-5-codex", "openai"),
    ("openai/gpt-5", "openai"), ("azure/gpt-4o", "openai"), ("azure/my-deployment", "openai"),
    ("openrouter/openai/gpt-4o-mini", "openai"), ("openai/gpt-oss-120b", "openai"),
    ("openai.gpt-oss-120b-1:0", "openai"), ("ft:gpt-4o-mini-2024-07-18:acme::abc123", "openai"),
    ("ChatGPT-5.5", "openai"), ("chatgpt-4o-latest", "openai"), ("openai/my-finetune", "openai"),
    # anthropic
    ("claude-3-5-sonnet-20241022", "anthropic"), ("claude-opus-4-6", "anthropic"),
    ("claude-sonnet-4-5", "anthropic"), ("anthropic/claude-sonnet-4", "anthropic"),
    ("anthropic.claude-3-5-sonnet-20240620-v1:0", "anthropic"),
    ("us.anthropic.claude-sonnet-4-20250514-v1:0", "anthropic"),
    ("eu.anthropic.claude-3-7-sonnet-20250219-v1:0", "anthropic"),
    ("bedrock/anthropic.claude-3-haiku-20240307-v1:0", "anthropic"),
    ("claude-3-5-sonnet@20240620", "anthropic"), ("vertex_ai/claude-opus-4@20250514", "anthropic"),
    ("Claude Opus 4.6", "anthropic"), ("Claude Opus 4.6 (1M context)", "anthropic"),
    ("Sonnet 5", "anthropic"), ("Fable 5", "anthropic"), ("Haiku 4.5", "anthropic"),
    ("Opus 4.8", "anthropic"), ("claude-fable-5", "anthropic"), ("claude-4.6-opus-high-thinking", "anthropic"),
    ("openrouter/anthropic/claude-3.5-sonnet", "anthropic"),
    # google
    ("gemini-2.5-pro", "google"), ("google/gemini-2.0-flash", "google"),
    ("vertex_ai/gemini-2.5-pro-exp-03-25", "google"), ("gemini/gemini-1.5-flash", "google"),
    ("gemma3:27b", "google"), ("Gemini", "google"), ("chat-bison", "google"),
    # meta
    ("llama3.1:8b", "meta"), ("meta-llama/Llama-3.3-70B-Instruct", "meta"), ("codellama:13b", "meta"),
    ("meta.llama3-70b-instruct-v1:0", "meta"), ("ollama/llama3", "meta"),
    # mistral
    ("mistral-large-latest", "mistral"), ("codestral-2501", "mistral"), ("devstral-small", "mistral"),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", "mistral"), ("mistral.mistral-large-2402-v1:0", "mistral"),
    ("magistral-medium", "mistral"), ("mistralai/some-new-model", "mistral"),
    # others
    ("qwen2.5-coder:7b", "alibaba"), ("Qwen/Qwen3-Coder-480B-A35B-Instruct", "alibaba"), ("qwq-32b", "alibaba"),
    ("deepseek-chat", "deepseek"), ("deepseek-ai/DeepSeek-V3", "deepseek"),
    ("deepseek-r1-distill-qwen-32b", "deepseek"),
    ("glm-4.7", "zhipu"), ("GLM-5.1", "zhipu"), ("z-ai/glm-4.5", "zhipu"), ("zai-org/GLM-4.6", "zhipu"),
    ("grok-4", "xai"), ("x-ai/grok-code-fast-1", "xai"), ("Grok 4.5", "xai"),
    ("kimi-k2", "moonshot"), ("Kimi-K2.5", "moonshot"), ("moonshotai/Kimi-K2-Instruct", "moonshot"),
    ("moonshot-v1-8k", "moonshot"),
    ("amazon.nova-pro-v1:0", "amazon"), ("command-r-plus", "cohere"), ("phi-4", "microsoft"),
]


@pytest.mark.parametrize("name,family", CASES)
def test_family_of(name: str, family: str) -> None:
    assert family_of(name) == family


@pytest.mark.parametrize("name", ["fennec-v7-fast", "my-local-model", "vertex_ai/foo-1", "openrouter/x/y",
                                  "yolo3", "photo1"])
def test_unknown_names_are_a_family_of_their_own(name: str) -> None:
    family = family_of(name)
    assert family == "unknown:" + normalize(name)
    assert not is_known(family)
    assert family not in FAMILIES


def test_unknown_names_are_normalized() -> None:
    assert family_of("  My   Model ") == family_of("my model") == "unknown:my model"


def test_extra_entries_win_and_take_globs() -> None:
    extra = {"acme-coder-*": "acme", "gpt-4.1": "Azure-Tenant", "internal/*": "openai"}
    assert family_of("ACME-Coder-7B", extra) == "acme"
    assert family_of("gpt-4.1", extra) == "azure-tenant"
    assert family_of("gpt-4o", extra) == "openai"
    assert family_of("internal/secret-model", extra) == "openai"
    assert family_of("hosted/acme-coder-2", extra) == "acme"  # the last path segment matches too
    assert family_of("fennec", extra) == "unknown:fennec"


def test_families_lists_each_known_family_once() -> None:
    assert len(FAMILIES) == len(set(FAMILIES))
    for family in ("openai", "anthropic", "google", "meta", "mistral", "alibaba", "deepseek", "zhipu", "xai",
                   "moonshot"):
        assert family in FAMILIES
    assert {family for _, family in CASES} <= set(FAMILIES)
