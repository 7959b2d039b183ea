"""Bad input from a signed-in caller is a 400 problem, never a 500: a key no object can have (outside
Zeebe's 64-bit keys), a password too short to keep.

Found by the qa pass: the identity guard looked such a key up in SQLite for every caller but an
admin (who skips the scope check) and failed with ``OverflowError``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.identity.world import World, running_world
from tests.support import running_fixture

HUGE_KEYS = ("99999999999999999999999", "9223372036854775808")
ROUTES = (
    ("GET", "/v2/process-instances/{key}", None),
    ("GET", "/v2/process-instances/{key}/statistics/element-instances", None),
    ("GET", "/v2/process-instances/{key}/sequence-flows", None),
    ("POST", "/v2/process-instances/{key}/incidents/search", {}),
    ("GET", "/v2/element-instances/{key}", None),
    ("PUT", "/v2/element-instances/{key}/variables", {"variables": {"a": 1}}),
)


world = running_fixture(running_world, scope="module")


@pytest.mark.parametrize("key", HUGE_KEYS)
def test_a_key_outside_64_bits_is_invalid_for_every_signed_in_caller(world: World, key: str) -> None:
    for caller in world.callers:
        if caller.role is None:
            continue  # not signed in: 401 before any key is read
        with world.rest(caller) as client:
            for method, path, body in ROUTES:
                answer = client.request(method, path.format(key=key), json=body)
                assert answer.status_code in (400, 403), (caller.name, method, path, answer.text)
                assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_person_with_a_too_short_password_is_a_400(world: World) -> None:
    with world.rest(world.caller("admin")) as client:
        for method, path, body in (
            ("POST", "/v2/users", {"username": "shorty", "password": "short"}),
            ("PUT", "/v2/users/clerk_own", {"password": "short"}),
        ):
            answer = client.request(method, path, json=body)
            assert answer.status_code == 400, (method, path, answer.text)
            assert answer.json()["title"] == "INVALID_ARGUMENT"
            assert "8 characters" in answer.json()["detail"]


def test_users_commands_leave_no_database_behind_a_refusal(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from xietong.cli import cli

    missing = tmp_path / "typo"
    listed = CliRunner().invoke(cli, ["users", "list", "--data", str(missing)])
    assert listed.exit_code == 1 and "no engine data here (expected engine.db)" in listed.output
    short = CliRunner().invoke(
        cli, ["users", "add", "bob", "--role", "clerk", "--data", str(missing)], input="short\n"
    )
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    assert not missing.exists()
