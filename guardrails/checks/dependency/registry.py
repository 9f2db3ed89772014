"""Registry look-ups: does a package exist, and since when?

Standard library only (urllib, json, concurrent.futures).  Every answer is
one of:

* ``found``   -- with the first release time and the number of releases when
  the registry tells them;
* ``missing`` -- the registry answered 404/410: no such package (a likely
  hallucinated name);
* ``error``   -- no answer we can trust (timeouts, 5xx after retries, bad
  JSON): the caller must not treat the name as verified.

Answers are cached on disk (``$XDG_CACHE_HOME/guardrails/registry`` or
``~/.cache/guardrails/registry``, or the configured ``cache_dir``) for a day
(found) or an hour (missing); errors are never cached.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
import urllib.parse
from datetime import datetime, timezone
from typing import Any, Callable, Dict, Iterable, List, NamedTuple, Optional, Tuple

from guardrails.checks.dependency.model import CARGO, GO, NPM, PYPI

FOUND = "found"
MISSING = "missing"
ERROR = "error"

DEFAULT_URLS = {
    "pypi_url": "https://pypi.org",
    "npm_url": "https://registry.npmjs.org",
    "crates_url": "https://crates.io",
    "goproxy_url": "https://proxy.golang.org",
}
SUPPORTED = (PYPI, NPM, CARGO, GO)
TTL_FOUND = 24 * 3600
TTL_MISSING = 3600
USER_AGENT = "guardrails-dependency-check (+https://github.com/)"


class Answer(NamedTuple):
    status: str  # FOUND, MISSING, ERROR
    first_release: str = ""  # ISO 8601, "" when unknown
    releases: int = -1  # -1 when unknown
    url: str = ""  # what was asked
    error: str = ""  # why there is no answer
    where: str = ""  # "public", "private index", "cache"


class Settings(NamedTuple):
    urls: Dict[str, str]
    index_url: str = ""
    timeout: float = 5.0
    retries: int = 2  # extra attempts after the first, on 5xx / timeouts
    backoff: float = 0.5  # seconds before the first retry; doubles
    cache_dir: str = ""  # "" = default location; "-" = no cache
    workers: int = 8


def default_cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "guardrails", "registry")


# --------------------------------------------------------------------------
# HTTP.

class _Http(NamedTuple):
    status: int  # 0 = no answer
    body: bytes
    error: str


def _get(url: str, settings: Settings, accept: str = "application/json") -> _Http:
    """GET with retries on 5xx, 429 and network errors; 404 etc. answer at once."""
    delay = settings.backoff
    import urllib.error  # here, not at import: a hook run that stays offline never loads the HTTP stack
    import urllib.request
    last = _Http(0, b"", "not tried")
    for attempt in range(settings.retries + 1):
        if attempt:
            time.sleep(delay)
            delay *= 2
        req = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": USER_AGENT})
        try:
            with urllib.request.urlopen(req, timeout=settings.timeout) as resp:  # noqa: S310 (http(s) only)
                return _Http(resp.status, resp.read(), "")
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return _Http(exc.code, b"", "")
            last = _Http(exc.code, b"", f"HTTP {exc.code}")
            if exc.code < 500 and exc.code != 429:
                return last
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            last = _Http(0, b"", f"{type(reason).__name__}: {reason}" if str(reason) else type(reason).__name__)
    return last


# --------------------------------------------------------------------------
# Per-registry parsing of the answer.

def _iso(value: Any) -> str:
    if not isinstance(value, str) or not value:
        return ""
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _lookup_json(url: str, s: Settings, read: Callable[[Any], Answer]) -> Answer:
    """GET URL; 404/410 means no such package, another failure an error, and
    a 200 answer is READ (a registry's JSON shape) into an Answer."""
    r = _get(url, s)
    if r.status in (404, 410):
        return Answer(MISSING, url=url)
    if r.status != 200:
        return Answer(ERROR, url=url, error=r.error)
    try:
        return read(json.loads(r.body))
    except (ValueError, AttributeError, TypeError) as exc:
        return Answer(ERROR, url=url, error=f"unreadable answer: {exc}")


def _pypi(name: str, s: Settings) -> Answer:
    url = f"{s.urls['pypi_url'].rstrip('/')}/pypi/{urllib.parse.quote(name, safe='')}/json"

    def read(data: Any) -> Answer:
        releases = data.get("releases") or {}
        times = [_iso(f.get("upload_time_iso_8601") or f.get("upload_time"))
                 for files in releases.values() for f in (files or [])]
        times = [t for t in times if t]
        count = sum(1 for files in releases.values() if files) if releases else -1
        return Answer(FOUND, min(times) if times else "", count, url)
    return _lookup_json(url, s, read)


def _npm(name: str, s: Settings) -> Answer:
    quoted = urllib.parse.quote(name, safe="@")  # @scope%2fname
    url = f"{s.urls['npm_url'].rstrip('/')}/{quoted}"

    def read(data: Any) -> Answer:
        times = data.get("time") or {}
        first = _iso(times.get("created"))
        versions = data.get("versions") or {}
        if not first:
            stamps = [_iso(v) for k, v in times.items() if k not in ("created", "modified")]
            stamps = [t for t in stamps if t]
            first = min(stamps) if stamps else ""
        if not versions and "unpublished" in times:
            return Answer(MISSING, url=url)  # every version unpublished
        return Answer(FOUND, first, len(versions) if isinstance(versions, dict) else -1, url)
    return _lookup_json(url, s, read)


def _cargo(name: str, s: Settings) -> Answer:
    url = f"{s.urls['crates_url'].rstrip('/')}/api/v1/crates/{urllib.parse.quote(name, safe='')}"

    def read(data: Any) -> Answer:
        crate = data.get("crate") or {}
        versions = data.get("versions")
        count = len(versions) if isinstance(versions, list) else -1
        return Answer(FOUND, _iso(crate.get("created_at")), count, url)
    return _lookup_json(url, s, read)


def _go_escape(module: str) -> str:
    """The module proxy's case encoding: an upper-case letter becomes "!" + lower case."""
    return "".join("!" + c.lower() if c.isupper() else c for c in module)


def _go(name: str, s: Settings) -> Answer:
    base = f"{s.urls['goproxy_url'].rstrip('/')}/{_go_escape(name)}/@v"
    url = f"{base}/list"
    r = _get(url, s, accept="text/plain")
    if r.status in (404, 410):
        return Answer(MISSING, url=url)
    if r.status != 200:
        return Answer(ERROR, url=url, error=r.error)
    versions = [v.strip() for v in r.body.decode("utf-8", "replace").splitlines() if v.strip()]
    if not versions:
        return Answer(FOUND, "", 0, url)  # only pseudo-versions: exists, no tagged release
    first = min(versions, key=_semver_key)
    info = _get(f"{base}/{first}.info", s)
    when = ""
    if info.status == 200:
        try:
            when = _iso(json.loads(info.body).get("Time"))
        except (ValueError, AttributeError):
            when = ""
    return Answer(FOUND, when, len(versions), url)


def _semver_key(v: str) -> Tuple:
    core = v.lstrip("v").split("+")[0]
    main, _, pre = core.partition("-")
    nums = []
    for part in main.split("."):
        nums.append(int(part) if part.isdigit() else 0)
    return tuple(nums) + ((1,) if not pre else (0, pre))


def _private(name: str, ecosystem: str, s: Settings) -> Optional[Answer]:
    """A configured private index: PEP 503 simple page for PyPI, the npm
    registry document for npm.  Found there = known (no age check)."""
    if not s.index_url:
        return None
    base = s.index_url.rstrip("/")
    if ecosystem == PYPI:
        url = f"{base}/{urllib.parse.quote(name, safe='')}/"
        r = _get(url, s, accept="text/html")
    elif ecosystem == NPM:
        url = f"{base}/{urllib.parse.quote(name, safe='@')}"
        r = _get(url, s)
    else:
        return None
    if r.status == 200:
        return Answer(FOUND, url=url, where="private index")
    return None


LOOKUPS: Dict[str, Callable[[str, Settings], Answer]] = {PYPI: _pypi, NPM: _npm, CARGO: _cargo, GO: _go}


# --------------------------------------------------------------------------
# Cache.

def _cache_path(s: Settings, ecosystem: str, name: str) -> Optional[str]:
    if s.cache_dir == "-":
        return None
    folder = os.path.expanduser(s.cache_dir) if s.cache_dir else default_cache_dir()
    key = json.dumps([ecosystem, name, s.urls, s.index_url], sort_keys=True)
    return os.path.join(folder, hashlib.sha256(key.encode()).hexdigest()[:32] + ".json")


def _cache_get(s: Settings, ecosystem: str, name: str) -> Optional[Answer]:
    path = _cache_path(s, ecosystem, name)
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        ttl = TTL_FOUND if data["status"] == FOUND else TTL_MISSING
        if time.time() - float(data["at"]) > ttl or data["status"] not in (FOUND, MISSING):
            return None
        return Answer(data["status"], data.get("first_release", ""), int(data.get("releases", -1)),
                      data.get("url", ""), "", "cache")
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _cache_put(s: Settings, ecosystem: str, name: str, a: Answer) -> None:
    path = _cache_path(s, ecosystem, name)
    if not path or a.status == ERROR:
        return
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        tmp = f"{path}.{os.getpid()}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump({"at": time.time(), "status": a.status, "first_release": a.first_release,
                       "releases": a.releases, "url": a.url, "where": a.where}, f)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache we cannot write is no reason to fail


def lookup(ecosystem: str, name: str, s: Settings) -> Answer:
    fn = LOOKUPS.get(ecosystem)
    if fn is None:
        return Answer(ERROR, error=f"no registry look-up for {ecosystem}")
    cached = _cache_get(s, ecosystem, name)
    if cached is not None:
        return cached
    answer = _private(name, ecosystem, s)
    if answer is None:
        answer = fn(name, s)._replace(where="public")
    _cache_put(s, ecosystem, name, answer)
    return answer


def lookup_many(items: Iterable[Tuple[str, str]], s: Settings) -> Dict[Tuple[str, str], Answer]:
    """Look several (ecosystem, name) up at once."""
    todo = list(dict.fromkeys(items))
    if not todo:
        return {}
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(max_workers=max(1, min(s.workers, len(todo)))) as pool:
        answers = list(pool.map(lambda it: lookup(it[0], it[1], s), todo))
    return dict(zip(todo, answers))


def age_days(iso: str, now: Optional[float] = None) -> Optional[float]:
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return ((now if now is not None else time.time()) - dt.timestamp()) / 86400.0


def settings_from(config: Dict[str, Any]) -> Settings:
    urls = {k: str(config.get(k) or v) for k, v in DEFAULT_URLS.items()}
    return Settings(urls=urls, index_url=str(config.get("index_url") or ""),
                    timeout=float(config.get("timeout") or 5.0),
                    cache_dir=str(config.get("cache_dir") or ""))


def describe(a: Answer) -> List[str]:
    parts = []
    if a.first_release:
        parts.append(f"first release {a.first_release[:10]}")
    if a.releases >= 0:
        parts.append(f"{a.releases} release{'s' if a.releases != 1 else ''}")
    return parts
