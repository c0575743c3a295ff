"""`commonplace api season FILE` — script a season through the REST API, as a facilitator's token.

It talks to a running Commonplace over HTTP (`--url`, default http://127.0.0.1:8000) exactly as curl would,
so it works against any installation you hold a token for. The JSON file has a `course` (the fields of
POST /api/v1/courses) and `weeks`, each with its `prompts` and an optional `live` session; see
docs/examples/season.json. Re-running it with the same file stops at the first thing that already exists.
"""

import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class ApiClient:
    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: object | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)  # noqa: S310 (http(s) only)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read())["error"]["message"]
            except (ValueError, KeyError, TypeError):
                message = exc.reason
            raise CommandError(f"{method} {path}: {exc.code} {message}") from None
        except urllib.error.URLError as exc:
            raise CommandError(f"Could not reach {self.base}: {exc.reason}") from None
        return json.loads(raw) if raw else None


class Command(BaseCommand):
    help = "Script Commonplace through its REST API: `season FILE` creates a course with its weeks and prompts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["season"])
        parser.add_argument("file", type=Path)
        parser.add_argument("--url", default=os.environ.get("COMMONPLACE_URL", "http://127.0.0.1:8000"))
        parser.add_argument(
            "--token", default=os.environ.get("COMMONPLACE_TOKEN", ""), help="Or set COMMONPLACE_TOKEN."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["token"]:
            raise CommandError("Give a token with the facilitate scope: --token or COMMONPLACE_TOKEN.")
        if not str(options["url"]).startswith(("http://", "https://")):
            raise CommandError("--url must start with http:// or https://")
        try:
            plan = json.loads(options["file"].read_text())
            course, weeks = plan["course"], plan.get("weeks", [])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise CommandError(f"{options['file']} is not a season file: {exc}") from None
        api = ApiClient(options["url"], options["token"])
        made = api.call("POST", "/courses", course)
        slug = made["slug"]
        prompts = 0
        for week in weeks:
            fields = {k: v for k, v in week.items() if k not in ("prompts", "live")}
            api.call("POST", f"/courses/{slug}/weeks", fields)
            for prompt in week.get("prompts", []):
                api.call("POST", f"/courses/{slug}/weeks/{week['number']}/prompts", prompt)
                prompts += 1
            if week.get("live"):
                api.call("PUT", f"/courses/{slug}/weeks/{week['number']}/live", week["live"])
        self.stdout.write(f"Made {made['title']} ({made['url']}): {len(weeks)} weeks, {prompts} prompts.")
