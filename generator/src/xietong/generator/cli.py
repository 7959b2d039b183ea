"""`xietong bpmn …` commands."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import click

from xietong.settings import get_settings

if TYPE_CHECKING:
    from xietong.catalog.loader import Catalog

TEMPLATES_DIR_NAME = "element-templates"


@click.group()
def bpmn() -> None:
    """Generate and check the BPMN models."""


@bpmn.command()
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Catalog directory (default: XIETONG_CONFIG_DIR or the project's config/).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Output directory (default: XIETONG_BPMN_DIR or the project's bpmn/).",
)
@click.option("--force", is_flag=True, help="Overwrite files even if they were edited by hand.")
@click.option(
    "--check",
    "dry_run",
    is_flag=True,
    help="Write nothing; exit 1 listing the files that generate would change (for CI and hooks).",
)
def generate(config_dir: Path | None, out_dir: Path | None, force: bool, dry_run: bool) -> None:
    """Write one BPMN file per procedure, plus the Modeler element templates.

    Refuses (exit 1, nothing written) when a file was changed by hand since it was generated,
    listing the elements that differ; --force overwrites.
    """
    from xietong.catalog.loader import load_catalog
    from xietong.generator.generate import generate as run
    from xietong.generator.templates import write_templates

    settings = get_settings()
    config_dir = config_dir or settings.config_dir
    out_dir = out_dir or settings.bpmn_dir
    catalog, errors = load_catalog(config_dir)
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        raise click.ClickException(f"the catalog in {config_dir} has {len(errors)} errors; nothing generated")
    if dry_run:
        sys.exit(_dry_run(catalog, out_dir))
    try:
        report = run(catalog, out_dir, force=force)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # --out under a file, read-only, …: fails before the first model is written
        where = exc.filename or out_dir
        raise click.ClickException(f"{where}: cannot write the models there ({exc.strerror})") from None
    if report.refused:
        for refusal in report.refused:
            click.echo(f"refused: {refusal}", err=True)
        click.echo("nothing written; merge the edits into the catalog, or rerun with --force", err=True)
        sys.exit(1)
    templates = write_templates(out_dir / TEMPLATES_DIR_NAME)
    for stale in report.stale:
        click.echo(f"stale (no longer in the catalog, not deleted): {stale}", err=True)
    click.echo(
        f"{len(report.written)} written, {len(report.unchanged)} unchanged, "
        f"{len(templates)} element templates in {out_dir}"
    )


def _dry_run(catalog: Catalog, out_dir: Path) -> int:
    from xietong.generator.generate import MANIFEST_NAME, build_outputs, manifest_bytes
    from xietong.generator.templates import template_files

    outputs = build_outputs(catalog)
    wanted = {o.path: o.content for o in outputs}
    wanted[MANIFEST_NAME] = manifest_bytes(outputs)
    wanted.update({f"{TEMPLATES_DIR_NAME}/{name}": content for name, content in template_files().items()})
    stale = sorted(
        p
        for p, content in wanted.items()
        if not (out_dir / p).is_file() or (out_dir / p).read_bytes() != content
    )
    for path in stale:
        click.echo(f"would change: {path}")
    click.echo(f"{len(stale)} of {len(wanted)} files would change in {out_dir}")
    return 1 if stale else 0


@bpmn.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--no-lint", is_flag=True, help="Only the task-type catalog and FEEL checks (no Node).")
def check(files: tuple[Path, ...], no_lint: bool) -> None:
    """Check BPMN files (default: every file under bpmn/) against the task-type catalog and the linters.

    Prints one line per finding (file: element: severity [rule] message); exit 1 on any error.
    """
    from xietong.generator.check import check_files
    from xietong.generator.lint import NodeToolsMissing, lint_files

    paths = list(files) or sorted(get_settings().bpmn_dir.rglob("*.bpmn"))
    if not paths:
        raise click.ClickException("no BPMN files to check")
    try:
        label = "checking task types and FEEL"
        with click.progressbar(length=len(paths), label=label, file=sys.stderr) as bar:

            def advance(items: Iterable[Path]) -> Iterator[Path]:
                for item in items:
                    yield item
                    bar.update(1)

            findings = check_files(paths, lint=False, progress=advance)
        if not no_lint:
            click.echo(f"linting {len(paths)} files with bpmnlint and bpmn-moddle (one Node process) …",
                       err=True)
            findings += lint_files(paths)
    except NodeToolsMissing as exc:
        raise click.ClickException(f"{exc} (or use --no-lint)") from exc
    for finding in findings:
        click.echo(str(finding))
    n_errors = sum(f.severity == "error" for f in findings)
    click.echo(f"{len(paths)} files, {n_errors} errors, {len(findings) - n_errors} warnings")
    if n_errors:
        sys.exit(1)
