"""Configuration: `.guardrails.yml` (or --config FILE), validated.

The policy that judges a change never comes from that change:

- ``--base`` (and the default source): the base revision's
  ``.guardrails.yml`` (the merge-base a pull request forked from);
- ``--staged``: HEAD's committed file, not the index;
- ``--diff``: the working tree, since the patch is not applied yet.  When
  the patch itself touches the policy file, its pre-image is used instead.

``--config FILE`` names the file instead; when the change touches that very
file (or a file it ``extends:``), the base version is read, for the same
reason.  ``extends:`` paths are relative to the file that names them and
are read from the same revision.

Every value is validated against the YAML node it came from, so a mistake is
reported as ``FILE:LINE: key.path: what is wrong (got ...)``.
"""
from __future__ import annotations

import difflib
import fnmatch
import os
import posixpath
from typing import Any, Dict, List, Mapping, NamedTuple, Optional, Tuple

import yaml

from guardrails.errors import GuardError
from guardrails.model import SEVERITIES, ChangeSet, glob_match

CONFIG_NAME = ".guardrails.yml"
OFF = "off"
RULE_SEVERITIES = SEVERITIES + (OFF,)
ON_UNREVIEWED = ("block", "pass")
# Top-level keys besides the families' sections.
KEYS = ("extends", "rules", "exclude", "on_unreviewed", "waivers", "reviewer")
WAIVER_KEYS = ("rule", "path", "reason")
MAX_EXTENDS = 16
# The reviewer's settings: key -> default (its type is the key's type).
# `pool`, `agents` and `families` are checked by their own code.
REVIEWER_SCHEMA: Dict[str, Any] = {
    "pool": [],               # ordered list of models (REVIEWER_MODEL_SCHEMA)
    "min_confidence": 0.7,    # an `allow` below it does not clear a finding
    "budget_usd": 0.5,        # per run; past it the rest stays unreviewed
    "budget_tokens": 200000,  # per run, prompt + completion
    "time_budget": 180.0,     # seconds for the whole review stage
    "timeout": 60.0,          # seconds per request (the openai client's)
    "max_retries": 2,         # the openai client's retries (429, 5xx, connection)
    "max_input_tokens": 12000,  # per request; findings are batched to fit
    "context_lines": 20,      # lines of the new file around each finding
    "cache": "",              # decision cache file ("" = none)
    "never_send": [],         # path globs whose findings never leave the machine
    "author_model": "",       # the model that wrote changes here (wins over detection)
    "agents": {},             # agent name -> model family (copilot: openai)
    "families": {},           # model name or glob -> family (extra entries)
}
REVIEWER_MODEL_SCHEMA: Dict[str, Any] = {
    "model": "",
    "base_url": "",           # OpenAI-compatible endpoint ("" = the openai package's default)
    "api_key_env": "OPENAI_API_KEY",
    "price_in": 0.0,          # USD per million prompt tokens
    "price_out": 0.0,         # USD per million completion tokens
    "max_output_tokens": 2048,
    "family": "",             # the model's family when its name does not say it
    "structured": True,       # ask for JSON-schema output (false: validated JSON only)
}


class ConfigWaiver(NamedTuple):
    """A waiver written in the policy: RULE (id or glob) on PATHS (globs,
    empty = every path), with its REASON.  WHERE is "file:line"."""

    rule: str
    paths: Tuple[str, ...]
    reason: str
    where: str


class Config(NamedTuple):
    # (rule id or glob, severity or "off"), parents first, in file order:
    # the last pattern that matches a rule wins.
    rules: Tuple[Tuple[str, str], ...] = ()
    exclude: Tuple[str, ...] = ()  # path globs; findings there are dropped
    on_unreviewed: str = "block"  # what an undecided "review" exits with
    # Family NAME -> its settings, defaults filled in.
    families: Mapping[str, Mapping[str, Any]] = {}
    source: str = "defaults"  # which policy this is, for the report
    # The reviewer's settings (REVIEWER_SCHEMA), only the keys set.
    reviewer: Mapping[str, Any] = {}
    waivers: Tuple[ConfigWaiver, ...] = ()
    # Repository-relative paths of the policy files read (the config, then
    # what it extends), so checks can tell which files are policy.
    files: Tuple[str, ...] = ()

    def severity_for(self, rule_id: str, default: str) -> Optional[str]:
        """The configured severity for RULE_ID, None when it is turned off."""
        result = default
        for pattern, severity in self.rules:
            if rule_matches(pattern, rule_id):
                result = severity
        return None if result == OFF else result

    def excluded(self, path: str) -> bool:
        return bool(self.exclude) and glob_match(path, self.exclude)

    def waiver_for(self, rule_id: str, path: str) -> Optional[ConfigWaiver]:
        """The first config waiver that covers RULE_ID on PATH."""
        for waiver in self.waivers:
            if rule_matches(waiver.rule, rule_id) and (not waiver.paths or glob_match(path, waiver.paths)):
                return waiver
        return None


def rule_matches(pattern: str, rule_id: str) -> bool:
    """A rule id or an fnmatch glob over whole ids (``suppression/*``)."""
    return pattern == rule_id or fnmatch.fnmatchcase(rule_id, pattern)


def known_rules() -> Tuple[str, ...]:
    from guardrails import rules
    return tuple(rules.all_rules())


def family_schemas() -> Dict[str, Mapping[str, Any]]:
    from guardrails import checks
    schemas: Dict[str, Mapping[str, Any]] = {}
    for module in checks.families():
        if module.NAME in KEYS or module.NAME in schemas:
            raise RuntimeError(f"check family {module.__name__}: NAME {module.NAME!r} is taken")
        schemas[module.NAME] = dict(getattr(module, "CONFIG_SCHEMA", {}) or {})
    from guardrails import limits  # resource bounds: validated like a family's options
    schemas[limits.NAME] = dict(limits.CONFIG_SCHEMA)
    return schemas


def family_defaults() -> Dict[str, Dict[str, Any]]:
    return {name: {k: _copy(v) for k, v in schema.items()} for name, schema in family_schemas().items()}


def _copy(value: Any) -> Any:
    if isinstance(value, list):
        return [_copy(v) for v in value]
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def defaults(source: str = "defaults") -> Config:
    return Config(families=family_defaults(), source=source)


# ---------------------------------------------------------------------------
# One file: YAML nodes -> a validated layer of settings.

class Layer(NamedTuple):
    """What one config file sets (unset things stay None / empty)."""

    rules: Tuple[Tuple[str, str], ...] = ()
    exclude: Tuple[str, ...] = ()
    on_unreviewed: Optional[str] = None
    families: Mapping[str, Mapping[str, Any]] = {}
    reviewer: Mapping[str, Any] = {}
    waivers: Tuple[ConfigWaiver, ...] = ()
    extends: Optional[str] = None
    extends_line: int = 0


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
               list: "a list", tuple: "a list", dict: "a mapping"}
_STR_TAG = "tag:yaml.org,2002:str"
_NULL_TAG = "tag:yaml.org,2002:null"


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    def __init__(self, text: str, label: str):
        self.label = label
        try:
            self.loader = yaml.SafeLoader(text)
        except yaml.reader.ReaderError as exc:  # a control character: refused before parsing starts
            line = text.count("\n", 0, exc.position) + 1
            char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
            raise GuardError(f"{label}:{line}: invalid YAML: character {char} is not allowed") from None

    # -- errors ------------------------------------------------------------
    def fail(self, node: Optional[yaml.Node], where: str, message: str) -> "GuardError":
        line = node.start_mark.line + 1 if node is not None else 1
        prefix = f"{self.label}:{line}: "
        return GuardError(prefix + (f"{where}: {message}" if where else message))

    # -- nodes -------------------------------------------------------------
    def document(self) -> Optional[yaml.Node]:
        try:
            return self.loader.get_single_node()
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark is not None else 1
            what = exc.problem or exc.context or "cannot parse"
            raise GuardError(f"{self.label}:{line}: invalid YAML: {what}") from None
        except yaml.YAMLError as exc:
            raise GuardError(f"{self.label}: invalid YAML: {str(exc).splitlines()[0]}") from None

    def value(self, node: yaml.Node, where: str) -> Any:
        try:
            return self.loader.construct_object(node, deep=True)
        except yaml.YAMLError as exc:
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            raise self.fail(node, where, f"invalid value: {problem}") from None

    @staticmethod
    def is_null(node: yaml.Node) -> bool:
        return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG

    def pairs(self, node: yaml.Node, where: str, what: str) -> List[Tuple[str, yaml.Node, yaml.Node]]:
        """A mapping's (key, key node, value node), keys unique strings; a null
        value (an empty section) is an empty mapping."""
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(node, where, f"must be {what} (got {self.describe(node)})")
        seen: Dict[str, int] = {}
        out = []
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == _NULL_TAG:
                raise self.fail(key_node, where, "keys must be plain names")
            key = str(key_node.value)
            full = f"{where}.{key}" if where else key
            if key in seen:
                raise self.fail(key_node, full, f"duplicate key (first set on line {seen[key]})")
            seen[key] = key_node.start_mark.line + 1
            out.append((key, key_node, value_node))
        return out

    def describe(self, node: yaml.Node) -> str:
        if isinstance(node, yaml.MappingNode):
            return "a mapping"
        if isinstance(node, yaml.SequenceNode):
            return "a list"
        if node.tag == "tag:yaml.org,2002:bool":
            return _show(node.value)  # `off`, not False
        return _show(self.value(node, ""))

    def word(self, node: yaml.Node, where: str, choices: Tuple[str, ...], what: str) -> str:
        """One of CHOICES, read from the raw scalar text, so that YAML 1.1's
        `off` (which PyYAML reads as false) means the word a user wrote."""
        raw = node.value if isinstance(node, yaml.ScalarNode) and not self.is_null(node) else None
        if raw not in choices:
            got = _show(raw) if raw is not None else ("nothing" if self.is_null(node) else self.describe(node))
            raise self.fail(node, where, f"{what}must be one of {', '.join(choices)} (got {got})")
        return str(raw)

    def string(self, node: yaml.Node, where: str, what: str = "a string") -> str:
        if not isinstance(node, yaml.ScalarNode) or node.tag != _STR_TAG or not str(node.value).strip():
            got = self.describe(node) if not self.is_null(node) else "nothing"
            raise self.fail(node, where, f"must be {what} (got {got})")
        return str(node.value)

    def strings(self, node: yaml.Node, where: str, what: str = "path globs", one: str = "a path glob") -> Tuple[str, ...]:
        if self.is_null(node):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, where, f"must be a list of {what} (got {self.describe(node)})")
        return tuple(self.string(item, f"{where}[{i}]", one) for i, item in enumerate(node.value))

    # -- the file ----------------------------------------------------------
    def parse(self) -> Layer:
        root = self.document()
        if root is None:
            return Layer()
        schemas = family_schemas()
        known = KEYS + tuple(schemas)
        fields: Dict[str, Any] = {}
        for key, key_node, node in self.pairs(root, "", "a mapping of settings (see `guardrails init`)"):
            if key == "extends":
                fields["extends"] = self.string(node, key, "a path to another config file")
                fields["extends_line"] = node.start_mark.line + 1
            elif key == "rules":
                fields["rules"] = self.rules(node)
            elif key == "exclude":
                fields["exclude"] = self.strings(node, key, "path globs")
            elif key == "on_unreviewed":
                fields["on_unreviewed"] = self.word(node, key, ON_UNREVIEWED, "")
            elif key == "waivers":
                fields["waivers"] = self.waivers(node)
            elif key == "reviewer":
                fields["reviewer"] = self.reviewer(node)
            elif key in schemas:
                fields.setdefault("families", {})[key] = self.family(key, schemas[key], node)
            else:
                hint = difflib.get_close_matches(key, known, n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else f" (known: {', '.join(known)})"
                raise self.fail(key_node, key, "unknown key" + extra)
        return Layer(**fields)

    def rules(self, node: yaml.Node) -> Tuple[Tuple[str, str], ...]:
        ids = known_rules()
        out = []
        for pattern, key_node, value in self.pairs(node, "rules", "a mapping of rule id or glob to severity"):
            where = f"rules.{pattern}"
            severity = self.word(value, where, RULE_SEVERITIES, "severity ")
            if not any(rule_matches(pattern, rule_id) for rule_id in ids):
                raise self.fail(key_node, where, "matches no known rule (see `guardrails rules`)")
            out.append((pattern, severity))
        return tuple(out)

    def reviewer(self, node: yaml.Node) -> Dict[str, Any]:
        """The reviewer's settings (REVIEWER_SCHEMA); the pool's entries are
        checked one by one (REVIEWER_MODEL_SCHEMA, `model` required)."""
        out: Dict[str, Any] = {}
        for key, key_node, value in self.pairs(node, "reviewer", "a mapping of the reviewer's settings"):
            where = f"reviewer.{key}"
            if key not in REVIEWER_SCHEMA:
                hint = difflib.get_close_matches(key, list(REVIEWER_SCHEMA), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else f" (known: {', '.join(REVIEWER_SCHEMA)})"
                raise self.fail(key_node, where, "unknown key" + extra)
            if key == "pool":
                out[key] = self.reviewer_pool(value)
            elif key in ("agents", "families"):
                out[key] = {k: self.string(v, f"{where}.{k}", "a family name such as openai")
                            for k, _, v in self.pairs(value, where, "a mapping of name to model family")}
            else:
                out[key] = self.typed(value, REVIEWER_SCHEMA[key], where)
                self.in_range(value, out[key], key, where)
        return out

    def reviewer_pool(self, node: yaml.Node) -> List[Dict[str, Any]]:
        if self.is_null(node):
            return []
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, "reviewer.pool", "must be a list of models ({model, base_url, api_key_env, "
                            f"price_in, price_out, max_output_tokens}}) (got {self.describe(node)})")
        pool = []
        for i, item in enumerate(node.value):
            where = f"reviewer.pool[{i}]"
            if isinstance(item, yaml.ScalarNode) and not self.is_null(item):
                entry: Dict[str, Any] = {"model": self.string(item, where, "a model name or a mapping")}
            else:
                entry = {}
                for key, key_node, value in self.pairs(item, where, "a mapping with at least `model`"):
                    if key not in REVIEWER_MODEL_SCHEMA:
                        hint = difflib.get_close_matches(key, list(REVIEWER_MODEL_SCHEMA), n=1)
                        extra = f"; did you mean {hint[0]!r}?" if hint else \
                            f" (known: {', '.join(REVIEWER_MODEL_SCHEMA)})"
                        raise self.fail(key_node, f"{where}.{key}", "unknown key" + extra)
                    entry[key] = self.typed(value, REVIEWER_MODEL_SCHEMA[key], f"{where}.{key}")
                    self.in_range(value, entry[key], key, f"{where}.{key}")
                if not str(entry.get("model") or "").strip():
                    raise self.fail(item, where, "model is required")
            pool.append(entry)
        return pool

    def in_range(self, node: yaml.Node, value: Any, key: str, where: str) -> None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return
        if key == "min_confidence" and not 0.0 <= value <= 1.0:
            raise self.fail(node, where, f"must be between 0 and 1 (got {value})")
        if value < 0:
            raise self.fail(node, where, f"must not be negative (got {value})")

    def waivers(self, node: yaml.Node) -> Tuple[ConfigWaiver, ...]:
        if self.is_null(node):
            return ()
        if not isinstance(node, yaml.SequenceNode):
            raise self.fail(node, "waivers", f"must be a list of {{rule, path, reason}} (got {self.describe(node)})")
        ids = known_rules()
        out = []
        for i, item in enumerate(node.value):
            where = f"waivers[{i}]"
            entry = {}
            for key, key_node, value in self.pairs(item, where, "a mapping with rule, path and reason"):
                if key not in WAIVER_KEYS:
                    raise self.fail(key_node, f"{where}.{key}", f"unknown key (known: {', '.join(WAIVER_KEYS)})")
                entry[key] = (key_node, value)
            for required in ("rule", "reason"):
                if required not in entry:
                    raise self.fail(item, where, f"{required} is required")
            rule = self.string(entry["rule"][1], f"{where}.rule", "a rule id or glob")
            if not any(rule_matches(rule, rule_id) for rule_id in ids):
                raise self.fail(entry["rule"][1], f"{where}.rule", f"{rule!r} matches no known rule")
            reason = self.string(entry["reason"][1], f"{where}.reason", "a reason (why this is acceptable)")
            paths: Tuple[str, ...] = ()
            if "path" in entry:
                path_node = entry["path"][1]
                if isinstance(path_node, yaml.SequenceNode):
                    paths = self.strings(path_node, f"{where}.path", "path globs")
                else:
                    paths = (self.string(path_node, f"{where}.path", "a path glob or a list of them"),)
            out.append(ConfigWaiver(rule=rule, paths=paths, reason=reason.strip(),
                                    where=f"{self.label}:{item.start_mark.line + 1}"))
        return tuple(out)

    def family(self, name: str, schema: Mapping[str, Any], node: yaml.Node) -> Dict[str, Any]:
        out: Dict[str, Any] = {}
        for option, key_node, value in self.pairs(node, name, "a mapping of the family's options"):
            where = f"{name}.{option}"
            if option not in schema:
                known = ", ".join(sorted(schema)) or "none"
                hint = difflib.get_close_matches(option, list(schema), n=1)
                extra = f"; did you mean {hint[0]!r}?" if hint else ""
                raise self.fail(key_node, where, f"unknown option (options of {name}: {known}){extra}")
            out[option] = self.typed(value, schema[option], where)
        return out

    def typed(self, node: yaml.Node, default: Any, where: str) -> Any:
        """NODE's value, checked against the type of DEFAULT."""
        if default is None:
            return self.value(node, where)
        kind = type(default)
        if isinstance(default, bool):
            kind = bool
        elif isinstance(default, (list, tuple)):
            if not isinstance(node, yaml.SequenceNode):
                raise self.fail(node, where, f"must be a list (got {self.describe(node)})")
            # An empty default is a list of strings (codes, names, globs):
            # the common case, and what a family can rely on.
            sample = default[0] if default else ""
            items = [self.typed(item, sample, f"{where}[{i}]") for i, item in enumerate(node.value)]
            return tuple(items) if isinstance(default, tuple) else items
        elif isinstance(default, dict):
            result = {k: _copy(v) for k, v in default.items()}
            for key, _, value in self.pairs(node, where, "a mapping"):
                result[key] = self.typed(value, default[key], f"{where}.{key}") if key in default \
                    else self.value(value, f"{where}.{key}")
            return result
        value = self.value(node, where) if isinstance(node, yaml.ScalarNode) else None
        ok = isinstance(node, yaml.ScalarNode)
        if ok and kind is bool:
            ok = isinstance(value, bool)
        elif ok and kind is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif ok and kind is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok and value is not None else value
        elif ok and kind is str:
            ok = isinstance(value, str)
        elif ok:
            ok = isinstance(value, kind)
        if not ok:
            got = self.describe(node) if not self.is_null(node) else "nothing"
            hint = "; quote it to make it a string" if kind is str and isinstance(node, yaml.ScalarNode) \
                and not self.is_null(node) else ""
            raise self.fail(node, where, f"must be {_TYPE_NAMES.get(kind, kind.__name__)} (got {got}){hint}")
        return value


def parse_layer(text: str, label: str) -> Layer:
    """Validate one config file's TEXT (LABEL names it in errors)."""
    parser = _Parser(text, label)
    try:
        return parser.parse()
    finally:
        parser.loader.dispose()


def merge(layers: List[Layer], source: str, files: Tuple[str, ...] = ()) -> Config:
    """Defaults, then LAYERS from the most distant parent to the file itself:
    a later layer overrides an earlier one.  Rule overrides are kept in that
    order (the last match wins); excludes and waivers add up; family options
    and reviewer keys override one by one."""
    families = family_defaults()
    rules: List[Tuple[str, str]] = []
    exclude: List[str] = []
    waivers: List[ConfigWaiver] = []
    reviewer: Dict[str, Any] = {}
    on_unreviewed = "block"
    for layer in layers:
        rules.extend(layer.rules)
        exclude.extend(p for p in layer.exclude if p not in exclude)
        waivers.extend(layer.waivers)
        reviewer.update(layer.reviewer)
        if layer.on_unreviewed is not None:
            on_unreviewed = layer.on_unreviewed
        for name, options in layer.families.items():
            families.setdefault(name, {}).update(options)
    return Config(rules=tuple(rules), exclude=tuple(exclude), on_unreviewed=on_unreviewed,
                  families=families, source=source, reviewer=reviewer, waivers=tuple(waivers),
                  files=files)


def parse(text: str, source: str) -> Config:
    """One self-contained config text (no extends) -> Config."""
    layer = parse_layer(text, source)
    if layer.extends is not None:
        raise GuardError(f"{source}:{layer.extends_line}: extends: not supported here")
    return merge([layer], source)


# ---------------------------------------------------------------------------
# Where the policy is read from.

class _Place(NamedTuple):
    kind: str  # "rev": a repository path read from the policy revision; "disk": a file
    path: str  # repository-relative POSIX path ("rev") or absolute path ("disk")
    label: str  # how messages name it


class _Reader:
    """Reads policy files without ever taking them from the change judged."""

    def __init__(self, change: ChangeSet, cwd: str):
        self.change = change
        self.cwd = cwd
        self.root = change.repo or cwd
        self.touched: Dict[str, Any] = {}
        for fc in change.files:
            for p in (fc.path, fc.old_path):
                if p:
                    self.touched[p] = fc

    def revision(self) -> str:
        change = self.change
        rev = (change.base_rev or "")[:12]
        if change.mode == "staged":
            return f"HEAD {rev}" if rev else "HEAD"
        return f"base revision {rev}" if rev else "base revision"

    def relative(self, path: str) -> Optional[str]:
        """PATH relative to the repository (None when outside it)."""
        try:
            rel = os.path.relpath(os.path.realpath(path), os.path.realpath(self.root))
        except ValueError:  # another drive (Windows)
            return None
        if rel == os.curdir or rel.startswith(os.pardir + os.sep) or rel == os.pardir:
            return None
        return rel.replace(os.sep, "/")

    def touched_by_change(self, place: _Place) -> Optional[str]:
        rel = place.path if place.kind == "rev" else self.relative(place.path)
        return rel if rel is not None and rel in self.touched else None

    def read(self, place: _Place) -> Tuple[Optional[str], str]:
        """(text or None, a note on where it came from)."""
        if place.kind == "rev":
            return self.change.read_base(place.path), self.revision()
        rel = self.touched_by_change(place)
        if rel is not None:
            # The change edits this policy file: judge by what stood before.
            if self.change.mode in ("git", "staged"):
                return self.change.read_base(rel), f"{self.revision()}, since the change edits it"
            return self.preimage(rel, place), "as before the diff, which edits it"
        try:
            with open(place.path, "rb") as f:
                data = f.read()
        except FileNotFoundError:
            return None, "no such file"
        except OSError as exc:
            raise GuardError(f"cannot read {place.label}: {exc.strerror}") from None
        return data.decode("utf-8", "surrogateescape"), \
            "working tree" if self.change.repo and self.relative(place.path) is not None else "file"

    def preimage(self, rel: str, place: _Place) -> Optional[str]:
        fc = self.touched[rel]
        # The diff's own idea of the earlier version is untrusted: while the
        # working tree does not hold the diff's result, the diff is not
        # applied yet and the working tree is the version before it.
        try:
            with open(place.path, "rb") as f:
                disk: Optional[str] = f.read().decode("utf-8", "surrogateescape")
        except OSError:
            disk = None
        if disk is not None and not _applied(fc, rel, disk):
            return disk
        if fc.old_path != rel:
            return None  # the diff creates this file: before it, there was none
        old = fc.old_text()
        if old is not None and fc.status != "deleted":
            return old  # from a blob git holds (or an earlier patch of the series)
        if fc.status == "deleted" and fc.hunks and self.change.repo:
            from guardrails import git
            removed = "".join(line.text + "\n" for line in fc.removed())
            head = git.cat_blobs([f"HEAD:{rel}"], self.change.repo).get(f"HEAD:{rel}")
            if head is not None and head.decode("utf-8", "surrogateescape") == removed:
                return removed  # the deleted lines are the committed file's
        raise GuardError(f"the diff edits {place.label} but its earlier version is not in this "
                         "repository: pass --config with the policy to judge it by")

    def parent(self, place: _Place, target: str, line: int) -> _Place:
        """The place of `extends: TARGET` written in PLACE."""
        if os.path.isabs(target):
            return _Place("disk", os.path.normpath(target), target)
        if place.kind == "rev":
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(place.path), target))
            if joined == ".." or joined.startswith("../"):
                raise GuardError(f"{place.label}:{line}: extends: {target!r} points outside the repository")
            return _Place("rev", joined, joined)
        joined = os.path.normpath(os.path.join(os.path.dirname(place.path), target))
        rel = self.relative(joined)
        return _Place("disk", joined, rel if rel is not None else joined)


def _applied(fc: Any, rel: str, disk: str) -> bool:
    """Whether the working tree's REL (text DISK) already holds what the
    diff entry FC makes of it.  Without the whole new text (hunks only),
    a file counts as not applied only when every hunk's old side stands at
    its place and some hunk's new side does not."""
    if fc.status == "deleted" or fc.path != rel:
        return False  # the file the diff removes or renames away is still there
    new = fc.new_text()
    if new is not None:
        return disk == new
    lines = disk.splitlines()

    def stands(side: str) -> bool:
        for hunk in fc.hunks:
            want = [ln.text for ln in hunk.lines if ln.kind in (" ", side)]
            start = (hunk.old_start if side == "-" else hunk.new_start) - 1
            if lines[max(start, 0):max(start, 0) + len(want)] != want:
                return False
        return True
    return not (stands("-") and not stands("+"))


def load(change: ChangeSet, explicit: Optional[str] = None, cwd: Optional[str] = None) -> Config:
    """The policy that judges CHANGE (see the module docstring)."""
    cwd = cwd or os.getcwd()
    reader = _Reader(change, cwd)
    if explicit:
        path = os.path.abspath(os.path.join(cwd, explicit))
        start = _Place("disk", path, explicit)
    elif change.mode == "diff" or change.repo is None:
        path = os.path.join(change.repo or cwd, CONFIG_NAME)
        start = _Place("disk", path, CONFIG_NAME)
    else:
        start = _Place("rev", CONFIG_NAME, CONFIG_NAME)

    text, where = reader.read(start)
    if text is None:
        if explicit and reader.touched_by_change(start) is None:
            raise GuardError(f"cannot read --config {explicit}: no such file")
        if explicit:
            return defaults(f"defaults (--config {explicit} is new in this change, so it cannot judge it)")
        return defaults()

    layers: List[Layer] = []
    files: List[str] = []
    seen: List[Tuple[str, str]] = []
    place = start
    chain_note = []
    while True:
        key = (place.kind, place.path)
        if key in seen:
            raise GuardError(f"{place.label}: extends: cycle ({' -> '.join(p for _, p in seen + [key])})")
        if len(seen) >= MAX_EXTENDS:
            raise GuardError(f"{place.label}: extends: chain longer than {MAX_EXTENDS} files")
        seen.append(key)
        layer = parse_layer(text or "", place.label)
        layers.append(layer)
        file_rel = place.path if place.kind == "rev" else reader.relative(place.path)
        if file_rel is not None:
            files.append(file_rel)
        if place is not start:
            chain_note.append(place.label)
        if layer.extends is None:
            break
        parent = reader.parent(place, layer.extends, layer.extends_line)
        parent_text, parent_where = reader.read(parent)
        if parent_text is None:
            raise GuardError(f"{place.label}:{layer.extends_line}: extends: cannot read "
                             f"{layer.extends!r} ({parent_where})")
        place, text = parent, parent_text
    source = f"{start.label} ({where})"
    if chain_note:
        source += " extends " + " extends ".join(chain_note)
    layers.reverse()  # the most distant parent first
    return merge(layers, source, tuple(files))
