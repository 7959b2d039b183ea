"""Other components' pages on the engine's HTTP port, next to ``/v2``, without the engine importing them.

A distribution names a factory under the entry point group ``xietong.gateway.http`` (the web app
does: ``web = "xietong.web.app:mount_on_engine"``). The factory receives the REST app and returns the
ASGI app to serve on the port; it keeps ``/v2`` the REST app's. Not installed: the port serves REST
only. A factory that fails is logged and skipped: the engine's API never depends on a page.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

import structlog

log = structlog.get_logger("xietong.gateway")
GROUP = "xietong.gateway.http"


def with_http_apps(rest_app: Any) -> Any:
    app = rest_app
    for entry_point in sorted(entry_points(group=GROUP), key=lambda ep: ep.name):
        try:
            app = entry_point.load()(app)
        except Exception as error:
            log.warning("HTTP app not mounted", entry_point=entry_point.value, error=repr(error))
            continue
        log.info("HTTP app mounted next to /v2", name=entry_point.name)
    return app
