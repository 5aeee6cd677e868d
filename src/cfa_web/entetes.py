"""Security headers on every response (pages, errors, static files, unknown addresses).

Set by a ``before_send`` hook of the application: unlike a middleware, it also sees the
responses of addresses no route matches (404, 405).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from litestar.datastructures import MutableScopeHeaders

if TYPE_CHECKING:
    from litestar.types import Message, Scope

__all__ = ["CSP", "HSTS", "entetes_de_securite"]

CSP: Final = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
"""The Content-Security-Policy of ``security.md``: no inline script, nothing from elsewhere."""
HSTS: Final = "max-age=31536000; includeSubDomains"


async def entetes_de_securite(message: Message, scope: Scope) -> None:
    """Add CSP, ``nosniff``, framing and referrer policies, no-store, and HSTS over https."""
    if message["type"] != "http.response.start":
        return
    https = scope["app"].state.reglages.cookies_securises or scope.get("scheme") == "https"
    entetes = MutableScopeHeaders.from_message(message)
    entetes["content-security-policy"] = CSP
    entetes["x-content-type-options"] = "nosniff"
    entetes["x-frame-options"] = "DENY"
    entetes["referrer-policy"] = "same-origin"
    if not scope["path"].startswith("/static/"):
        entetes["cache-control"] = "no-store"
    if https:
        entetes["strict-transport-security"] = HSTS
