"""The claims of a user's own study, from its stored spec (the report reads only the store): every row against
its group's reference row (the row that changes nothing), with the three outcomes, and the spec's `claims:`.

The same function serves the decision mode (`ablab study run --decide`), which gives these claims seeds as it
gives the report's.
"""

from __future__ import annotations

from ablab.report.findings import REPORT_STUDIES, Claim
from ablab.report.verdicts import DATASET_NAMES, Test

CHANGES = ("set", "preset", "model", "datasets")
KIND_WORDS = {"better": "better than", "worse": "worse than", "equivalent": "equivalent to"}


def _is_reference(row: dict) -> bool:
    return not any(row.get(k) for k in CHANGES)


def _datasets(spec: dict, group: dict, row: dict | None = None) -> list[str]:
    return (row or {}).get("datasets") or group.get("datasets") or spec.get("datasets") or [""]


def _row_id(spec: dict, ref: str) -> tuple[int | None, str, str]:
    """(table, group, row) of "group/row" or a unique row label (the spec was validated when it was stored)."""
    group, _, label = ref.rpartition("/")
    for g in spec.get("vary", []):
        for r in g["rows"]:
            if r["label"] == label and (not group or g["group"] == group):
                return (spec.get("table"), g["group"], r["label"])
    raise ValueError(f"study {spec.get('name')}: {ref!r} names no row")


def reference_claims(spec: dict) -> list[Claim]:
    """One claim per (row, dataset) that compares the row with its group's reference row."""
    claims = []
    for group in spec.get("vary", []):
        reference = next((r for r in group["rows"] if _is_reference(r)), None)
        if reference is None:
            continue
        ref_id = (spec.get("table"), group["group"], reference["label"])
        for row in group["rows"]:
            if row is reference:
                continue
            for dataset in _datasets(spec, group, row):
                name = DATASET_NAMES.get(dataset, dataset)
                claims.append(Claim(f"{group['group']}: {row['label']}" + (f" ({name})" if dataset else ""),
                                    spec["name"], f"{row['label']} against {reference['label']}" +
                                    (f" on {name}" if dataset else ""),
                                    (Test("compare", (spec.get("table"), group["group"], row["label"]), dataset,
                                          b=ref_id),)))
    return claims


def _claim_tests(spec: dict, claim: dict) -> tuple[Test, ...]:
    a = _row_id(spec, claim["a"])
    datasets = claim.get("datasets") or spec.get("datasets") or [""]
    margin = claim.get("margin")
    if claim["kind"] == "best":
        group = next(g for g in spec["vary"] if g["group"] == a[1])
        among = tuple(_row_id(spec, r)[2] for r in claim.get("among") or []) or tuple(r["label"] for r in
                                                                                       group["rows"])
        return tuple(Test("best", a, d, among=tuple(dict.fromkeys((a[2], *among))), margin=margin)
                     for d in datasets)
    b = _row_id(spec, claim["b"])
    if claim["kind"] == "worse":  # a worse than b: b better than a
        return tuple(Test("better", b, d, b=a, margin=margin) for d in datasets)
    kind = "close" if claim["kind"] == "equivalent" else "better"
    return tuple(Test(kind, a, d, b=b, margin=margin) for d in datasets)


def declared_claims(spec: dict) -> list[Claim]:
    """The spec's own `claims:`, each a claim over every dataset it names (default: the study's)."""
    claims = []
    for i, claim in enumerate(spec.get("claims") or []):
        words = KIND_WORDS.get(claim["kind"], "the best of its group")
        text = claim.get("text") or (f"{claim['a']} {words} {claim['b']}" if claim.get("b") else
                                     f"{claim['a']} is {words}")
        claims.append(Claim(claim.get("id") or f"{spec['name']}-{i + 1}", spec["name"], text,
                            _claim_tests(spec, claim)))
    return claims


def study_claims(spec: dict) -> tuple[Claim, ...]:
    """Every claim a user's study is decided on: its declared claims, then each row against its reference."""
    return tuple(declared_claims(spec) + reference_claims(spec))


def user_claims(specs: list[dict]) -> tuple[Claim, ...]:
    """The claims of every study that is not one of the report's (the report and the decision mode both ask)."""
    return tuple(c for spec in specs if spec["name"] not in REPORT_STUDIES for c in study_claims(spec))
