"""How long generating and validating the whole catalog takes.

Prints, for the committed catalog: loading, mapping + writing every process (the figure designers
wait for on `xietong bpmn generate`), the task-type/FEEL contract check, and the Node linters (one
process for all files, as `xietong bpmn check` runs them).
Run: `.venv/bin/python benchmarks/generate_bench.py`.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from xietong.catalog.loader import load_catalog_or_raise
from xietong.generator.check import check_contract
from xietong.generator.generate import build_outputs
from xietong.settings import get_settings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--config", type=Path, default=get_settings().config_dir)
    parser.add_argument("--rounds", type=int, default=3, help="generation rounds (best is reported)")
    parser.add_argument("--no-lint", action="store_true", help="skip the Node linters")
    args = parser.parse_args()

    t0 = time.perf_counter()
    catalog = load_catalog_or_raise(args.config)
    load_s = time.perf_counter() - t0

    best = float("inf")
    outputs = []
    for _ in range(args.rounds):
        t0 = time.perf_counter()
        outputs = build_outputs(catalog)
        best = min(best, time.perf_counter() - t0)
    size = sum(len(o.content) for o in outputs)
    elements = sum(len(o.hashes) for o in outputs)

    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for output in outputs:
            path = Path(tmp) / output.path
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(output.content)
            paths.append(path)
        t0 = time.perf_counter()
        contract_findings = [f for p in paths for f in check_contract(p)]
        contract_s = time.perf_counter() - t0
        lint_s, lint_errors = None, None
        if not args.no_lint:
            from xietong.generator.lint import errors, lint_files

            t0 = time.perf_counter()
            lint_errors = len(errors(lint_files(paths)))
            lint_s = time.perf_counter() - t0

    print(
        f"catalog: {len(catalog.mechanisms)} mechanisms -> {len(outputs)} processes, "
        f"{elements} BPMN elements, {size / 1024:.0f} KiB"
    )
    print(f"load catalog:          {load_s * 1000:8.1f} ms")
    print(
        f"generate (best of {args.rounds}):  {best * 1000:8.1f} ms  "
        f"({best * 1000 / max(len(outputs), 1):.1f} ms/process)"
    )
    print(f"contract + FEEL check: {contract_s * 1000:8.1f} ms  ({len(contract_findings)} findings)")
    if lint_s is not None:
        print(f"Node linters + DI:     {lint_s * 1000:8.1f} ms  ({lint_errors} errors)")


if __name__ == "__main__":
    main()
