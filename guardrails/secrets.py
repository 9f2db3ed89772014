"""Secrets in text: one table of patterns, ``find`` and ``redact``.

Used by the ``security/secret-in-change`` rule and by the review stage,
which redacts everything it sends to a model.  Every pattern is bounded
(fixed or capped repetitions, no nested quantifiers) and runs only when a
literal needle of it occurs in the text, so a long line or a large file
costs one pass per pattern that can match at all.

A match covers the secret itself, not what names it: ``password =
"hunter2hunter2"`` is redacted to ``password = "[REDACTED:password]"``.
Placeholders and examples (``sk-xxxx``, ``<your-key>``, ``${{ secrets.X }}``,
``os.environ[...]``, ``changeme``, AWS's documented ``...EXAMPLE`` keys, a
run of one character) are not secrets.
"""
from __future__ import annotations

import math
import re
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Pattern, Tuple

if TYPE_CHECKING:
    from guardrails.model import Finding


class SecretMatch(NamedTuple):
    kind: str  # e.g. "openai-api-key", "private-key", "password"
    start: int  # offset of the secret's first character
    end: int  # offset just past its last character




class _Kind(NamedTuple):
    kind: str
    needles: Tuple[str, ...]  # one must occur in the text (in the lowercased text when lower)
    regex: Pattern[str]
    group: str  # the named group that is the secret
    valid: Callable[["re.Match[str]"], bool]
    lower: bool = False


# Words that make a value an example, not a secret (looked for in the lowercased value).
_PLACEHOLDER_WORDS = ("xxxx", "****", "....", "your", "example", "placeholder", "changeme", "change_me",
                      "change-me", "redacted", "dummy", "sample", "insert", "replace", "<", ">", "${",
                      "{{", "%(", "$(", "secrets.", "os.environ", "process.env", "getenv", "env(", "vault:",
                      "fake", "test_", "_test", "test-", "-test", "not-a-secret", "not_a_secret", "notreal")
# Generic values that are only examples or local defaults.
_WEAK_VALUES = frozenset(("password", "passwd", "pass", "secret", "token", "changeme", "admin", "root", "guest",
                          "postgres", "mysql", "user", "username", "test", "testing", "dev", "development",
                          "default", "none", "null", "example", "foobar", "foo", "bar", "letmein", "qwerty",
                          "123456", "12345678", "password1", "password123", "pass123", "secret123"))
_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0", "[::1]", "example.com", "example.org", "example.net",
                "host", "hostname")
# The famous jwt.io sample token's signature.
_KNOWN_EXAMPLES = ("SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",)


def entropy(value: str) -> float:
    """Shannon entropy in bits per character."""
    if not value:
        return 0.0
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values())


def _classes(value: str) -> int:
    return sum((any(c.islower() for c in value), any(c.isupper() for c in value),
                any(c.isdigit() for c in value), any(not c.isalnum() for c in value)))


def is_placeholder(value: str) -> bool:
    low = value.lower()
    if len(set(low.strip("-_ '\"`"))) <= 2:
        return True  # "xxxxxxxx", "00000000", "abababab"
    if low.strip("'\"`") in _WEAK_VALUES:
        return True
    if any(word in low for word in _PLACEHOLDER_WORDS):
        return True
    if value.endswith(("EXAMPLE", "EXAMPLEKEY")) or any(k in value for k in _KNOWN_EXAMPLES):
        return True
    return False


def _random_body(body: str, min_entropy: float = 3.0) -> bool:
    """The random part of a prefixed key: not a placeholder, varied enough."""
    return not is_placeholder(body) and entropy(body) >= min_entropy


def _group_ok(name: str, min_entropy: float = 3.0) -> Callable[["re.Match[str]"], bool]:
    return lambda m: _random_body(m.group(name), min_entropy)


def _openai_legacy(m: "re.Match[str]") -> bool:
    body = m.group("body")
    return _random_body(body) and any(c.isdigit() for c in body) and any(c.isalpha() for c in body)


# Names that say a value is secret, and endings that say it only names or
# describes one ("token_url", "secret_name", "password_field").
_SECRET_WORDS = ("password", "passwd", "passphrase", "secret", "token", "apikey", "api_key", "api-key",
                 "accesskey", "access_key", "private_key", "privatekey", "credential", "pwd", "auth_key",
                 "authkey")
_NAME_ENDINGS = ("url", "uri", "path", "file", "filename", "dir", "name", "names", "type", "types", "field",
                 "fields", "header", "env", "var", "prefix", "suffix", "length", "len", "id", "ids", "label",
                 "pattern", "regex", "re", "rx", "key_name", "param", "kind", "mode", "policy", "endpoint",
                 "format", "fmt", "template", "count", "size", "ttl", "expiry", "expires", "timeout", "class",
                 "column", "col", "attr", "arn", "ref", "placeholder", "hint", "prompt", "message", "msg",
                 "error", "help", "text", "description", "lifetime", "version", "scope", "scopes", "location")


_NAME_PARTS = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_NAME_WORD = re.compile(r"(?:^|_)(?P<w>password|passwd|passphrase|pwd|secret|token|credentials?|api_?key|"
                        r"access_?key|private_?key|auth_?key|secret_?key|client_?secret)(?:_|$)")


def _secret_name(name: str) -> Optional[str]:
    """The kind of secret NAME holds ("password", "token", "secret"), or None."""
    parts = [p.lower() for p in _NAME_PARTS.split(name) if p]
    if not parts or parts[-1] in _NAME_ENDINGS:
        return None
    m = _NAME_WORD.search("_".join(parts))
    if m is None:
        return None
    word = m.group("w")
    return "password" if word in ("password", "passwd", "passphrase", "pwd") else \
        "token" if word == "token" else "secret"


def _assigned_ok(m: "re.Match[str]") -> bool:
    if _secret_name(m.group("name")) is None:
        return False
    value = m.group("value")
    if is_placeholder(value) or len(value) < 8:
        return False
    if value.startswith(("/", "./", "~/", "http://", "https://", "file:")) or value.isupper() and "_" in value:
        return False  # a path, a URL, an environment variable's name
    quoted = bool(m.group("q"))
    if not quoted and (len(value) < 16 or _classes(value) < 3 or entropy(value) < 3.5):
        return False
    if not any(c.isdigit() for c in value) and all(c.isalpha() or c in "-_./: " for c in value):
        # Words and separators (a rule id, a setting's name, a path): a secret
        # of letters alone must be long and varied.
        return len(value) >= 24 and _classes(value) >= 2 and entropy(value) >= 4.0
    return entropy(value) >= 3.0 or _classes(value) >= 3


def _aws_secret_ok(m: "re.Match[str]") -> bool:
    value = m.group("value")
    return not is_placeholder(value) and entropy(value) >= 3.5


def _url_ok(m: "re.Match[str]") -> bool:
    user, password, host = m.group("user"), m.group("value"), m.group("host").lower()
    if is_placeholder(password) or password.lower() == user.lower() or len(password) < 4:
        return False
    if host.startswith(_LOCAL_HOSTS) or host.endswith((".local", ".test", ".example", ".invalid", ".localhost")):
        return False
    return not password.startswith(("$", "%", "{", "<", ":"))


def _pem_ok(m: "re.Match[str]") -> bool:
    body = m.group("body") or ""
    payload = re.sub(r"\\n|[^A-Za-z0-9+/=]", "", body)
    return len(payload) >= 40 and _random_body(payload, 3.5)


_B = r"(?<![A-Za-z0-9_\-])"  # a key starts a token
_E = r"(?![A-Za-z0-9_\-])"  # and ends one

_KINDS: Tuple[_Kind, ...] = (
    _Kind("private-key", ("-----BEGIN",),
          re.compile(r"(?P<all>-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----"
                     r"(?P<body>(?:[^-]|-(?!----)){0,20000})(?:-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----)?)"),
          "all", _pem_ok),
    _Kind("anthropic-api-key", ("sk-ant-",),
          re.compile(_B + r"(?P<key>sk-ant-(?P<body>[A-Za-z0-9_\-]{32,300}))" + _E), "key", _group_ok("body")),
    _Kind("openai-api-key", ("sk-proj-", "sk-svcacct-", "sk-admin-"),
          re.compile(_B + r"(?P<key>sk-(?:proj|svcacct|admin)-(?P<body>[A-Za-z0-9_\-]{32,300}))" + _E), "key",
          _group_ok("body")),
    _Kind("openai-api-key", ("sk-",),
          re.compile(_B + r"(?P<key>sk-(?P<body>[A-Za-z0-9]{32,200}))" + _E), "key", _openai_legacy),
    _Kind("github-token", ("ghp_", "gho_", "ghs_", "ghu_", "ghr_"),
          re.compile(_B + r"(?P<key>gh[posur]_(?P<body>[A-Za-z0-9]{36,251}))" + _E), "key", _group_ok("body")),
    _Kind("github-token", ("github_pat_",),
          re.compile(_B + r"(?P<key>github_pat_(?P<body>[A-Za-z0-9_]{50,250}))" + _E), "key", _group_ok("body")),
    _Kind("aws-access-key-id", ("AKIA", "ASIA", "ABIA", "ACCA"),
          re.compile(r"(?<![A-Z0-9])(?P<key>(?:AKIA|ASIA|ABIA|ACCA)(?P<body>[A-Z0-9]{16}))(?![A-Z0-9])"), "key",
          lambda m: not is_placeholder(m.group("key")) and entropy(m.group("body")) >= 2.5),
    _Kind("aws-secret-access-key", ("aws_secret", "secretaccesskey", "aws-secret", "secret_access_key"),
          re.compile(r"(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key|aws-secret-access-key)"
                     r"[\"'`]?[ \t]{0,5}(?:=|:|=>|:=)[ \t]{0,5}[\"'`]?(?P<value>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])"),
          "value", _aws_secret_ok, lower=True),
    _Kind("google-api-key", ("AIza",),
          re.compile(_B + r"(?P<key>AIza(?P<body>[0-9A-Za-z_\-]{35}))" + _E), "key", _group_ok("body")),
    _Kind("slack-token", ("xox",),
          re.compile(_B + r"(?P<key>xox[abprs]-(?P<body>[A-Za-z0-9\-]{10,250}))" + _E), "key",
          _group_ok("body")),
    _Kind("slack-webhook", ("hooks.slack.com/",),
          re.compile(r"(?P<key>https://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<body>[A-Za-z0-9/_\-]{20,200}))"),
          "key", _group_ok("body")),
    _Kind("stripe-secret-key", ("sk_live_", "rk_live_"),
          re.compile(_B + r"(?P<key>[sr]k_live_(?P<body>[A-Za-z0-9]{16,250}))" + _E), "key", _group_ok("body")),
    _Kind("jwt", ("eyJ",),
          re.compile(_B + r"(?P<key>eyJ[A-Za-z0-9_\-]{8,4000}\.eyJ[A-Za-z0-9_\-]{8,8000}\.(?P<body>[A-Za-z0-9_\-]{16,2000}))"
                     + r"(?![A-Za-z0-9_\-.])"), "key", _group_ok("body")),
    _Kind("url-credentials", ("://",),
          re.compile(r"(?i)\b[a-z][a-z0-9+.\-]{1,20}://(?P<user>[^\s:/@'\"`<>]{1,100}):"
                     r"(?P<value>[^\s:/@'\"`<>]{1,200})@(?P<host>[^\s/'\"`<>:@]{1,255})"), "value", _url_ok),
)

# A quoted or bare value assigned to a name that says it is secret:
# `password = "..."`, `"api_key": "..."`, `TOKEN=...`, `secret: ...`.
_ASSIGNED = re.compile(
    r"(?<![\w.\-$@])(?P<name>[$@]?[A-Za-z_][\w.\-]{0,60})[\"'`]?(?:[ \t]{0,3}:[ \t]{0,3}[A-Za-z_][\w]{0,30})?"
    r"[ \t]{0,10}(?::=|=>|=|:)[ \t]{0,10}"
    r"(?:(?P<q>[\"'`])(?P<value>[^\"'`\s\\]{1,256})(?P=q)|(?P<bare>[A-Za-z0-9+/=_\-!@#%^&*~.]{16,256})(?=[\s,;]|$))",
    re.M)


_WORDS_RX = re.compile("|".join(re.escape(w) for w in _SECRET_WORDS))

# A shorter piece of a needle (in the same text): where the piece is absent,
# so is the needle, and one search answers for several needles.
_PIECES = {"sk-ant-": "sk-", "sk-proj-": "sk-", "sk-svcacct-": "sk-", "sk-admin-": "sk-",
           "aws_secret": "secret", "secretaccesskey": "secret", "aws-secret": "secret",
           "secret_access_key": "secret", "sk_live_": "k_live_", "rk_live_": "k_live_",
           "password": "pass", "passwd": "pass", "passphrase": "pass"}
# "Does one of these needles occur?" as one search, for needle lists that
# share a literal the engine can skip ahead to.
_ANY_NEEDLE = {("ghp_", "gho_", "ghs_", "ghu_", "ghr_"): re.compile("gh[posur]_"),
               ("AKIA", "ASIA", "ABIA", "ACCA"): re.compile("A(?:KIA|SIA|BIA|CCA)")}
# The secret words ending in "key", found by searching for "key" alone.
_KEY_WORDS = tuple(w for w in _SECRET_WORDS if w.endswith("key"))
_KEY_RX = re.compile("key(?:" + "|".join(f"(?<={re.escape(w)})" for w in _KEY_WORDS) + ")")


def _has(text: str, needle: str, memo: Dict[str, bool]) -> bool:
    """NEEDLE in TEXT, remembered in MEMO (one MEMO per text)."""
    got = memo.get(needle)
    if got is None:
        piece = _PIECES.get(needle)
        got = memo[needle] = (piece is None or _has(text, piece, memo)) and needle in text
    return got


def _lines_holding(low: str, rx: Pattern[str]) -> List[Tuple[int, int]]:
    """(start, end) of each line of LOW where RX matches, each once."""
    spans: List[Tuple[int, int]] = []
    pos = 0
    while True:
        m = rx.search(low, pos)
        if m is None:
            return spans
        start = low.rfind("\n", 0, m.start()) + 1
        end = low.find("\n", m.end())
        end = len(low) if end < 0 else end
        spans.append((start, end))
        pos = end + 1


def line_spans(text: str, needle: str) -> Iterator[Tuple[int, int]]:
    """(start, end) of each line of TEXT holding NEEDLE (no line break in it),
    once per line, found with str.find: one search per line found."""
    pos = text.find(needle)
    while pos >= 0:
        start = text.rfind("\n", 0, pos) + 1
        end = text.find("\n", pos)
        end = len(text) if end < 0 else end
        yield start, end
        pos = text.find(needle, end)


def _word_lines(low: str, memo: Dict[str, bool]) -> List[Tuple[int, int]]:
    """The lines of LOW holding a secret word, as _lines_holding(low, _WORDS_RX)
    gives them, from a few substring searches instead of one regex whose
    alternatives start with common letters (tried at most positions)."""
    found = set()
    for word in _SECRET_WORDS:
        if word in _KEY_WORDS or not _has(low, word, memo):
            continue
        found.update(line_spans(low, word))
    if "key" in low:
        found.update(_lines_holding(low, _KEY_RX))
    return sorted(found)


def _assigned_matches(text: str, low: str, memo: Optional[Dict[str, bool]] = None) -> List[SecretMatch]:
    memo = {} if memo is None else memo
    if len(low) == len(text):
        spans = _word_lines(low, memo)
    elif any(_has(low, word, memo) for word in _SECRET_WORDS):
        spans = [(0, len(text))]
    else:
        spans = []
    if not spans:
        return []
    out = []
    for m in (m for start, end in spans for m in _ASSIGNED.finditer(text, start, end)):
        group = "value" if m.group("q") else "bare"
        value = m.group(group)
        view = _AssignedView(m, value)
        if _assigned_ok(view):  # type: ignore[arg-type]  # quacks like a match
            kind = _secret_name(m.group("name")) or "secret"
            out.append(SecretMatch(kind, m.start(group), m.end(group)))
    return out


class _AssignedView:
    """The bits of an _ASSIGNED match the validity test reads."""

    def __init__(self, m: "re.Match[str]", value: str):
        self._m = m
        self._value = value

    def group(self, name: str) -> str:
        if name == "value":
            return self._value
        return self._m.group(name) or ""


def find(text: str, low: Optional[str] = None) -> List[SecretMatch]:
    """Every secret in TEXT, in order, without overlaps (where two overlap,
    the one that starts first, then the longer, wins).  LOW: TEXT.lower(),
    when the caller has it."""
    if not text:
        return []
    if low is None:
        low = text.lower()
    found: List[SecretMatch] = []
    memo: Dict[str, bool] = {}
    low_memo: Dict[str, bool] = {}
    for kind in _KINDS:
        haystack = low if kind.lower else text
        any_rx = _ANY_NEEDLE.get(kind.needles)
        if any_rx is not None:
            if any_rx.search(haystack) is None:
                continue
        elif not any(_has(haystack, needle, low_memo if kind.lower else memo) for needle in kind.needles):
            continue
        for m in kind.regex.finditer(text):
            if kind.valid(m):
                found.append(SecretMatch(kind.kind, m.start(kind.group), m.end(kind.group)))
    found.extend(_assigned_matches(text, low, low_memo))
    found.sort(key=lambda s: (s.start, -(s.end - s.start)))
    out: List[SecretMatch] = []
    for match in found:
        if out and match.start < out[-1].end:
            continue
        out.append(match)
    return out


def redact(text: str) -> Tuple[str, int]:
    """TEXT with every secret replaced by ``[REDACTED:<kind>]``, and how many."""
    matches = find(text)
    if not matches:
        return text, 0
    parts, pos = [], 0
    for match in matches:
        parts.append(text[pos:match.start])
        parts.append(f"[REDACTED:{match.kind}]")
        pos = match.end
    parts.append(text[pos:])
    return "".join(parts), len(matches)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact(value)[0]
    if isinstance(value, (list, tuple)):
        return type(value)(_redact_value(v) for v in value)
    if isinstance(value, dict):
        return {k: _redact_value(v) for k, v in value.items()}
    return value


def redact_finding(finding: "Finding") -> "Finding":
    """FINDING (any record with ``message``, ``evidence`` and ``details``)
    with the secrets of those fields redacted; itself when there are none."""
    message, n1 = redact(finding.message)
    evidence, n2 = redact(finding.evidence)
    details = finding.details
    clean = _redact_value(dict(details)) if details else details
    if not n1 and not n2 and clean == details:
        return finding
    return finding._replace(message=message, evidence=evidence, details=clean)
