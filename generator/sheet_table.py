"""The answer sheet's stored table of answer sizes (``generator/sheet-sizes.json``),
measured over the first :data:`generator.sheet.TABLE_SEEDS` seeds of every
family: ``python -m generator.sheet_table`` checks that it is current,
``--write`` remakes it (after a family's answers change)."""

from __future__ import annotations

import argparse
import sys

from . import sheet
from .pipeline import build_problem_set


def measured(seeds: int = sheet.TABLE_SEEDS) -> str:
    """The table's text, measured afresh."""
    return sheet.table_text(sheet.measure_table((build_problem_set(seed) for seed in range(seeds)), seeds))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator.sheet_table",
                                     description="Check (or with --write remake) the answer sheet's table of answer sizes.")
    parser.add_argument("--write", action="store_true", help=f"write {sheet.TABLE.name} (else: check that it is current)")
    args = parser.parse_args(argv)
    text = measured()
    if args.write:
        sheet.TABLE.write_text(text, encoding="utf-8")
        print(f"wrote {sheet.TABLE.name}")
        return 0
    if sheet.TABLE.read_text(encoding="utf-8") != text:
        print(f"{sheet.TABLE.name} is stale: run python -m generator.sheet_table --write", file=sys.stderr)
        return 1
    print(f"{sheet.TABLE.name} is current")
    return 0


if __name__ == "__main__":
    sys.exit(main())
