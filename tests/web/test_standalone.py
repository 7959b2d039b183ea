"""`xietong web` on its own, against a REST API elsewhere (as against a Camunda 8.8 cluster): the same
pages, every call made over HTTP with the person's credentials."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.web.world import PASSWORD, World, task_keys_on
from xietong.engine.gateway.local_server import free_port


def test_xietong_web_serves_the_pages_against_a_remote_rest_api(world: World, tmp_path: Path) -> None:
    instance = world.start_case("SY-WEB-STANDALONE")
    legal = world.move_to(instance, "legal_review")
    port = free_port()
    env = {**os.environ, "XIETONG_WEB_API_CA": str(world.cert), "XIETONG_WEB_CASE_STORE_URL": world.store_url}
    log = (tmp_path / "web.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "xietong", "web", "--address", f"127.0.0.1:{port}", "--api", world.url],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as web:
            deadline = time.monotonic() + 30
            while True:  # until the server answers (it binds after importing the app)
                try:
                    if web.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                assert time.monotonic() < deadline, (tmp_path / "web.log").read_text()
                time.sleep(0.1)
            page = web.get("/login")
            csrf = re.search(r'name="csrf" value="([^"]*)"', page.text).group(1)  # type: ignore[union-attr]
            refused = web.post("/login", data={"username": "sy_justice", "password": "wrong", "csrf": csrf})
            assert refused.status_code == 401 and "用户名或密码不正确" in refused.text
            login = web.post("/login", data={"username": "sy_justice", "password": PASSWORD, "csrf": csrf})
            assert login.status_code == 303
            cookie = login.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
            tasks = web.get("/tasks")
            assert tasks.status_code == 200
            assert legal["userTaskKey"] in task_keys_on(tasks.text)
            no_token = web.post(f"/tasks/{legal['userTaskKey']}/claim", data={})
            assert no_token.status_code == 403  # a form without the session's CSRF token does nothing
            assert world.call("GET", f"/v2/user-tasks/{legal['userTaskKey']}").get("assignee") is None
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
