"""The single entry point assembles every installed component's command group (entry points)."""

from click.testing import CliRunner

from xietong.cli import cli, command_entry_points

EXPECTED_AREAS = {"bpmn", "catalog", "console", "demo", "deploy", "engine", "feel", "workers"}


def test_every_area_group_is_reachable() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    assert not EXPECTED_AREAS - set(command_entry_points())
    for name in sorted(command_entry_points()):
        assert name in result.output
        sub = CliRunner().invoke(cli, [name, "--help"])
        assert sub.exit_code == 0, sub.output


def test_unknown_command_is_an_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-area"])
    assert result.exit_code == 2
    assert "No such command" in result.output
