"""Partial credit from the key's own marking, applied to a student's verdicts
after the judge has decided right, follow-through and wrong.

Each usual mistake of answers.json carries a ``credit`` (the share of the
answer's points it still earns: the method marks) and a ``scope``:

- a wrong answer that is a named mistake earns ``credit`` of its points;
- a mistake of scope ``part`` made again in a later answer of the same part
  (the same slip, made consistently) costs nothing more: that answer is
  judged from the slipped values and earns its points in full. So the slip
  costs once per part;
- a number or vector right to fewer decimals than the key asks (its tolerance:
  ±0.005 asks two, ±0.0001 four), with at least one decimal and not 0, earns
  the version's ``grading.rounding`` share.

Answers after a wrong one are judged from the student's own values by the
judge (follow-through); nothing here changes a right answer or an answer that
could not be read or judged.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from ..key import Marking, Version
from . import judge
from .judge import Key, Verdict

PARTIAL, SLIP = "partial", "same slip"  # statuses this pass gives
_DECIMALS = re.compile(r"[+-]?\d*[.,](\d+)")


def grading_of(version: Version) -> Marking:
    """The shares the version's key was made with (answers.json's ``grading``)."""
    return version.marking


def asked_decimals(key: Key) -> int | None:
    """The decimals the key's tolerance asks for (±0.005: 2), or None when it asks none."""
    tol = key.tolerance
    if tol is None or tol.abs <= 0 or tol.rel > 0:
        return None
    return max(0, math.ceil(-math.log10(2 * tol.abs) - 1e-9))


def typed_decimals(text: str, size: int) -> int | None:
    """The most decimals of the components typed (after the last '='), or
    None when a component is not a plain decimal number."""
    body = text.translate(str.maketrans("−–", "--")).strip()
    for sign in ("=", "≈"):
        if sign in body:
            body = body.rsplit(sign, 1)[1].strip()
    body = body.strip("()[]{}⟨⟩ ")
    pieces = [p.strip() for p in (body.split(";") if ";" in body or size == 1 else body.split(","))]
    if size == 1 and len(pieces) != 1:
        return None
    if len(pieces) != size:
        return None
    most = 0
    for p in pieces:
        m = _DECIMALS.fullmatch(p)
        if m:
            most = max(most, len(m.group(1)))
        elif not re.fullmatch(r"[+-]?\d+", p):
            return None
    return most


def rounded_right(v: Verdict, key: Key) -> int | None:
    """The decimals ``v`` is right to, when fewer than the key asks; else None."""
    asked = asked_decimals(key)
    if asked is None or not isinstance(v.value, (float, list)):
        return None
    values = [v.value] if isinstance(v.value, float) else list(v.value)
    target = [float(key.value)] if isinstance(key.value, (int, float)) else list(key.value or ())
    if len(values) != len(target) or not any(values):
        return None
    typed = typed_decimals(v.response, len(target))
    if typed is None or not 1 <= typed < asked:
        return None
    half = 0.5 * 10.0 ** -typed + 1e-12
    return typed if all(abs(r - t) <= half * (1 + 1e-9) for r, t in zip(values, target)) else None


def _share(x: float) -> str:
    return {0.5: "half", 0.25: "a quarter", 0.75: "three quarters", 1.0: "all"}.get(x, f"{x:g}")


def apply(verdicts: Sequence[Verdict], keys: Sequence[Key], marking: Marking) -> None:
    """Give each wrong verdict the partial credit its key allows (in place)."""
    by_ref = {k.ref: k for k in keys}
    slipped: dict[tuple[str, str], str] = {}  # (part, mistake name) -> the ref where the part's slip was first made
    for v in verdicts:
        if v.status != judge.WRONG:
            continue
        key = by_ref[v.ref]
        m = v.mistake
        if m is not None:
            first = slipped.get((v.part, m.name)) if m.scope == "part" else None
            if first is not None:
                v.status, v.points = SLIP, key.points
                v.note = f"the same slip as {first}, counted once in the part"
                continue
            if m.scope == "part":
                slipped[(v.part, m.name)] = v.ref
            if m.credit > 0:
                v.status, v.points = PARTIAL, round(key.points * m.credit, 4)
                v.note = f"{v.note}; {_share(m.credit)} of the marks for the method"
            continue
        if marking.rounding > 0:
            typed = rounded_right(v, key)
            if typed is not None:
                v.status, v.points = PARTIAL, round(key.points * marking.rounding, 4)
                v.note = (f"right to {typed} decimal{'s' if typed > 1 else ''}, {asked_decimals(key)} asked: "
                          f"{_share(marking.rounding)} of the marks")
