"""H9: every outbound HTTP request in the project goes through the one guarded client, core/fetch.py."""

import ast
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRS = {".venv", "venv", ".git", "node_modules", "__pycache__", ".mypy_cache", ".ruff_cache", ".hypothesis"}
SKIPPED_PATHS = {"var", "static", "bench/results"}  # data, not code
EXPECTED_DIRS = {"config", "core", "accounts", "courses", "posts", "network", "syndication"}

THE_CLIENT = "core/fetch.py"

# Benchmark drivers that must talk to a server without the guard, each with its reason. A load generator
# hammering our own 127.0.0.1 feed server, or the `reader` library run as a baseline to compare against
# (it fetches with its own client), is legitimate there and nowhere else. Add entries one file at a time.
BENCH_ALLOWED: dict[str, str] = {
    "bench/feed_farm.py": (
        "the loopback feed farm: its self-test drives load at its own 127.0.0.1 server with raw asyncio "
        "sockets, and get_json() reads the farm's /_info and /_stats (it asserts the base URL is 127.0.0.1)"
    ),
    "bench/harvest_bench.py": (
        "runs the `reader` library as the baseline our harvester is compared with; reader fetches with its "
        "own client, pointed only at the loopback farm"
    ),
    "bench/load_bench.py": (
        "checks each page of the load mix once with http.client before wrk runs, on the server it started itself "
        "at 127.0.0.1 (the host is fixed in get())"
    ),
}

# Command-line tools an operator runs by hand against a Commonplace they name: clients of our own API, never
# run by the web app or the worker, and never fetching an address a user typed into the site.
TOOLS_ALLOWED: dict[str, str] = {
    "api/management/commands/api.py": (
        "`commonplace api season FILE --url URL --token T` posts a season file to the REST API of the site at "
        "--url (http or https only), with the operator's own token"
    ),
}

# Importing any of these modules is an outbound HTTP client of its own.
CLIENT_MODULES = {"requests", "httpx", "urllib3", "urllib.request", "http.client", "pycurl", "aiohttp.client", "reader"}
# Names in aiohttp that make requests (aiohttp.web, aiohttp.abc and friends are fine: servers and types).
AIOHTTP_CLIENT_NAMES = {"ClientSession", "request", "TCPConnector", "UnixConnector", "BaseConnector", "client"}
# Raw connections that skip the client (and so the guard) altogether.
RAW_CONNECTS = {("socket", "create_connection"), ("asyncio", "open_connection")}
# A feedparser argument with one of these in its name is taken to be a URL: feedparser would fetch it itself.
URLISH = ("url", "uri", "href", "link", "location", "address")
# A file without any of these words can't contain a finding, so it isn't parsed (keeps the scan fast).
TRIGGERS = ("requests", "httpx", "urllib", "http", "aiohttp", "reader", "feedparser", "pycurl", "_connection")


@dataclass
class _Scanner(ast.NodeVisitor):
    """Finds outbound-HTTP call sites in one module's AST."""

    findings: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # local name -> dotted origin

    def _flag(self, node: ast.AST, what: str) -> None:
        self.findings.append(f"line {getattr(node, 'lineno', '?')}: {what}")

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            bound = alias.asname or alias.name.split(".")[0]  # `import a.b` binds `a`; `import a.b as c` binds a.b
            self.aliases[bound] = alias.name if alias.asname else bound
            if _is_client_module(alias.name):
                self._flag(node, f"import {alias.name}")
        self.generic_visit(node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            origin = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = origin
            if _is_client_module(module) or _is_client_module(origin) or _is_aiohttp_client(origin):
                self._flag(node, f"from {module} import {alias.name}")
        self.generic_visit(node)

    def _dotted(self, node: ast.expr) -> str | None:
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, node.id)
        if isinstance(node, ast.Attribute):
            base = self._dotted(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self._dotted(node)
        if dotted and (_is_aiohttp_client(dotted) or dotted in {"urllib.request", "http.client"}):
            self._flag(node, dotted)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        dotted = self._dotted(node.func) or ""
        if tuple(dotted.rsplit(".", 1)) in RAW_CONNECTS:
            self._flag(node, f"{dotted}()")
        if dotted in {"feedparser.parse", "feedparser.api.parse"}:
            source = node.args[0] if node.args else next((kw.value for kw in node.keywords), None)
            if source is not None and _looks_like_url(source):
                self._flag(node, "feedparser.parse() given a URL (feedparser would fetch it, unguarded)")
        self.generic_visit(node)


def _is_client_module(name: str) -> bool:
    return any(name == module or name.startswith(f"{module}.") for module in CLIENT_MODULES)


def _is_aiohttp_client(dotted: str) -> bool:
    parts = dotted.split(".")
    return len(parts) >= 2 and parts[0] == "aiohttp" and parts[1] in AIOHTTP_CLIENT_NAMES


def _looks_like_url(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)  # str is a URL, a file name or markup to feedparser: never safe
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.BinOp):
        return _looks_like_url(node.left) or _looks_like_url(node.right)
    name = node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else ""
    return any(word in name.lower() for word in URLISH)


def outbound_call_sites(source: str) -> list[str]:
    if not any(trigger in source for trigger in TRIGGERS):
        return []
    scanner = _Scanner()
    scanner.visit(ast.parse(source))
    return scanner.findings


def project_python_files() -> list[Path]:
    files = []
    # os.walk so that skipped trees (.venv above all) are pruned, not walked and then filtered.
    for directory, subdirs, names in os.walk(ROOT):
        relative_dir = Path(directory).relative_to(ROOT).as_posix()
        subdirs[:] = sorted(
            name
            for name in subdirs
            if name not in SKIPPED_DIRS and f"{relative_dir}/{name}".removeprefix("./") not in SKIPPED_PATHS
        )
        files += [Path(directory) / name for name in sorted(names) if name.endswith(".py")]
    return files


def test_H9_every_outbound_request_goes_through_core_fetch() -> None:
    files = project_python_files()
    scanned_dirs = {path.relative_to(ROOT).parts[0] for path in files}
    assert scanned_dirs >= EXPECTED_DIRS, EXPECTED_DIRS - scanned_dirs

    offenders = []
    for path in files:
        relative = path.relative_to(ROOT).as_posix()
        if relative == THE_CLIENT or relative in BENCH_ALLOWED or relative in TOOLS_ALLOWED:
            continue
        offenders += [f"{relative} {finding}" for finding in outbound_call_sites(path.read_text(encoding="utf-8"))]
    assert not offenders, (
        "Outbound HTTP outside core/fetch.py; use core.fetch.Fetcher / fetch_one (benchmarks: add the file to "
        "BENCH_ALLOWED with the reason):\n" + "\n".join(offenders)
    )


def test_H9_allow_list_names_only_existing_benchmark_files() -> None:
    for relative, reason in BENCH_ALLOWED.items():
        assert relative.startswith("bench/"), relative
        assert (ROOT / relative).is_file(), f"stale allow-list entry {relative}"
        assert reason.strip(), relative
    for relative, reason in TOOLS_ALLOWED.items():
        assert "/management/commands/" in relative, relative
        assert (ROOT / relative).is_file(), f"stale allow-list entry {relative}"
        assert reason.strip(), relative


def test_H9_scanner_sees_the_guarded_client_itself() -> None:
    # If this finds nothing the scanner has gone blind, and the main test would pass vacuously.
    findings = outbound_call_sites((ROOT / THE_CLIENT).read_text(encoding="utf-8"))
    assert any("aiohttp.ClientSession" in finding for finding in findings)
    assert any("aiohttp.TCPConnector" in finding for finding in findings)


@pytest.mark.parametrize(
    "source",
    [
        "import requests\nrequests.get(url)",
        "import httpx",
        "from httpx import AsyncClient",
        "import urllib3",
        "import urllib.request",
        "from urllib.request import urlopen",
        "from urllib import request",
        "import urllib\nurllib.request.urlopen(u)",
        "import http.client",
        "from http import client",
        "from http.client import HTTPSConnection",
        "import aiohttp\naiohttp.ClientSession()",
        "import aiohttp as ah\nah.ClientSession()",
        "from aiohttp import ClientSession",
        "from aiohttp import request",
        "import aiohttp\nasync def f(u):\n    async with aiohttp.request('GET', u):\n        pass",
        "from aiohttp.client import ClientSession",
        "from reader import make_reader",
        "import feedparser\nfeedparser.parse('https://example.com/feed')",
        "import feedparser\nfeedparser.parse(f'{base}/feed')",
        "import feedparser\nfeedparser.parse(feed.url)",
        "import feedparser as fp\nfp.parse(feed_url)",
        "from feedparser import parse\nparse(href)",
        "import socket\nsocket.create_connection((host, 80))",
        "import asyncio\nasyncio.open_connection(host, 80)",
    ],
)
def test_H9_scanner_flags_unguarded_clients(source: str) -> None:
    assert outbound_call_sites(source), source


@pytest.mark.parametrize(
    "source",
    [
        "from aiohttp import web\nweb.Application()",
        "from aiohttp.abc import AbstractResolver",
        "import aiohttp\naiohttp.StreamReader",
        "import feedparser\nfeedparser.parse(result.body, response_headers=result.headers)",
        "import feedparser\nfeedparser.parse(body)",
        "x = 'requests'  # import httpx",
        "from core.fetch import Fetcher, fetch_one",
        "import urllib.parse",
        "from http import HTTPStatus",
    ],
)
def test_H9_scanner_leaves_servers_types_and_bytes_alone(source: str) -> None:
    assert outbound_call_sites(source) == [], source
