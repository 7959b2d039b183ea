"""Department names for group ids (``siyang.justice`` → 泗阳县司法局), read from the catalog's YAML.

Identity names groups by id; the names people know stay in the catalog (config/departments/*.yaml:
``jurisdiction`` + each department's ``id`` and ``name``). The REST API shows group names to admins
only, so the pages read the reviewed YAML where it is present (``XIETONG_CONFIG_DIR``) and show the id
otherwise (a web image without the catalog).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import structlog
import yaml

log = structlog.get_logger("xietong.web")


@lru_cache(maxsize=4)
def department_names(config_dir: Path) -> dict[str, str]:
    names: dict[str, str] = {}
    for path in sorted((config_dir / "departments").glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as error:
            log.warning("department names not read", file=str(path), error=str(error))
            continue
        jurisdiction = data.get("jurisdiction") if isinstance(data, dict) else None
        for department in (data.get("departments") or []) if jurisdiction else []:
            if isinstance(department, dict) and department.get("id") and department.get("name"):
                names[f"{jurisdiction}.{department['id']}"] = str(department["name"])
    return names


def shown(group: object, names: dict[str, str]) -> str:
    """A group as people read it: its department's name, else the id as it is."""
    return names.get(str(group), str(group))


@lru_cache(maxsize=4)
def jurisdiction_names(config_dir: Path) -> dict[str, str]:
    """``siyang`` → 泗阳县, from config/jurisdictions.yaml (empty without the catalog)."""
    try:
        data = yaml.safe_load((config_dir / "jurisdictions.yaml").read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        log.warning("jurisdiction names not read", error=str(error))
        return {}
    entries = data.get("jurisdictions") if isinstance(data, dict) else None
    return {
        str(entry["id"]): str(entry["name"])
        for entry in entries or []
        if isinstance(entry, dict) and entry.get("id") and entry.get("name")
    }
