"""`xietong catalog …` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import structlog

from xietong.settings import get_settings

log = structlog.get_logger(__name__)

EXIT_INVALID = 2


def _config_dir(ctx: click.Context) -> Path:
    return ctx.obj["config_dir"]


@click.group(invoke_without_command=True)
@click.option(
    "--config",
    "config_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Catalog directory (default: XIETONG_CONFIG_DIR or the project's config/).",
)
@click.pass_context
def catalog(ctx: click.Context, config_dir: Path | None) -> None:
    """The catalog: mechanisms, departments and policies from the source documents.

    Without a command: the counts and the table of mechanisms.
    """
    ctx.ensure_object(dict)
    ctx.obj["config_dir"] = config_dir or get_settings().config_dir
    if ctx.invoked_subcommand is None:
        from xietong.catalog.render import mechanism_rows

        cat = _load_valid(ctx)
        click.echo(mechanism_rows(cat))
        click.echo("\n" + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in cat.counts().items()))
        click.echo("More: xietong catalog show ID | validate | export | import")


def _load_valid(ctx: click.Context):  # type: ignore[no-untyped-def]
    from xietong.catalog.loader import load_catalog

    cat, errors = load_catalog(_config_dir(ctx))
    if errors:
        for error in errors:
            click.echo(str(error), err=True)
        click.echo(f"catalog invalid: {len(errors)} error(s); run `xietong catalog validate`", err=True)
        sys.exit(EXIT_INVALID)
    return cat


@catalog.command()
@click.pass_context
def validate(ctx: click.Context) -> None:
    """Validate all of config/: exit 0 with counts, or 2 with every error as file:line: field: message."""
    from xietong.catalog.loader import load_catalog

    cat, errors = load_catalog(_config_dir(ctx))
    if errors:
        for error in errors:
            click.echo(str(error))
        click.echo(f"{len(errors)} error(s)", err=True)
        sys.exit(EXIT_INVALID)
    counts = cat.counts()
    click.echo("catalog valid: " + ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items()))


@catalog.command("list")
@click.option("--jurisdiction", "-j", default=None, help="Only this jurisdiction (siyang, wuyi …).")
@click.pass_context
def list_(ctx: click.Context, jurisdiction: str | None) -> None:
    """A table of the mechanisms."""
    from xietong.catalog.render import mechanism_rows

    click.echo(mechanism_rows(_load_valid(ctx), jurisdiction))


@catalog.command()
@click.argument("mechanism_id", required=False)
@click.option("--source", "with_source", is_flag=True,
              help="The source clauses side by side with the steps that implement them; ✗ marks a clause "
              "nothing implements. Without an id: the count of such clauses per mechanism (exit 1 if any).")
@click.pass_context
def show(ctx: click.Context, mechanism_id: str | None, with_source: bool) -> None:
    """One mechanism in full: departments, duties, procedure, deadlines, source lines."""
    from xietong.catalog.render import mechanism_text
    from xietong.catalog.trace import passage_lines, trace, trace_text

    sources = _config_dir(ctx) / "sources"

    if mechanism_id is None:
        if not with_source:
            raise click.UsageError("give a mechanism id (or --source alone for every mechanism's count)")
        cat = _load_valid(ctx)
        total = 0
        for mech_id, mech in sorted(cat.mechanisms.items()):
            flagged = [t for t in trace(mech, passage_lines(mech, sources)) if t.flagged]
            total += len(flagged)
            if flagged:
                click.echo(f"{mech_id}: {len(flagged)} unimplemented clause(s)")
        click.echo(f"{total} unimplemented clause(s) in {len(cat.mechanisms)} mechanisms")
        sys.exit(1 if total else 0)

    cat = _load_valid(ctx)
    mech = cat.mechanisms.get(mechanism_id)
    if mech is None:
        close = [m for m in sorted(cat.mechanisms) if mechanism_id in m][:10]
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        raise click.ClickException(f"no mechanism {mechanism_id!r}{hint}")
    click.echo(trace_text(mech, passage_lines(mech, sources)) if with_source else mechanism_text(cat, mech))


@catalog.command()
@click.option("--json", "as_json", is_flag=True, hidden=True, help="Accepted: JSON is the only format.")
@click.pass_context
def export(ctx: click.Context, as_json: bool) -> None:
    """The whole catalog as JSON on stdout (shape documented in docs/catalog.md)."""
    from xietong.catalog.render import export as export_data

    click.echo(json.dumps(export_data(_load_valid(ctx)), ensure_ascii=False, indent=1))


@catalog.command("import")
@click.option("--document", "-d", "documents", multiple=True, help="Only this source document (file name).")
@click.option("--write-new", is_flag=True, help="Write proposals for records the catalog lacks (new files).")
@click.option("--check", is_flag=True,
              help="Exit 1 if the importers' reading differs from the catalog where no reviewed decision "
              "(config/import-decisions.yaml) accepts the difference.")
@click.pass_context
def import_(ctx: click.Context, documents: tuple[str, ...], write_new: bool, check: bool) -> None:
    """Re-run the importers and report differences from the reviewed catalog (never overwrites it).

    The reviewed YAML is the truth; importers propose. A difference a reviewer chose to keep is
    recorded in config/import-decisions.yaml with its reason and is not reported again until the
    importer proposes something new.
    """
    from pydantic import ValidationError

    from xietong.catalog.importers.base import ImportContext, load_importers
    from xietong.catalog.importing import compare, load_decisions
    from xietong.catalog.importing import write_new as write_new_files
    from xietong.catalog.loader import load_catalog
    from xietong.catalog.yamlio import format_loc

    config_dir = _config_dir(ctx)
    cat, errors = load_catalog(config_dir)
    if errors:
        if write_new:
            raise click.ClickException(
                f"the reviewed catalog has {len(errors)} validation error(s); fix them before --write-new "
                "(run `xietong catalog validate`)"
            )
        click.echo(f"note: the reviewed catalog has {len(errors)} validation error(s); "
                   "comparing with what is valid", err=True)
    try:
        decisions = load_decisions(config_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    used: set[int] = set()
    importers = load_importers()
    selected = list(documents) or list(importers)
    unknown = [d for d in selected if d not in importers]
    if unknown:
        raise click.ClickException(f"no importer for {', '.join(unknown)}; known: {', '.join(importers)}")
    total = 0
    for document in selected:
        importer = importers[document]()
        path = config_dir / "sources" / document
        if not path.exists():
            raise click.ClickException(f"source document missing: {path}")
        context = ImportContext(registry=cat.registries.get(importer.jurisdiction),
                                policies=list(cat.policies.values()))
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise click.ClickException(f"{path}: not UTF-8 ({exc.reason} at byte {exc.start})") from exc
        try:
            result = importer.run(text, context)
        except ValidationError as exc:  # a record the document's text cannot fill: name it, no traceback
            details = "; ".join(f"{exc.title}.{format_loc(e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
            raise click.ClickException(
                f"{path}: {type(importer).__name__} cannot read this document ({details}); "
                "is it the document the importer was written for?"
            ) from exc
        diffs = []
        accepted = 0
        for diff in compare(cat, result):
            covering = next((i for i, d in enumerate(decisions) if d.covers(diff)), None)
            if covering is None:
                diffs.append(diff)
            else:
                used.add(covering)
                accepted += 1
        total += len(diffs)
        click.echo(f"== {document} ({type(importer).__name__}): {len(result.mechanisms)} mechanisms, "
                   f"{len(result.templates)} templates, {len(result.duty_lists)} duty lists, "
                   f"{len(result.warnings)} warnings, {len(diffs)} differences"
                   + (f" ({accepted} more accepted by reviewed decisions)" if accepted else ""))
        for warning in result.warnings:
            click.echo(f"  warning: {warning}")
        for diff in diffs:
            click.echo("  " + str(diff).replace("\n", "\n  "))
        keys = {(d.record, d.top_field or "record", d.digest or "none", d.reviewed_digest or "none")
                for d in diffs}
        for record, field, proposal, kept in sorted(keys):
            click.echo(f"  to keep the catalog as it is, record in {config_dir.name}/import-decisions.yaml: "
                       f"{{record: {record}, field: {field}, proposed: {proposal}, reviewed: {kept}, "
                       "reason: …}")
        if write_new:
            for written in write_new_files(cat, result, config_dir):
                click.echo(f"  wrote {written}")
        log.debug("catalog.import", document=document, differences=len(diffs), warnings=len(result.warnings))
    if not documents:
        for index, decision in enumerate(decisions):
            if index not in used:
                click.echo(f"note: import-decisions.yaml:{decision.line}: the decision on {decision.record} "
                           f"{decision.field} no longer answers any difference (the importer changed or the "
                           "catalog now agrees); remove it or review it again")
    if check and total:
        sys.exit(1)


@catalog.command()
@click.argument("matter")
@click.option("--list", "list_id", default=None, help="Duty list id (default: every list).")
@click.option("--limit", default=5, show_default=True, type=click.IntRange(min=1),
              help="How many suggestions.")
@click.pass_context
def route(ctx: click.Context, matter: str, list_id: str | None, limit: int) -> None:
    """Which duty list item a matter falls under: the town handles, assists, or refuses it."""
    from xietong.catalog.duties import match_matter

    if not matter.strip():
        raise click.BadParameter("describe the matter, e.g. 占道经营", param_hint="MATTER")
    cat = _load_valid(ctx)
    lists = [d for d in cat.duty_lists if list_id in (None, d.id)]
    if not lists:
        raise click.ClickException(f"no duty list {list_id!r}; known: {[d.id for d in cat.duty_lists]}")
    found = False
    for duty_list in lists:
        for m in match_matter(duty_list, matter, limit=limit):
            found = True
            click.echo(f"{m.score:.2f}  {m.verdict:<20} {duty_list.town} {m.part}[{m.number}] {m.title}")
            click.echo(f"      {m.reason}")
    if not found:
        click.echo("no matching item: the lists do not cover this matter")


@catalog.command()
@click.argument("model", default="Mechanism")
def schema(model: str) -> None:
    """JSON Schema of a catalog model (Mechanism, Department, DutyList …), for editors."""
    from pydantic import BaseModel

    from xietong.catalog import model as models

    cls = getattr(models, model, None)
    if not (isinstance(cls, type) and issubclass(cls, BaseModel)):
        names = sorted(
            n for n, v in vars(models).items()
            if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__ == models.__name__
        )
        raise click.ClickException(f"no model {model!r}; known: {', '.join(names)}")
    click.echo(json.dumps(cls.model_json_schema(), ensure_ascii=False, indent=1))
