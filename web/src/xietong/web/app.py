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
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from xietong.web import cases, processes, tasks
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
    app = Starlette(routes=routes)
    app.state.web = web
    return app


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
