#!/usr/bin/env python3
"""Every regular expression of guardrails against long adversarial lines.

A change may add a line of up to limits.max_line_chars (250,000) characters,
and every check runs its regular expressions over added lines; a pattern
that backtracks (time quadratic or worse in the line's length) lets one
line stall the gate.  This script imports every module of the package,
collects each compiled pattern held by a module or class, and times
`finditer` over adversarial lines built from the characters each pattern
names (repeats of one character, of two alternating ones, and the pattern's
own literal pieces repeated), at N and 4 x N characters.  A linear pattern
takes about 4x longer on the longer line; a quadratic one about 16x.

It prints the patterns whose time grows more than --ratio (default 8) times
and that take more than --floor seconds (default 0.02) on the longer line,
worst first, and exits 1 when there is any.  It is a screen: it searches
at every position, so a pattern its module only uses anchored (`match` or
`fullmatch` at one place) may be linear as used; benchmarks/bench_long_lines.py
measures the whole guard instead.

Usage:
  python benchmarks/bench_regex.py [--n 4000] [--ratio 8] [--floor 0.02] [--module guardrails.x]
"""
from __future__ import annotations

import argparse
import importlib
import itertools
import os
import pkgutil
import re
import sys
import time
from typing import Dict, Iterator, List, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import guardrails  # noqa: E402  (after the path is set)

BASE_CHARS = " \t#/*-:=,;.'\"`{}[]()<>\\|!?@$%&+_~^0aA"


def patterns(only: str = "") -> Iterator[Tuple[str, "re.Pattern[str]"]]:
    seen = set()
    for info in pkgutil.walk_packages(guardrails.__path__, "guardrails."):
        if info.name.endswith("__main__") or (only and not info.name.startswith(only)):
            continue
        module = importlib.import_module(info.name)
        holders = [(info.name, vars(module))]
        holders += [(f"{info.name}.{k}", vars(v)) for k, v in vars(module).items()
                    if isinstance(v, type) and v.__module__ == info.name]
        for prefix, space in holders:
            for name, value in space.items():
                items = value if isinstance(value, (tuple, list)) else (value,)
                for k, item in enumerate(items):
                    if isinstance(item, re.Pattern) and isinstance(item.pattern, str) and id(item) not in seen:
                        seen.add(id(item))
                        yield (f"{prefix}.{name}" + (f"[{k}]" if len(items) > 1 else "")), item
                    elif hasattr(item, "regex") and isinstance(getattr(item, "regex"), re.Pattern) \
                            and id(item.regex) not in seen:  # rule tables of NamedTuples
                        seen.add(id(item.regex))
                        yield f"{prefix}.{name}[{k}].regex", item.regex


def pieces(pattern: str) -> List[str]:
    """Literal words in PATTERN (the text an attacker repeats to keep the
    engine trying): runs of letters, and the keyword-like alternatives."""
    words = re.findall(r"[A-Za-z][A-Za-z_-]{1,20}", re.sub(r"\\[a-zA-Z]", " ", pattern))
    return list(dict.fromkeys(words))[:12]


def lines(pattern: str, n: int) -> Iterator[Tuple[str, str]]:
    for c in BASE_CHARS:
        yield repr(c * 3), c * n
    for a, b in itertools.combinations(" #:=-'\"{a0", 2):
        yield repr(a + b), (a + b) * (n // 2)
    for w in pieces(pattern):
        yield repr(w + " "), (w + " ") * (n // (len(w) + 1))
        yield repr(w + ":"), (w + ":") * (n // (len(w) + 1))
        yield repr("#" + w), ("#" + w) * (n // (len(w) + 1))


def timed(rx: "re.Pattern[str]", text: str, budget: float) -> float:
    start = time.perf_counter()
    for _ in rx.finditer(text):
        if time.perf_counter() - start > budget:
            break
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=4000, help="length of the short line (default 4000)")
    parser.add_argument("--ratio", type=float, default=8.0)
    parser.add_argument("--floor", type=float, default=0.02)
    parser.add_argument("--module", default="", help="only modules whose name starts with this")
    args = parser.parse_args()
    bad: Dict[str, Tuple[float, float, str, str]] = {}
    count = 0
    started = time.perf_counter()
    for name, rx in patterns(args.module):
        count += 1
        for label, short in lines(rx.pattern, args.n):
            t1 = timed(rx, short, 5.0)
            if t1 < args.floor / 16:
                long_t = timed(rx, short * 4, 5.0)
            else:
                long_t = timed(rx, short * 4, 20.0)
            ratio = long_t / max(t1, 1e-6)
            if long_t > args.floor and ratio > args.ratio and (name not in bad or long_t > bad[name][1]):
                bad[name] = (ratio, long_t, label, rx.pattern[:90])
    print(f"{count} patterns, lines of {args.n:,} and {4 * args.n:,} characters, "
          f"{time.perf_counter() - started:.0f} s")
    for name, (ratio, long_t, label, pat) in sorted(bad.items(), key=lambda kv: -kv[1][1]):
        print(f"  {long_t:7.3f} s  x{ratio:5.1f}  {name}  on {label} repeated  {pat!r}")
    print(f"super-linear: {len(bad)}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
