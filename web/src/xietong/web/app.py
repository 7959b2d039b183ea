"""The web application: its routes, and how ``engine serve`` mounts it.

``create_app`` builds it against a REST API base URL (``xietong web``) or an ASGI app that serves
REST v2 in the same process (``engine serve`` mounts it next to ``/v2`` through the entry point
``xietong.gateway.http``, see :func:`mount_on_engine`); either way every read and write is a REST
v2 call made with the logged-in person's credentials.
"""

from __future__ import annotations

from typing import Any

import httpx
import structlog
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from xietong.web import cases, processes, tasks
from xietong.web.rest_client import ApiError
from xietong.web.sessions import COOKIE
from xietong.web.settings import WebSettings
from xietong.web.site import HERE, Web, health, home, login, login_page, logout, page

log = structlog.get_logger("xietong.web")


def create_app(
    settings: WebSettings | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    rest_app: ASGIApp | None = None,
) -> Starlette:
    web = Web(settings or WebSettings(), transport, rest_app)
    routes: list[Any] = [
        Route("/", page(web, home)),
        Route("/login", page(web, login_page), methods=["GET"]),
        Route("/login", page(web, login), methods=["POST"]),
        Route("/logout", page(web, logout), methods=["POST"]),
        Route("/healthz", page(web, health)),
        *[Route(path, page(web, handler), methods=[method]) for path, method, handler in tasks.ROUTES],
        *[Route(path, page(web, handler), methods=[method]) for path, method, handler in cases.ROUTES],
        *[Route(path, page(web, handler), methods=[method]) for path, method, handler in processes.ROUTES],
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    assets = web.settings.assets
    for prefix, folder in (
        ("/assets/bpmn-js", assets / "node_modules" / "bpmn-js" / "dist"),
        ("/assets/htmx", assets / "node_modules" / "htmx.org" / "dist"),
        ("/assets/form-js", assets / "dist"),
        ("/assets/form-js-css", assets / "node_modules" / "@bpmn-io" / "form-js-viewer" / "dist" / "assets"),
    ):
        if folder.is_dir():
            routes.append(Mount(prefix, StaticFiles(directory=str(folder))))
        else:
            log.warning("front-end assets missing: run scripts/bootstrap", folder=str(folder))
    app = Starlette(
        routes=routes,
        middleware=[Middleware(PageHeaders)],
        exception_handlers={404: missing(web), 405: missing(web)},
    )
    app.state.web = web
    return app


def missing(web: Web) -> Any:
    """An address no page answers (or a method it does not take): the 未找到 page, not a bare "Not Found"."""

    async def answer(request: Request, error: Exception) -> Response:
        status = int(getattr(error, "status_code", 404))
        session = web.sessions.get(request.cookies.get(COOKIE))
        if session is not None:
            request.scope["xietong.session"] = session  # the navigation stays
        title, text = (
            ("未找到", "没有这个页面：请检查地址，或从上方导航进入。")
            if status == 404
            else ("无法处理", "此页面不接受这种请求。")
        )
        problem = ApiError(status, title, text)
        return web.render(request, "error.html", status=status, title=title, error=problem)

    return answer


class PageHeaders:
    """Every answer says it may not be framed by another site (clickjacking of 办结 or 撤销案件), nor
    read as another content type, nor leak its address to other sites."""

    HEADERS = (
        (b"x-frame-options", b"DENY"),
        (b"content-security-policy", b"frame-ancestors 'none'"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    )

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *self.HEADERS]}
            await send(message)

        await self.app(scope, receive, with_headers)


def mount_on_engine(rest_app: ASGIApp) -> ASGIApp:
    """Entry point ``xietong.gateway.http``: the web pages next to ``/v2`` on the engine's HTTP port.

    The engine passes its REST app and serves what this returns; ``/v2`` stays the engine's, every
    other path is the web's. The web calls REST in-process (httpx's ASGI transport), as a person."""
    web_app = create_app(WebSettings(), httpx.ASGITransport(app=rest_app), rest_app)

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path == "/v2" or path.startswith("/v2/"):
            await rest_app(scope, receive, send)
        else:
            await web_app(scope, receive, send)

    return dispatch
