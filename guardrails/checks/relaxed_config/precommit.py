"""pre-commit: .pre-commit-config.yaml (hooks removed, exclude grown, files or
stages narrowed, --exit-zero added, pre-commit.ci skips grown)."""
from __future__ import annotations

from collections import Counter
from typing import Any, Dict, List, Optional

from guardrails.checks.relaxed_config.base import (
    CI,
    Relaxation,
    as_list,
    basename_in,
    grown,
    load_yaml,
    minus,
    plus,
    regex_parts,
    relax,
    seq,
)

TOOL = "pre-commit"
RULE = CI
FILES = (".pre-commit-config.yaml", ".pre-commit-config.yml")
matches = basename_in(FILES)

_STAGE_ALIASES = {"commit": "pre-commit", "push": "pre-push", "merge-commit": "pre-merge-commit"}
_NEUTERING_ARGS = ("--exit-zero", "--exit-non-zero-on-fix=false", "--warn-only", "--no-fail")


def extract(name: str, text: str) -> Optional[Dict[str, Any]]:
    data = load_yaml(text)
    return data if isinstance(data, dict) else {}


def empty() -> Dict[str, Any]:
    return {}


def _hooks(cfg: Dict[str, Any]) -> List[Dict[str, Any]]:
    out = []
    for repo in seq(cfg.get("repos")):
        if not isinstance(repo, dict):
            continue
        for hook in seq(repo.get("hooks")):
            if isinstance(hook, dict) and hook.get("id"):
                out.append(hook)
    return out


def _repo_ids(cfg: Dict[str, Any]) -> Dict[str, set]:
    out: Dict[str, set] = {}
    for repo in seq(cfg.get("repos")):
        if isinstance(repo, dict):
            ids = {str(h.get("id")) for h in seq(repo.get("hooks")) if isinstance(h, dict)}
            out.setdefault(str(repo.get("repo", "")).rstrip("/").lower(), set()).update(ids)
    return out


def _stages(value: Any) -> Optional[List[str]]:
    if value is None:
        return None
    return [_STAGE_ALIASES.get(s, s) for s in as_list(value)]


def compare(old: Dict[str, Any], new: Dict[str, Any]) -> List[Relaxation]:
    out: List[Relaxation] = []
    ho, hn = _hooks(old), _hooks(new)
    co, cn = Counter(str(h["id"]) for h in ho), Counter(str(h["id"]) for h in hn)
    removed = [hid for hid in co if cn[hid] < co[hid]]
    # A hook renamed by its own repository (ruff -> ruff-check) is not removed.
    repo_old, repo_new = _repo_ids(old), _repo_ids(new)
    removed = [hid for hid in removed
               if not any(hid in ids and (repo_new.get(url, set()) - ids) for url, ids in repo_old.items())]
    if removed:
        out.append(relax(RULE, "hooks", "hooks: " + minus(removed), ("id", removed[0]), (removed[0],), side="old",
                         note="hooks no longer run"))
    old_by_id: Dict[str, Dict[str, Any]] = {}
    for h in ho:
        old_by_id.setdefault(str(h["id"]), h)
    default_old = _stages(old.get("default_stages"))
    default_new = _stages(new.get("default_stages"))
    for hook in hn:
        hid = str(hook["id"])
        before = old_by_id.get(hid)
        if before is None:
            continue
        more = grown(regex_parts(before.get("exclude")), regex_parts(hook.get("exclude")))
        if more:
            out.append(relax(RULE, f"{hid}.exclude", f"{hid} exclude: " + plus(more), (more[0],), ("exclude",),
                             note="files no longer checked by this hook"))
        fo, fn = regex_parts(before.get("files")), regex_parts(hook.get("files"))
        if fn and fn != fo and (not fo or grown(fn, fo)):
            out.append(relax(RULE, f"{hid}.files", f"{hid} files: {before.get('files') or '(all)'} -> {hook.get('files')}",
                             ("files", fn[0]), ("files",), note="hook runs on fewer files"))
        so = _stages(before.get("stages")) or default_old
        sn = _stages(hook.get("stages")) or default_new
        if sn is not None and (so is None or grown(sn, so)):
            text = ", ".join(so) if so else "(all)"
            out.append(relax(RULE, f"{hid}.stages", f"{hid} stages: {text} -> {', '.join(sn)}", ("stages",),
                             note="hook runs at fewer stages" + (" (manual only: never on commit)"
                                                                 if sn == ["manual"] else "")))
        args = grown(as_list(before.get("args"), sep=r"\s+"), as_list(hook.get("args"), sep=r"\s+"))
        bad = [a for a in args if a.split("=")[0] in _NEUTERING_ARGS or a in _NEUTERING_ARGS]
        if bad:
            out.append(relax(RULE, f"{hid}.args", f"{hid} args: " + plus(bad), (bad[0],),
                             note="the hook can no longer fail"))
    more = grown(regex_parts(old.get("exclude")), regex_parts(new.get("exclude")))
    if more:
        out.append(relax(RULE, "exclude", "exclude: " + plus(more), ("exclude", more[0]), (more[0],),
                         ("exclude",), note="files no longer checked by any hook"))
    if default_new is not None and (default_old is None or grown(default_new, default_old)):
        out.append(relax(RULE, "default_stages", f"default_stages: {', '.join(default_old or ['(all)'])} -> "
                         f"{', '.join(default_new)}", ("default_stages",), note="hooks run at fewer stages"))
    ci_old: Dict[str, Any] = old["ci"] if isinstance(old.get("ci"), dict) else {}
    ci_new: Dict[str, Any] = new["ci"] if isinstance(new.get("ci"), dict) else {}
    skips = grown(as_list(ci_old.get("skip")), as_list(ci_new.get("skip")))
    if skips:
        out.append(relax(RULE, "ci.skip", "ci.skip: " + plus(skips), (skips[0],), ("skip",),
                         note="pre-commit.ci no longer runs these hooks"))
    return out
