#!/usr/bin/env python3
"""Build guardrails/data/popular-pypi.txt and popular-npm.txt.

Source: the package index snapshots shipped on the build machine,
``/work/.library/env/packages/pypi.tsv`` (columns: name, version, month,
rank_among_15000_most_downloaded, summary) and ``npm.tsv`` (columns: name,
version, downloads_a_month, summary).  They are listings of the public PyPI
and npm registries with their download ranks (PyPI: rank among the 15,000
most-downloaded projects; npm: monthly downloads).  Only the package *names*
are kept -- public registry identifiers, which are facts, not creative text;
no summary or other text is copied.  The generated files are released with
this project under its MIT licence, and say so in their header.

The lists feed the dependency family's look-alike check (a new name one or
two edits away from a popular name) and its offline "known package" test.

It also writes the two "not a third-party package" lists of the undeclared
import check: ``python-stdlib.txt`` (``sys.stdlib_module_names`` of the
running interpreter plus the modules that Python 3.12/3.13 removed, so code
for older Pythons is judged right on any Python >= 3.10) and
``node-builtins.txt`` (``require('module').builtinModules`` of the node on
PATH, falling back to the list below for Node 20).

Usage: python scripts/build_popular_lists.py [--pypi TSV] [--npm TSV] [--top N]
"""
from __future__ import annotations

import argparse
import csv
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "..", "guardrails", "data")
DEFAULT_DIR = "/work/.library/env/packages"
MAX_BYTES = 300_000

HEADER = """\
# Popular {eco} packages, most downloaded first, one normalised name a line.
# Built by scripts/build_popular_lists.py from {source}
# ({basis}); names only, taken {count} of them.
# Package names are public registry identifiers; this file is part of
# guardrails and shipped under its MIT licence.
"""


def pep503(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def read_tsv(path: str):
    csv.field_size_limit(sys.maxsize)
    with open(path, encoding="utf-8", errors="replace", newline="") as f:
        reader = csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)
        header = next(reader)
        for row in reader:
            if len(row) >= len(header) - 1:
                yield dict(zip(header, row))


def pypi_names(path: str, top: int) -> list:
    ranked = []
    for row in read_tsv(path):
        rank = (row.get("rank_among_15000_most_downloaded") or "").strip()
        if rank.isdigit() and int(rank) > 0:
            ranked.append((int(rank), pep503(row["name"].strip())))
    ranked.sort()
    return _unique(name for _, name in ranked)[:top]


NPM_NAME = re.compile(r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$")


def npm_names(path: str, top: int) -> list:
    rows = []
    for row in read_tsv(path):
        downloads = (row.get("downloads_a_month") or "").strip()
        name = row["name"].strip().lower()
        if downloads.isdigit() and NPM_NAME.match(name):
            rows.append((-int(downloads), name))
    rows.sort()
    return _unique(name for _, name in rows)[:top]


def _unique(names) -> list:
    return list(dict.fromkeys(n for n in names if n))


def write(path: str, eco: str, source: str, basis: str, names: list) -> None:
    text = HEADER.format(eco=eco, source=source, basis=basis, count=len(names)) + "\n".join(names) + "\n"
    if len(text.encode("utf-8")) > MAX_BYTES:
        raise SystemExit(f"{path}: {len(text)} bytes, over the {MAX_BYTES} limit; lower --top")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    print(f"{path}: {len(names)} names, {len(text)} bytes")


# Standard-library modules removed by PEP 594 (3.13), distutils/imp (3.12),
# and a few removed earlier that old code still imports.
REMOVED_STDLIB = (
    "aifc", "asynchat", "asyncore", "audioop", "binhex", "cgi", "cgitb", "chunk", "crypt",
    "distutils", "dummy_threading", "_dummy_thread", "formatter", "imghdr", "imp", "lib2to3",
    "macpath", "mailcap", "msilib", "nis", "nntplib", "ossaudiodev", "parser", "pipes", "smtpd",
    "sndhdr", "spwd", "sunau", "symbol", "telnetlib", "uu", "xdrlib", "_bootlocale",
)

NODE_BUILTINS = (
    "_http_agent _http_client _http_common _http_incoming _http_outgoing _http_server "
    "_stream_duplex _stream_passthrough _stream_readable _stream_transform _stream_wrap "
    "_stream_writable _tls_common _tls_wrap assert assert/strict async_hooks buffer "
    "child_process cluster console constants crypto dgram diagnostics_channel dns "
    "dns/promises domain events fs fs/promises http http2 https inspector inspector/promises "
    "module net os path path/posix path/win32 perf_hooks process punycode querystring "
    "readline readline/promises repl stream stream/consumers stream/promises stream/web "
    "string_decoder sys timers timers/promises tls trace_events tty url util util/types v8 "
    "vm wasi worker_threads zlib test test/reporters sea sqlite"
).split()


def write_builtins(out: str) -> None:
    import shutil
    import subprocess
    names = set(sys.stdlib_module_names) | set(REMOVED_STDLIB)  # type: ignore[attr-defined]  # new in Python 3.10
    with open(os.path.join(out, "python-stdlib.txt"), "w", encoding="utf-8") as f:
        f.write("# Python standard-library top-level modules (sys.stdlib_module_names of Python "
                f"{sys.version_info[0]}.{sys.version_info[1]} plus removed ones).\n"
                "# Built by scripts/build_popular_lists.py; part of guardrails (MIT).\n")
        f.write("\n".join(sorted(names)) + "\n")
    node = set(NODE_BUILTINS)
    if shutil.which("node"):
        proc = subprocess.run(["node", "-e", "console.log(require('module').builtinModules.join('\\n'))"],
                              stdout=subprocess.PIPE, text=True, check=False)
        node |= {ln.strip() for ln in proc.stdout.splitlines() if ln.strip()}
    with open(os.path.join(out, "node-builtins.txt"), "w", encoding="utf-8") as f:
        f.write("# Node.js built-in modules (require('module').builtinModules, Node 20+), importable\n"
                "# bare or with the node: prefix.  Built by scripts/build_popular_lists.py; MIT.\n")
        f.write("\n".join(sorted(node)) + "\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pypi", default=os.path.join(DEFAULT_DIR, "pypi.tsv"))
    ap.add_argument("--npm", default=os.path.join(DEFAULT_DIR, "npm.tsv"))
    ap.add_argument("--top", type=int, default=15000)
    ap.add_argument("--out", default=DATA)
    args = ap.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    write_builtins(args.out)
    write(os.path.join(args.out, "popular-pypi.txt"), "PyPI", "pypi.tsv",
          "PyPI projects ranked among the 15,000 most downloaded", pypi_names(args.pypi, args.top))
    write(os.path.join(args.out, "popular-npm.txt"), "npm", "npm.tsv",
          "npm packages by monthly downloads", npm_names(args.npm, args.top))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
