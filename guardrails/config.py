"""Configuration: `.guardrails.yml` (or --config FILE), validated.

The policy that judges a change never comes from that change: with --base it
is read from the base revision, with --staged from HEAD's committed file,
with --diff from the working tree (or --config).
"""
from __future__ import annotations

from typing import Any, Dict, Mapping, NamedTuple, Optional, Tuple

import yaml

from guardrails.errors import GuardError
from guardrails.model import SEVERITIES, ChangeSet, glob_match

CONFIG_NAME = ".guardrails.yml"


class Config(NamedTuple):
    # (rule id or glob, severity or "off"), in file order; the last match wins.
    rules: Tuple[Tuple[str, str], ...] = ()
    exclude: Tuple[str, ...] = ()
    on_unreviewed: str = "block"
    # Family NAME -> its settings, defaults filled in.
    families: Mapping[str, Mapping[str, Any]] = {}
    source: str = "defaults"

    def severity_for(self, rule_id: str, default: str) -> Optional[str]:
        """The configured severity for RULE_ID, None when it is turned off."""
        result = default
        for pattern, severity in self.rules:
            if glob_match(rule_id, [pattern]):
                result = severity
        return None if result == "off" else result

    def excluded(self, path: str) -> bool:
        return glob_match(path, list(self.exclude))


def family_defaults() -> Dict[str, Dict[str, Any]]:
    from guardrails import checks
    return {m.NAME: dict(m.CONFIG_SCHEMA) for m in checks.families()}


def parse(text: str, source: str) -> Config:
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        raise GuardError(f"{source}: invalid YAML: {str(exc).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise GuardError(f"{source}: the configuration must be a mapping")
    families = family_defaults()
    rules = []
    for pattern, severity in (data.get("rules") or {}).items():
        if severity not in SEVERITIES + ("off",):
            raise GuardError(f"{source}: rules.{pattern}: severity must be one of block, escalate, info, off")
        rules.append((str(pattern), severity))
    for name, settings in families.items():
        settings.update(data.get(name) or {})
    return Config(rules=tuple(rules), exclude=tuple(data.get("exclude") or ()),
                  on_unreviewed=data.get("on_unreviewed", "block"), families=families, source=source)


def load(change: ChangeSet, explicit: Optional[str] = None) -> Config:
    if explicit:
        try:
            with open(explicit, encoding="utf-8") as f:
                return parse(f.read(), explicit)
        except OSError as exc:
            raise GuardError(f"cannot read --config {explicit}: {exc.strerror}") from None
    text = change.read_base(CONFIG_NAME) if change.mode != "diff" else change.read_head(CONFIG_NAME)
    if text is None:
        return Config(families=family_defaults())
    return parse(text, CONFIG_NAME)
