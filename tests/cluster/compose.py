"""docker-compose.yml, .env.example, the Dockerfiles and the settings classes, read as the tests need them.

No Docker engine runs on these machines, so the compose file is read here the way Compose reads
it: YAML, then ``${VAR}``, ``${VAR:-default}`` and ``${VAR:?message}`` interpolated from an
environment (``.env.example`` plus what a test sets), then YAML merge keys resolved.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic_settings import BaseSettings

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"

#: Our images: the compose service -> the components its Dockerfile installs (their settings apply).
OUR_SERVICES: dict[str, tuple[str, ...]] = {
    "engine": ("xietong.settings", "xietong.engine"),
    "deploy": ("xietong.settings", "xietong.workers"),
    "workers": ("xietong.settings", "xietong.workers"),
    "web": ("xietong.settings", "xietong.workers", "xietong.console", "xietong.web"),
}
DOCKERFILES = {
    "engine": REPO / "engine" / "Dockerfile",
    "workers": REPO / "workers" / "Dockerfile",
    "web": REPO / "web" / "Dockerfile",
}

_VARIABLE = re.compile(r"\$(?:\$|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\})")


class MissingVariable(ValueError):
    """``${VAR:?message}`` with VAR unset or empty: Compose stops with the message, so do we."""


def referenced_variables(text: str) -> set[str]:
    return {m["name"] for m in _VARIABLE.finditer(text) if m["name"]}


def interpolate(text: str, env: Mapping[str, str]) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match["name"], match["op"], match["arg"] or ""
        value = env.get(name)
        if op in (":-", "-"):
            return value if value or (op == "-" and value is not None) else arg
        if op in (":?", "?"):
            if not value:
                raise MissingVariable(f"{name}: {arg}")
            return value
        return value or ""

    return _VARIABLE.sub(replace, text)


def read_env_file(path: Path = ENV_EXAMPLE) -> dict[str, str]:
    """KEY=VALUE lines as Compose reads a .env file (comments and blank lines skipped)."""
    values = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def load_compose(env: Mapping[str, str], path: Path = COMPOSE_FILE) -> dict[str, Any]:
    """The compose model after interpolation; PyYAML resolves the ``<<`` merge keys."""
    return yaml.safe_load(interpolate(path.read_text(encoding="utf-8"), env))


def example_env(**overrides: str) -> dict[str, str]:
    """.env.example with the passwords an operator must fill in, filled in."""
    env = read_env_file()
    env.update({"POSTGRES_PASSWORD": "pw0123456789", "CAMUNDA_ADMIN_PASSWORD": "adm0123456789"})
    env.update(overrides)
    return env


def service_env(service: Mapping[str, Any]) -> dict[str, str]:
    """A service's ``environment`` (mapping or KEY=VALUE list) as strings."""
    raw = service.get("environment") or {}
    if isinstance(raw, list):
        return dict(item.split("=", 1) for item in raw)
    return {str(key): "" if value is None else str(value) for key, value in raw.items()}


def profiles_of(compose: Mapping[str, Any], profile: str) -> dict[str, dict[str, Any]]:
    """The services a ``COMPOSE_PROFILES=<profile>`` run starts."""
    return {
        name: service
        for name, service in compose["services"].items()
        if not service.get("profiles") or profile in service["profiles"]
    }


# ---- Dockerfiles ---------------------------------------------------------------------------------


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [arg for kw, arg in self.instructions if kw == keyword]


def dockerfile_stages(path: Path) -> tuple[dict[str, str], list[Stage]]:
    """Global ARG defaults and the stages, with continuation lines joined and comments dropped."""
    logical: list[str] = []
    pending = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        logical.append(pending + stripped)
        pending = ""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    for line in logical:
        keyword, _, rest = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = rest.split()
            base = interpolate(parts[0], args)
            stages.append(Stage(base, parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None))
        elif not stages and keyword == "ARG":
            name, _, default = rest.partition("=")
            args[name.strip()] = default.strip()
        elif stages:
            stages[-1].instructions.append((keyword, rest.strip()))
    return args, stages


def dockerfile_env(stage: Stage) -> dict[str, str]:
    """ENV KEY=VALUE pairs of a stage (``$PATH``-style references left as written)."""
    env: dict[str, str] = {}
    for arg in stage.all("ENV"):
        for token in shlex.split(arg):
            key, _, value = token.partition("=")
            env[key] = value
    return env


def exec_form(arg: str) -> list[str]:
    """The JSON array of a CMD/HEALTHCHECK CMD in exec form."""
    import json

    start = arg.index("[")
    return [str(part) for part in json.loads(arg[start:])]


# ---- settings ------------------------------------------------------------------------------------


def settings_classes(packages: Iterable[str]) -> list[type[BaseSettings]]:
    """Every pydantic settings class defined in the given modules or packages (imported here)."""
    found: dict[str, type[BaseSettings]] = {}
    for name in packages:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError:
            continue  # a component not written yet (the web app): its variables then fail the test
        modules = [module]
        if hasattr(module, "__path__"):
            for info in pkgutil.walk_packages(module.__path__, prefix=f"{name}."):
                if ".tests" in info.name:
                    continue
                modules.append(importlib.import_module(info.name))
        for mod in modules:
            for value in vars(mod).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, BaseSettings)
                    and value is not BaseSettings
                    and value.__module__ == mod.__name__
                ):
                    found[f"{value.__module__}.{value.__qualname__}"] = value
    return list(found.values())


def environment_names(classes: Iterable[type[BaseSettings]]) -> set[str]:
    """The variables these settings classes read: prefix + field name, or a field's alias."""
    names: set[str] = set()
    for cls in classes:
        prefix = str(cls.model_config.get("env_prefix", ""))
        for field_name, info in cls.model_fields.items():
            for alias in (info.validation_alias, info.alias):
                choices = getattr(alias, "choices", [alias])
                names.update(choice.upper() for choice in choices if isinstance(choice, str))
            names.add(f"{prefix}{field_name}".upper())
    return names
