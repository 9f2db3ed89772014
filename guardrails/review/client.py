"""Talking to one OpenAI-compatible endpoint through the `openai` package.

Timeouts and retries are the client's own (429 with Retry-After, 5xx and
connection errors are retried by it); what still fails is an EndpointError
and the caller moves on to the next qualifying model.  `openai` is imported
here only, and only when a request is really about to be sent: a run that
sends nothing never pays for the import.
"""
from __future__ import annotations

import time
from typing import Any, Dict, List, NamedTuple, Optional

from guardrails.review.prompt import RESPONSE_SCHEMA
from guardrails.review.settings import ReviewerModel


class EndpointError(Exception):
    """The endpoint did not answer usably (after the client's own retries).
    The message never holds the key."""


class Answer(NamedTuple):
    text: str
    prompt_tokens: int
    completion_tokens: int
    seconds: float
    usage_reported: bool


# Request shapes, most exact first.  An endpoint that rejects one (HTTP 400:
# unknown `seed`, no JSON-schema output, a reasoning model that refuses
# `temperature` or `max_tokens`) gets the next; the one that worked is kept
# for the rest of the run.
SHAPES = ("schema", "schema-plain-params", "json-object", "json-text")


def _kwargs(shape: str, model: ReviewerModel) -> Dict[str, Any]:
    schema_format = {"type": "json_schema",
                     "json_schema": {"name": "guardrails_decisions", "strict": True, "schema": RESPONSE_SCHEMA}}
    if shape == "schema":
        return {"temperature": 0, "seed": 0, "max_tokens": model.max_output_tokens,
                "response_format": schema_format}
    if shape == "schema-plain-params":
        return {"max_completion_tokens": model.max_output_tokens, "response_format": schema_format}
    if shape == "json-object":  # JSON mode: servers that constrain output to JSON without a schema
        return {"temperature": 0, "max_tokens": model.max_output_tokens, "response_format": {"type": "json_object"}}
    return {"temperature": 0, "max_tokens": model.max_output_tokens}


class Client:
    def __init__(self, model: ReviewerModel, api_key: str, timeout: float, max_retries: int):
        import openai  # lazily: hundreds of milliseconds, and most runs send nothing

        self.openai = openai
        self.model = model
        self.client = openai.OpenAI(api_key=api_key, base_url=model.base_url or None,
                                    timeout=timeout, max_retries=max_retries)
        self.shapes = list(SHAPES if model.structured else SHAPES[3:])

    def ask(self, messages: List[Dict[str, str]], timeout: float) -> Answer:
        openai = self.openai
        last: Optional[str] = None
        while self.shapes:
            shape = self.shapes[0]
            started = time.monotonic()
            try:
                response = self.client.chat.completions.create(
                    model=self.model.model, messages=messages, timeout=timeout,  # type: ignore[arg-type]  # plain dicts are what the API takes
                    **_kwargs(shape, self.model))
            except (openai.BadRequestError, openai.UnprocessableEntityError) as exc:
                last = f"HTTP {exc.status_code} ({_short(exc)})"
                self.shapes.pop(0)  # try a plainer request shape
                continue
            except openai.InternalServerError as exc:
                # Some servers answer a request field they do not know with a
                # 5xx instead of a 400 (llama.cpp's Python server rejects a
                # JSON-schema response_format with HTTP 500 but takes JSON
                # mode): JSON mode, then the plainest shape, get one try
                # each before the model counts as failed.
                if shape == SHAPES[-1]:
                    raise EndpointError(f"{self.model.model}: HTTP {exc.status_code} from {self._where()}") from None
                last = f"HTTP {exc.status_code}"
                self.shapes = [s for s in SHAPES[2:] if SHAPES.index(s) > SHAPES.index(shape)]
                continue
            except openai.APITimeoutError:
                raise EndpointError(f"{self.model.model}: no answer within {timeout:.0f} s") from None
            except openai.APIConnectionError:
                raise EndpointError(f"{self.model.model}: cannot connect to {self._where()}") from None
            except openai.APIStatusError as exc:
                raise EndpointError(f"{self.model.model}: HTTP {exc.status_code} from {self._where()}") from None
            except openai.OpenAIError as exc:
                raise EndpointError(f"{self.model.model}: {exc.__class__.__name__}") from None
            seconds = time.monotonic() - started
            return self._answer(response, seconds)
        raise EndpointError(f"{self.model.model}: the endpoint rejected every request shape (last: {last})")

    def _where(self) -> str:
        return self.model.base_url or "the OpenAI API"

    @staticmethod
    def _answer(response: Any, seconds: float) -> Answer:
        text = ""
        try:
            text = response.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            text = ""
        usage = getattr(response, "usage", None)
        prompt = int(getattr(usage, "prompt_tokens", 0) or 0) if usage is not None else 0
        completion = int(getattr(usage, "completion_tokens", 0) or 0) if usage is not None else 0
        return Answer(text, prompt, completion, seconds, usage is not None)


def _short(exc: Exception) -> str:
    message = str(getattr(exc, "message", "") or exc)
    return message.splitlines()[0][:120] if message else exc.__class__.__name__
