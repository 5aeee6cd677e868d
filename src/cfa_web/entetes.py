"""Security headers on every response (pages, errors, static files)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from litestar.datastructures import MutableScopeHeaders

if TYPE_CHECKING:
    from litestar.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CSP", "MiddlewareEntetes"]

CSP: Final = (
    "default-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
"""The Content-Security-Policy of ``security.md``: no inline script, nothing from elsewhere."""
HSTS: Final = "max-age=31536000; includeSubDomains"


class MiddlewareEntetes:
    """Adds CSP, ``nosniff``, framing and referrer policies, no-store, and HSTS over https."""

    def __init__(self, app: ASGIApp) -> None:
        """Wrap ``app``."""
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Call the application, adding the headers to its response."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope["app"].state.reglages.cookies_securises or scope.get("scheme") == "https"
        statique = scope["path"].startswith("/static/")

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                entetes = MutableScopeHeaders.from_message(message)
                entetes["content-security-policy"] = CSP
                entetes["x-content-type-options"] = "nosniff"
                entetes["x-frame-options"] = "DENY"
                entetes["referrer-policy"] = "same-origin"
                if not statique:
                    entetes["cache-control"] = "no-store"
                if https:
                    entetes["strict-transport-security"] = HSTS
            await send(message)

        await self.app(scope, receive, envoyer)
