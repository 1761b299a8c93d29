"""One-off migration (issue 14): group the flat claims of config/claims.yaml into statements.

Claims whose quotes fall in the same clause of the report (between two of 。；，) become checks of one
statement whose quote is the report's text from the first to the last of their quotes. Table rows (no such
mark within 120 characters) are grouped only when their quotes are identical. Usage:

    python scripts/migrate_claims.py REPORT.txt config/claims.yaml > new.yaml
"""

from __future__ import annotations

import re
import sys
from collections import OrderedDict

import yaml

CLAUSE_ENDS = "。；，"
LONGEST_CLAUSE = 120


def squeeze(text: str) -> tuple[str, list[int]]:
    """The text without whitespace, and for each kept character its index in the original."""
    kept, where = [], []
    for index, char in enumerate(text):
        if not char.isspace():
            kept.append(char)
            where.append(index)
    return "".join(kept), where


def verbatim(text: str, where: list[int], start: int, end: int) -> str:
    """The original text between two squeezed positions, line breaks removed, other spaces kept."""
    span = text[where[start]:where[end - 1] + 1]
    return re.sub(r"[ \t]*\n\s*", "", span).strip()


def main(report_path: str, claims_path: str) -> None:
    text = open(report_path, encoding="utf-8").read()
    flat, where = squeeze(text)
    claims = yaml.safe_load(open(claims_path, encoding="utf-8"))
    groups: OrderedDict[tuple, list[tuple[int, int, dict]]] = OrderedDict()
    for claim in claims:
        needle = re.sub(r"\s+", "", claim["quote"])
        start = flat.find(needle)
        if start < 0:
            raise SystemExit(f"claim {claim['id']}: quote not found in the report")
        end = start + len(needle)
        left = max(flat.rfind(mark, 0, start + 1) for mark in CLAUSE_ENDS)
        rights = [r for r in (flat.find(mark, end - 1) for mark in CLAUSE_ENDS) if r >= 0]
        if not rights or min(rights) - left > LONGEST_CLAUSE:
            key = ("quote", needle)
        else:
            key = ("clause", left)
        groups.setdefault(key, []).append((start, end, claim))
    out = []
    for members in groups.values():
        first = members[0][2]
        start = min(m[0] for m in members)
        end = max(m[1] for m in members)
        checks = []
        for _, _, claim in members:
            check = {k: v for k, v in claim.items() if k not in ("section", "quote")}
            checks.append(check)
        out.append({"id": first["id"], "section": first["section"], "quote": verbatim(text, where, start, end),
                    "checks": checks})
    yaml.safe_dump(out, sys.stdout, allow_unicode=True, sort_keys=False, width=120)


if __name__ == "__main__":
    main(*sys.argv[1:3])
