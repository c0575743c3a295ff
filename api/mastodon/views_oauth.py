"""OAuth 2 for Mastodon apps: register an app, the consent page, the token exchange, revocation."""

from urllib.parse import urlencode, urlsplit, urlunsplit

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import User
from api.mastodon import oauth
from api.mastodon.http import MastodonError, endpoint, one, params


@endpoint("POST")
def create_app(request: HttpRequest) -> HttpResponse:
    """Register an app (`client_name`, `redirect_uris` one per line or as a list, `scopes`, `website`). The
    client secret is in this answer only; we keep its hash."""
    found = params(request)
    uris = [line for value in found.get("redirect_uris", []) for line in value.splitlines()]
    try:
        made = oauth.register_app(
            name=one(found, "client_name"),
            redirect_uris=uris,
            scopes=one(found, "scopes", "read"),
            website=one(found, "website"),
        )
    except oauth.OAuthRefused as exc:
        raise MastodonError(422, exc.message) from None
    app = made.application
    listed = app.redirect_uris.split()
    response = JsonResponse(
        {
            "id": str(app.pk),
            "name": app.name,
            "website": app.website or None,
            "scopes": app.scopes.split(),
            "redirect_uri": "\n".join(listed),
            "redirect_uris": listed,
            "client_id": app.client_id,
            "client_secret": made.client_secret,
            "client_secret_expires_at": 0,
            "vapid_key": "",
        }
    )
    response["Cache-Control"] = "no-store"
    return response


def _with_query(uri: str, **values: str) -> str:
    parts = urlsplit(uri)
    query = "&".join(q for q in (parts.query, urlencode({k: v for k, v in values.items() if v})) if q)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


@login_required
def authorize(request: HttpRequest) -> HttpResponse:
    """The consent page: which app asks for which access; Authorize sends the person back to the app with a
    one-time code (or shows the code for the out-of-band flow), Deny sends them back with `access_denied`.
    Anything wrong with the request itself is shown here, never sent to an address we cannot trust."""
    source = request.POST if request.method == "POST" else request.GET
    app = oauth.app_for(source.get("client_id", ""))
    redirect_uri = source.get("redirect_uri", "")
    state = source.get("state", "")
    context: dict[str, object] = {"app": app, "redirect_uri": redirect_uri, "state": state}
    try:
        if app is None:
            raise oauth.OAuthRefused("No app with that client_id is registered here.")
        if source.get("response_type", "code") != "code":
            raise oauth.OAuthRefused("Only the authorization code flow (response_type=code) is offered.")
        scopes = oauth.parse_scopes(source.get("scope", "") or source.get("scopes", ""))
        oauth.check_request(app=app, redirect_uri=redirect_uri, scopes=scopes)
        challenge = source.get("code_challenge", "")
        method = source.get("code_challenge_method", "") or ("plain" if challenge else "")
        if challenge and method != "S256":
            raise oauth.OAuthRefused("Only the S256 code challenge method is supported.")
    except oauth.OAuthRefused as exc:
        context["problem"] = exc.message
        return render(request, "api/authorize.html", context, status=400)
    context.update(scopes=" ".join(scopes), words=oauth.scope_words(scopes), challenge=challenge, method=method)
    if request.method != "POST":
        response = render(request, "api/authorize.html", context)
        response["Cache-Control"] = "no-store"
        return response
    if "deny" in request.POST:
        if redirect_uri == oauth.OOB:
            context["denied"] = True
            return render(request, "api/authorize.html", context)
        return HttpResponseRedirect(_with_query(redirect_uri, error="access_denied", state=state))
    assert isinstance(request.user, User)
    code = oauth.issue_code(
        app=app,
        user=request.user,
        redirect_uri=redirect_uri,
        scopes=scopes,
        code_challenge=challenge,
        code_challenge_method=method,
    )
    if redirect_uri == oauth.OOB:
        context["code"] = code
        response = render(request, "api/authorize.html", context)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponseRedirect(_with_query(redirect_uri, code=code, state=state))


@endpoint("POST")
def token(request: HttpRequest) -> HttpResponse:
    """Exchange a code for a token (`grant_type=authorization_code`, with `code_verifier` when the app sent a
    PKCE challenge). App-only tokens (`client_credentials`) are not offered: every token acts for a person."""
    found = params(request)
    grant = one(found, "grant_type")
    if grant == "client_credentials":
        raise MastodonError(400, "App-only tokens are not offered here: sign a person in with the authorization code.")
    if grant != "authorization_code":
        raise MastodonError(400, "Use grant_type=authorization_code.")
    try:
        made, secret = oauth.exchange_code(
            client_id=one(found, "client_id"),
            client_secret=one(found, "client_secret"),
            code=one(found, "code"),
            redirect_uri=one(found, "redirect_uri"),
            code_verifier=one(found, "code_verifier"),
        )
    except oauth.OAuthRefused as exc:
        raise MastodonError(400, exc.message) from None
    response = JsonResponse(
        {
            "access_token": secret,
            "token_type": "Bearer",
            "scope": made.scopes,
            "created_at": int(timezone.now().timestamp()),
        }
    )
    response["Cache-Control"] = "no-store"
    return response


@endpoint("POST")
def revoke(request: HttpRequest) -> HttpResponse:
    found = params(request)
    try:
        oauth.revoke(
            client_id=one(found, "client_id"), client_secret=one(found, "client_secret"), token=one(found, "token")
        )
    except oauth.OAuthRefused as exc:
        raise MastodonError(403, exc.message) from None
    return JsonResponse({})
