"""Dependency family: what a change does to the project's dependencies.

The parsing layer (``manifests/``, ``lockfiles``, ``sources``, ``diff``)
turns manifests and lockfiles of both sides into ``DepChange`` records; the
policy layer (``policy``, ``imports``, ``names``, ``registry``) judges them:
undeclared imports, unused new packages, look-alike names, and -- with
``--online`` -- names the registry does not know or first saw days ago.
"""
from __future__ import annotations

from typing import Iterable, List

from guardrails.errors import GuardError
from guardrails.model import ChangeSet, Context, Finding

NAME = "dependency"
CONFIG_SCHEMA: dict = {
    # Approved names or globs ("requests", "@acme/*", "npm:left-pad"): no name checks.
    "allow": [],
    # Forbidden names or globs: a change adding one is blocked (denied-package).
    "deny": [],
    # A file of the repository listing approved packages, one a line (read from the base revision).
    "approved_file": "",
    # Ecosystems to check.
    "ecosystems": ["pypi", "npm", "go", "cargo", "rubygems", "maven", "actions", "conda", "composer",
                   "nuget", "docker", "pre-commit"],
    # young-package: first release younger than this many days, or fewer releases than min_releases.
    "max_age_days": 30,
    "min_releases": 3,
    # Ask the registries (also turned on by --online).
    "online": False,
    "pypi_url": "https://pypi.org",
    "npm_url": "https://registry.npmjs.org",
    "crates_url": "https://crates.io",
    "goproxy_url": "https://proxy.golang.org",
    # A private index (PEP 503 simple index / npm registry) whose packages are known, not hallucinated.
    "index_url": "",
    # Registry answers cache ("" = $XDG_CACHE_HOME/guardrails or ~/.cache/guardrails; "-" = none).
    "cache_dir": "",
    # Seconds per registry request.
    "timeout": 5.0,
    # Action owners/repos (globs, e.g. "actions/*") whose tags are trusted: no unpinned-action finding.
    "trusted_actions": [],
    # Package index URLs (prefixes or globs) a change may add without a new-package-index finding.
    "allowed_indexes": [],
}


def _settings(ctx: Context) -> dict:
    merged = dict(CONFIG_SCHEMA)
    merged.update(ctx.settings or {})
    for key in ("allow", "deny", "ecosystems"):
        value = merged.get(key)
        if isinstance(value, str):
            merged[key] = [value]
        elif not isinstance(value, (list, tuple)):
            raise GuardError(f"dependency.{key}: must be a list")
    return merged


def check(change: ChangeSet, ctx: Context) -> Iterable[Finding]:
    from guardrails.checks.dependency import diff, policy, sources

    settings = _settings(ctx)
    ctx = ctx._replace(settings=settings)
    enabled = [str(e).lower() for e in settings["ecosystems"]]
    changes = diff.dependency_changes(change)
    out: List[Finding] = []
    known = set(CONFIG_SCHEMA["ecosystems"])
    out.extend(f for f in diff.manifest_findings(changes)
               if (f.details or {}).get("ecosystem") not in known or f.details["ecosystem"] in enabled)
    out.extend(sources.check(change, ctx))
    needs_declared = any(f.path.endswith((".py", ".pyi") + _JS) for f in change.files)
    declared = diff.declared(change) if needs_declared else {}
    out.extend(policy.evaluate(change, ctx, changes, declared, enabled))
    return out


_JS = (".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts", ".vue", ".svelte", ".astro")
