"""Fixtures for API tests: tokens with scopes, and a client that sends one."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from api import services


class TokenClient:
    """Django's test client with `Authorization: Bearer …` on every request, JSON bodies."""

    def __init__(self, secret: str | None) -> None:
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {secret}"} if secret else {}

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(path, params, headers=self.headers)

    def post(self, path: str, data: object | None = None) -> Any:
        return self.client.post(path, data or {}, content_type="application/json", headers=self.headers)

    def patch(self, path: str, data: object) -> Any:
        return self.client.patch(path, data, content_type="application/json", headers=self.headers)

    def put(self, path: str, data: object) -> Any:
        return self.client.put(path, data, content_type="application/json", headers=self.headers)

    def delete(self, path: str) -> Any:
        return self.client.delete(path, headers=self.headers)


@pytest.fixture
def api_as() -> Callable[..., TokenClient]:
    def make(user: User | None, *scopes: str) -> TokenClient:
        if user is None:
            return TokenClient(None)
        _, secret = services.create_token(user=user, name="tests", scopes=list(scopes) or ["read", "write"])
        return TokenClient(secret)

    return make
