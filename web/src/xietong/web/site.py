"""What every page shares: the REST transport, sessions, templates, caches, login and logout."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlparse

import httpx
import structlog
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp

from xietong.settings import get_settings
from xietong.web.case_values import CaseValues
from xietong.web.department_names import department_names, jurisdiction_names, shown
from xietong.web.model_reading import ProcessModel, read_model
from xietong.web.rest_client import Api, ApiError
from xietong.web.sessions import COOKIE, LoginThrottle, Session, SessionStore
from xietong.web.settings import ApiTokenSettings, WebSettings
from xietong.web.vocabulary import ELEMENT_TYPES, INCIDENT_TYPES

log = structlog.get_logger("xietong.web")
HERE = Path(__file__).resolve().parent
CHINA = dt.timezone(dt.timedelta(hours=8), "北京时间")
LOGIN_CSRF_COOKIE = "xietong_login_csrf"


class Redirect(Exception):
    def __init__(self, url: str) -> None:
        self.url = url


def china_time(value: Any, with_seconds: bool = False) -> str:
    """ISO 8601 (any offset) or epoch ms -> '2026-12-03 13:40' in China time; '' for nothing."""
    if value in (None, ""):
        return ""
    if isinstance(value, int | float):
        moment = dt.datetime.fromtimestamp(value / 1000, dt.UTC)
    elif isinstance(value, dt.datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    else:
        try:
            moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            return str(value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S" if with_seconds else "%Y-%m-%d %H:%M")


def parse_instant(value: Any) -> dt.datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def script_json(value: Any) -> Markup:
    """JSON for a ``<script type="application/json">``: nothing in it can close the element."""
    text = json.dumps(value, ensure_ascii=False)
    return Markup(text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e"))


def form_fields(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's input fields (components with a ``key``), inside groups too, as form-js submits them."""
    fields: list[dict[str, Any]] = []

    def walk(components: Any) -> None:
        for component in components if isinstance(components, list) else ():
            if isinstance(component, dict):
                if component.get("key"):
                    fields.append(component)
                walk(component.get("components"))

    walk(schema.get("components"))
    return fields


def form_data(
    submitted: str | None,
    variables: dict[str, Any],
    schema: Any = None,
    names: dict[str, str] | None = None,
) -> Any:
    """What a form shows: what the person submitted last (kept after a refusal), else the case's data,
    where a value that is a department's group id reads as the department's name (申请人：泗阳县市场
    监督管理局, not siyang.market_regulation) — in what the form only displays, never in its own fields,
    whose values go back to the case."""
    if submitted:
        try:
            data = json.loads(submitted)
        except ValueError:
            return variables
        if isinstance(data, dict):
            return data
    if not names or not isinstance(schema, dict):
        return variables
    own = {str(field["key"]).split(".")[0] for field in form_fields(schema)}
    return {
        name: shown(value, names) if isinstance(value, str) and name not in own else value
        for name, value in variables.items()
    }


def page_number(request: Request) -> int:
    text = request.query_params.get("page", "1")
    # isdigit() alone lets "²" or "１" through to int(); a page past a million is no page of ours
    return min(max(int(text), 1), 1_000_000) if text.isascii() and text.isdigit() else 1


def unsent_entries(
    step: Any, chosen: str | None, submitted: str | None, schema: Any = None
) -> list[tuple[str, str]]:
    """What a clerk entered but could not submit (the task ended meanwhile), in words, to keep:
    each under its form field's label (意见说明, not ``opinion``)."""
    field_labels: dict[str, str] = {}
    stack = list(schema.get("components") or []) if isinstance(schema, dict) else []
    while stack:
        component = stack.pop()
        if isinstance(component, dict):
            if component.get("key") and component.get("label"):
                field_labels[str(component["key"])] = str(component["label"])
            stack.extend(component.get("components") or [])
    data: dict[str, Any] = {}
    if submitted:
        try:
            parsed = json.loads(submitted)
        except ValueError:
            parsed = {}
        if isinstance(parsed, dict):
            data.update(parsed)
    decision = getattr(step, "decision", None)
    if chosen and decision is not None:
        data[decision.variable] = chosen
    entries = []
    for name, value in data.items():
        if value in (None, ""):
            continue
        if decision is not None and name == decision.variable:
            labels = {o.code: o.label for o in decision.outcomes}
            entries.append((decision.gateway_name or "办理结果", labels.get(str(value), str(value))))
        else:
            shown_value = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
            entries.append((field_labels.get(name, name), shown_value))
    return entries


class Web:
    """What the pages share: settings, the REST transport, sessions, templates, caches."""

    def __init__(
        self,
        settings: WebSettings,
        transport: httpx.AsyncBaseTransport | None = None,
        rest_app: ASGIApp | None = None,
    ) -> None:
        self.settings = settings
        self.rest_app = rest_app
        verify: Any = str(settings.api_ca) if settings.api_ca else True
        base = "http://engine" if transport is not None else settings.api.rstrip("/")
        self.http = httpx.AsyncClient(base_url=base, transport=transport, timeout=30, verify=verify)
        token = ApiTokenSettings().token
        self.token = token.get_secret_value() if token else None
        self.sessions = SessionStore(settings.session_idle_minutes * 60)
        self.throttle = LoginThrottle(
            settings.login_failures_per_account,
            settings.login_failures_per_address,
            settings.login_pause_minutes * 60,
        )
        self.templates = Jinja2Templates(directory=str(HERE / "templates"))
        self.templates.env.filters["china_time"] = china_time
        self.templates.env.filters["json"] = script_json
        self.templates.env.filters["element_type"] = lambda code: ELEMENT_TYPES.get(str(code), str(code))
        self.templates.env.filters["incident_type"] = lambda code: INCIDENT_TYPES.get(str(code), str(code))
        self.templates.env.globals["unsent_entries"] = unsent_entries
        names = self._department_names = department_names(get_settings().config_dir)
        self.templates.env.filters["dept"] = lambda group: shown(group, names)
        values = CaseValues(lambda text: shown(text, names), china_time)
        self.templates.env.filters["case_value"] = values.html
        self.templates.env.globals["form_data"] = lambda submitted, variables, schema=None: form_data(
            submitted, variables, schema, names
        )
        places = jurisdiction_names(get_settings().config_dir)
        self.templates.env.filters["place"] = lambda code: places.get(str(code), str(code))  # 泗阳县
        self.templates.env.filters["depts"] = lambda groups: "、".join(shown(g, names) for g in groups or ())
        # a case event's departments, comma-joined as the workers record them (督办 after a multi-instance)
        self.templates.env.filters["dept_text"] = lambda text: "、".join(
            shown(part.strip(), names) for part in re.split(r"[,，、]", str(text or "")) if part.strip()
        )
        self._models: dict[str, ProcessModel] = {}
        self._xml: dict[str, str] = {}
        self._cache: dict[tuple[str, str], tuple[float, Any]] = {}
        self._case_store: Any = None
        self._case_store_tried = False

    # -- REST -------------------------------------------------------------------------------------
    def api(self, session: Session | None) -> Api:
        return Api(self.http, session.credentials if session else None, self.token)

    async def process_xml(self, api: Api, definition_key: str) -> str:
        if definition_key not in self._xml:
            self._xml[definition_key] = await api.call("GET", f"/v2/process-definitions/{definition_key}/xml")
        return self._xml[definition_key]

    async def process_model(self, api: Api, definition_key: str) -> ProcessModel:
        if definition_key not in self._models:
            self._models[definition_key] = read_model(await self.process_xml(api, definition_key))
        return self._models[definition_key]

    async def now(self, api: Api) -> dt.datetime:
        """The engine's time (so a test or a demo that moves the clock sees 逾期), else this machine's."""
        ms = await api.now_ms()
        return dt.datetime.fromtimestamp(ms / 1000, dt.UTC) if ms is not None else dt.datetime.now(dt.UTC)

    @property
    def department_names(self) -> dict[str, str]:
        """Group id → the department's name, from the catalog (empty without it)."""
        return self._department_names

    def departments(self, jurisdiction: str = "") -> list[tuple[str, str]]:
        """(group id, name) of a jurisdiction's departments (all without one), for a filter's choices."""
        prefix = f"{jurisdiction}." if jurisdiction else ""
        return sorted(
            ((group, name) for group, name in self._department_names.items() if group.startswith(prefix)),
            key=lambda pair: pair[0],
        )

    async def cached(
        self, session: Session, name: str, seconds: float, make: Callable[[], Awaitable[Any]]
    ) -> Any:
        """A person's answer kept for ``seconds`` (per session: what they may see is theirs)."""
        key, now = (session.id, name), time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        if len(self._cache) > 10_000:
            self._cache.clear()
        value = await make()
        self._cache[key] = (now + seconds, value)
        return value

    # -- the case store (optional) ----------------------------------------------------------------
    def case_store(self) -> Any:
        if self._case_store_tried:
            return self._case_store
        self._case_store_tried = True
        try:
            from xietong.workers.case_store import CaseStore
            from xietong.workers.settings import CaseStoreSettings

            url = self.settings.case_store_url or CaseStoreSettings().url
            if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).is_file():
                return None
            self._case_store = CaseStore(url)
        except Exception as error:  # the timeline is shown where a store is configured and readable
            log.warning("case store not readable; pages show no timeline", error=str(error))
        return self._case_store

    async def case_events(self, case_ids: list[str]) -> dict[str, list[Any]]:
        store = self.case_store()
        if store is None or not case_ids:
            return {}

        def read() -> dict[str, list[Any]]:
            return {case_id: store.events(case_id) for case_id in case_ids}

        try:
            return await asyncio.to_thread(read)
        except Exception as error:
            log.warning("case store read failed", error=str(error))
            return {}

    # -- pages ------------------------------------------------------------------------------------
    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        session = request.scope.get("xietong.session")
        return self.templates.TemplateResponse(
            request,
            template,
            {
                "session": session,
                "csrf": session.csrf if session else "",
                "path": request.url.path,
                **context,
            },
            status_code=status,
        )

    def session(self, request: Request) -> Session:
        session = self.sessions.get(request.cookies.get(COOKIE))
        if session is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            raise Redirect(f"/login?next={quote(target)}")
        request.scope["xietong.session"] = session
        return session

    async def form(self, request: Request) -> tuple[Session, Any]:
        """The posted form of a logged-in person, its CSRF token checked."""
        session = self.session(request)
        form = await request.form()
        if not session.csrf_ok(str(form.get("csrf") or "")):
            raise ApiError(403, "CSRF", "表单已过期或来源不明，请刷新页面后重试。")
        return session, form


Page = Callable[[Web, Request], Awaitable[Response]]

EXPLANATIONS = {
    400: "请求有误，未执行。",
    401: "请重新登录。",
    403: "您的账号没有执行此操作或查看此内容的权限。",
    404: "没有找到：可能已办结、已撤销，或编号有误。",
    409: "操作与当前状态冲突（可能已由他人处理），请刷新后再试。",
    429: "请求过于频繁，请稍后再试。",
    503: "流程引擎暂时无法访问，请稍后再试。",
}


def page(web: Web, handler: Page) -> Callable[[Request], Awaitable[Response]]:
    """Login redirects and REST refusals as pages a clerk understands."""

    async def run(request: Request) -> Response:
        try:
            return await handler(web, request)
        except Redirect as redirect:
            return RedirectResponse(redirect.url, status_code=303)
        except ApiError as error:
            if error.status == 401:
                web.sessions.end(request.cookies.get(COOKIE))
                return RedirectResponse(f"/login?next={quote(request.url.path)}&expired=1", status_code=303)
            titles = {403: "没有权限", 404: "未找到", 409: "操作冲突", 400: "请求有误", 503: "引擎不可用"}
            chinese = any("\u4e00" <= ch <= "\u9fff" for ch in error.detail)
            return web.render(
                request,
                "error.html",
                status=error.status if error.status < 600 else 500,
                title=titles.get(error.status, "出错了"),
                error=error,
                # Camunda's own sentence stays (people quote it to support), after one in Chinese
                explanation=None if chinese else EXPLANATIONS.get(error.status, "操作未能完成。"),
            )

    return run


# -- login ----------------------------------------------------------------------------------------
def safe_next(target: str | None) -> str:
    path = target or ""
    parsed = urlparse(path)
    if parsed.scheme or parsed.netloc or not path.startswith("/") or path.startswith("//"):
        return "/tasks"
    return path


async def login_page(web: Web, request: Request) -> Response:
    import secrets

    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = web.render(
        request,
        "login.html",
        csrf=token,
        # without a target, "/" sends each person to their own start page (home)
        next=safe_next(request.query_params.get("next")) if request.query_params.get("next") else "/",
        expired=bool(request.query_params.get("expired")),
        error=None,
        username="",
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/login",
    )
    return response


async def login(web: Web, request: Request) -> Response:
    form = await request.form()
    username = str(form.get("username") or "").strip()
    password = str(form.get("password") or "")
    target = safe_next(str(form.get("next") or ""))
    address = request.client.host if request.client else "-"
    expected = request.cookies.get(LOGIN_CSRF_COOKIE) or ""

    def again(message: str, status: int) -> Response:
        return web.render(
            request,
            "login.html",
            status=status,
            csrf=expected,
            next=target,
            expired=False,
            error=message,
            username=username,
        )

    import hmac

    if not expected or not hmac.compare_digest(expected, str(form.get("csrf") or "")):
        return again("登录表单已过期，请重新输入。", 403)
    if not username:
        return again("请输入用户名。", 400)
    wait = web.throttle.paused_for(username, address)
    if wait > 0:
        return again(f"登录失败次数过多，请 {int(wait // 60) + 1} 分钟后再试。", 429)
    me, credentials = await verify_person(web, username, password, address)
    if me is None:
        web.throttle.failed(username, address)
        log.info("login refused", username=username, address=address)
        return again("用户名或密码不正确。", 401)
    if me == "paused":
        return again("登录失败次数过多，请稍后再试。", 429)
    web.throttle.succeeded(username)
    session = web.sessions.create(
        username=str(me.get("username") or username),
        display_name=str(me.get("displayName") or me.get("username") or username),
        groups=tuple(str(g) for g in me.get("groups") or ()),
        roles=tuple(str(r) for r in me.get("roles") or ()),
        credentials=credentials,
    )
    log.info("login", username=session.username, groups=list(session.groups))
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        COOKIE, session.id, httponly=True, samesite="lax", secure=request.url.scheme == "https", path="/"
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


async def verify_person(
    web: Web, username: str, password: str, address: str
) -> tuple[Any, tuple[str, str] | None]:
    """``GET /v2/authentication/me`` with the person's basic credentials: who they are, their groups.

    An engine without identity (no ``/me``, or one that answers without credentials) is unprotected:
    the name given is taken as it is, with the groups typed after it (``name@group1,group2``)."""
    http = web.http
    if web.rest_app is not None:  # in the engine's process: the engine sees the person's address
        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=web.rest_app, client=(address, 0)),
            base_url="http://engine",
            timeout=30,
        )
    try:
        response = await http.get("/v2/authentication/me", auth=httpx.BasicAuth(username, password))
    except httpx.HTTPError as error:
        raise ApiError(503, "UNAVAILABLE", f"REST API 无应答（{error}）") from None
    finally:
        if http is not web.http:
            await http.aclose()
    if response.status_code == 429:
        return "paused", None
    me = response.json() if response.status_code == 200 else {}
    # an unprotected engine answers every caller as "anonymous" (Camunda's unprotectedApi)
    unprotected = response.status_code == 404 or (
        me.get("username") == "anonymous" and me.get("canLogout") is False and username != "anonymous"
    )
    if response.status_code == 200 and me.get("username") and not unprotected:
        return me, (username, password)
    if unprotected:
        name, _, groups = username.partition("@")
        return {
            "username": name,
            "displayName": name,
            "groups": [g for g in groups.split(",") if g],
            "roles": ["supervisor"],
        }, None
    return None, None


async def logout(web: Web, request: Request) -> Response:
    session, _ = await web.form(request)
    web.sessions.end(session.id)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response


async def home(web: Web, request: Request) -> Response:
    """Each person's own start page: the board for a supervisor who is no clerk, the inbox otherwise."""
    session = web.session(request)
    roles = set(session.roles)
    supervisor = "supervisor" in roles and not roles & {"clerk", "admin"} and session.credentials is not None
    return RedirectResponse("/cases" if supervisor else "/tasks", status_code=303)


async def health(web: Web, request: Request) -> Response:
    return Response("ok", media_type="text/plain")


def json_response(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json")


def not_found(request: Request, web: Web, what: str) -> Response:
    return web.render(
        request, "error.html", status=404, title="未找到", error=ApiError(404, "NOT_FOUND", what)
    )


__all__ = ["HTMLResponse", "Web"]


#: The case store's event kinds as a clerk or supervisor reads them (task and case timelines).
TIMELINE_LABELS = {
    "registered": "受理登记",
    "deadline_set": "设定时限",
    "triaged": "分流",
    "dispatched": "派发",
    "order_sent": "发出联动指令",
    "transferred": "移送",
    "notified": "通知",
    "supervised": "督办",
    "escalated": "上报",
    "summarized": "汇总",
    "archived": "归档",
}
