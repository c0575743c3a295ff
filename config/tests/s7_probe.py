"""Run by test_S7_cookies_and_headers.py in a process of its own, under production settings (HTTPS site URL,
DEBUG off, a fresh SQLite database): signs a person in over HTTPS (the test client's `secure=True`, as
behind TLS) and writes, as JSON, the headers and cookie attributes a browser would receive. Not a test
module itself."""

import json
import os
import sys

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    django.setup()

    from django.core.management import call_command
    from django.test import Client

    from accounts.models import User

    call_command("migrate", verbosity=0, interactive=False)
    User.objects.create_user(username="maria", email="maria@example.org", password="a long enough passphrase 42")
    host = os.environ["ALLOWED_HOSTS"]
    client = Client(HTTP_HOST=host)

    def headers(response: object) -> dict[str, str]:
        return {name.lower(): value for name, value in response.headers.items()}  # type: ignore[attr-defined]

    def cookies(response: object) -> dict[str, dict[str, object]]:
        jar = response.cookies  # type: ignore[attr-defined]
        return {
            name: {
                "secure": bool(morsel["secure"]),
                "httponly": bool(morsel["httponly"]),
                "samesite": morsel["samesite"],
            }
            for name, morsel in jar.items()
        }

    plain_http = Client(HTTP_HOST=host).get("/")
    login_page = client.get("/accounts/login/", secure=True)
    signed_in = client.post(
        "/accounts/login/", {"username": "maria", "password": "a long enough passphrase 42"}, secure=True
    )
    home = client.get("/", secure=True)
    anonymous_home = Client(HTTP_HOST=host).get("/", secure=True)
    sys.stdout.write(
        json.dumps(
            {
                "plain_http": {"status": plain_http.status_code, "location": plain_http.headers.get("Location", "")},
                "login_page": {"status": login_page.status_code, "headers": headers(login_page)},
                "login": {"status": signed_in.status_code, "cookies": cookies(signed_in)},
                "login_page_cookies": cookies(login_page),
                "home": {"status": home.status_code, "headers": headers(home)},
                "anonymous_home": {"status": anonymous_home.status_code, "headers": headers(anonymous_home)},
            }
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
