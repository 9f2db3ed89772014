"""A small GitHub REST client on urllib (no third-party HTTP library, so the
hook's and the Action's installs stay light).

The base URL comes from GITHUB_API_URL (GitHub Enterprise Server sets it to
https://HOST/api/v3); the token is read from the environment by the caller
and is only ever sent in the Authorization header, never logged.

Failures never end the run: every call raises ApiError, which the command
turns into one note.  After a server error or a rate limit the client stops
calling (``down``): a flaky API must cost one note, not one per feature.
"""
from __future__ import annotations

import datetime
import email.utils
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Dict, Iterator, List, NamedTuple, Optional, Set

DEFAULT_API_URL = "https://api.github.com"
TIMEOUT = 15.0
# Secondary rate limits answer 403 (or 429) with Retry-After; a short wait
# is worth one retry, a long one is not worth holding the job for.
MAX_RETRY_AFTER = 5.0
MAX_PAGES = 10  # 1,000 comments or timeline events


class ApiError(Exception):
    """An answer that is not 2xx, or no answer at all."""

    def __init__(self, method: str, path: str, status: int, message: str):
        self.method = method
        self.path = path
        self.status = status  # 0 = no answer (network, timeout)
        self.message = message
        super().__init__(self.describe())

    @property
    def rate_limited(self) -> bool:
        text = self.message.lower()
        return self.status == 429 or (self.status == 403 and "rate limit" in text)

    @property
    def outage(self) -> bool:
        """The API as a whole is unusable (not a permission problem)."""
        return self.status == 0 or self.status >= 500 or self.rate_limited

    def describe(self) -> str:
        what = f"HTTP {self.status}" if self.status else "no answer"
        if self.rate_limited:
            what += " (rate limited)"
        message = " ".join(self.message.split())[:160]
        return f"{self.method} {self.path}: {what}" + (f": {message}" if message else "")


class Response(NamedTuple):
    status: int
    data: Any
    link: str  # the Link header (pagination)


class Client:
    def __init__(self, token: str, base_url: Optional[str] = None, timeout: float = TIMEOUT,
                 sleep: Any = time.sleep):
        self._token = token
        self.base_url = (base_url or DEFAULT_API_URL).rstrip("/")
        self.timeout = timeout
        self.down: Optional[ApiError] = None  # the outage that stopped the client
        self.server_time = ""  # ISO 8601 from the newest answer's Date header (GitHub's clock)
        self.truncated: Set[str] = set()  # paths whose listing stopped at MAX_PAGES
        self._sleep = sleep

    @property
    def has_token(self) -> bool:
        return bool(self._token)

    def request(self, method: str, path: str, body: Optional[Dict[str, Any]] = None,
                query: Optional[Dict[str, Any]] = None) -> Response:
        if self.down is not None:
            raise self.down
        url = self.base_url + path
        if query:
            url += "?" + urllib.parse.urlencode(query)
        try:
            return self._send(method, url, path, body)
        except ApiError as exc:
            if exc.outage:
                self.down = exc
            raise

    def _send(self, method: str, url: str, path: str, body: Optional[Dict[str, Any]]) -> Response:
        data = json.dumps(body).encode() if body is not None else None
        headers = {
            "Accept": "application/vnd.github+json",
            "X-GitHub-Api-Version": "2022-11-28",
            "User-Agent": "guardrails",
        }
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in (1, 2):
            req = urllib.request.Request(url, data=data, method=method, headers=headers)
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                    self.server_time = _date(resp.headers.get("Date", "")) or self.server_time
                    return Response(resp.status, json.loads(raw) if raw.strip() else None,
                                    resp.headers.get("Link", ""))
            except urllib.error.HTTPError as exc:
                error = ApiError(method, path, exc.code, _message(exc))
                wait = _retry_after(exc)
                if attempt == 1 and (error.rate_limited or exc.code >= 500) and wait <= MAX_RETRY_AFTER:
                    self._sleep(wait)
                    continue
                raise error from None
            except (urllib.error.URLError, OSError, ValueError) as exc:
                reason = getattr(exc, "reason", exc)
                raise ApiError(method, path, 0, str(reason)) from None
        raise AssertionError("unreachable")

    def pages(self, path: str, query: Optional[Dict[str, Any]] = None) -> Iterator[Any]:
        """Every item of a paginated list (per_page=100, at most MAX_PAGES;
        a longer list is cut, and its path put in ``truncated``)."""
        q = dict(query or {}, per_page=100)
        for page in range(1, MAX_PAGES + 1):
            q["page"] = page
            resp = self.request("GET", path, query=q)
            items: List[Any] = resp.data if isinstance(resp.data, list) else []
            yield from items
            if 'rel="next"' not in resp.link or not items:
                return
        self.truncated.add(path)


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        raw = exc.read()
        data = json.loads(raw) if raw else {}
        return str(data.get("message", "")) if isinstance(data, dict) else ""
    except (ValueError, OSError):
        return ""


def _date(value: str) -> str:
    """An HTTP Date header as ISO 8601 UTC, or ""."""
    try:
        parsed = email.utils.parsedate_to_datetime(value) if value else None
    except (TypeError, ValueError):
        return ""
    if parsed is None or parsed.tzinfo is None:
        return ""
    return parsed.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _retry_after(exc: urllib.error.HTTPError) -> float:
    headers = exc.headers
    value = headers.get("Retry-After") if headers is not None else None
    if value is None:
        return 1.0 if exc.code >= 500 else MAX_RETRY_AFTER + 1
    try:
        return max(0.0, float(value))
    except ValueError:
        return MAX_RETRY_AFTER + 1
