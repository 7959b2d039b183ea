"""The single entry point assembles every area's command group."""

from click.testing import CliRunner

from xietong.cli import COMMAND_GROUPS, cli


def test_every_area_group_is_reachable() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    for name in COMMAND_GROUPS:
        assert name in result.output
        sub = CliRunner().invoke(cli, [name, "--help"])
        assert sub.exit_code == 0, sub.output


def test_unknown_command_is_an_error() -> None:
    result = CliRunner().invoke(cli, ["no-such-area"])
    assert result.exit_code == 2
    assert "No such command" in result.output
