"""One spec's report from `assay run --json`, looked up by the parts of the spec it answers.

The report pairs with the spec as `crates/cli/src/report.rs` documents: its `checks` are the
spec's checks in order (with `--only`, only those of that part, still in order), its
`endpoints` the spec's endpoints in order, and an endpoint's `cases` the staged server's stages
(`starts`, `ready within N s` first, `shuts down cleanly` last), the readiness and metadata
requests the protocol makes (`health`, `metadata`), the spec's cases in order, and `time limit`
when the time limit cut them short. Names in a report are clipped as `clip` does.
"""

from __future__ import annotations

# `MAX_NAME_CHARS` in report.rs: longer names come back clipped.
MAX_NAME_CHARS = 200
CUT_SHORT = "time limit"


def clip(text: str, limit: int = MAX_NAME_CHARS) -> str:
    """The name as the report carries it (`report::clip`)."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def is_stage(case_name: str) -> bool:
    """A staged server's stage, reported among its endpoint's cases."""
    return case_name in ("starts", "shuts down cleanly") or (
        case_name.startswith("ready within ") and case_name.endswith(" s")
    )


def listed(value) -> list:
    return value if isinstance(value, list) else []


def field(value, key: str):
    return value.get(key) if isinstance(value, dict) else None


class Report:
    def __init__(self, raw: dict, only: str | None):
        self.raw = raw
        self.only = only
        checks = [c for c in listed(raw.get("checks")) if isinstance(c, dict)]
        self.checks = checks

    @property
    def error(self) -> str | None:
        """Why assay could not use the spec at all, if it could not."""
        error = self.raw.get("error")
        return error if isinstance(error, str) else None

    def not_run(self) -> str | None:
        """Why a part missing from the report is missing, when that is no failure."""
        if self.error is not None:
            return "assay could not use the spec (see its `spec` item)"
        if self.only is not None:
            return f"not run with --only {self.only}"
        return None

    def check_outcomes(self, tags: list) -> list:
        """For each of the spec's checks (by tag), its outcome, or None where the report has
        none. With `--only` the report holds a subsequence of the spec's checks, and a tag is of
        one part only, so matching tags in order pairs them exactly."""
        outcomes = []
        position = 0
        for tag in tags:
            if position < len(self.checks) and self.checks[position].get("check") == tag:
                outcomes.append(self.checks[position])
                position += 1
            else:
                outcomes.append(None)
        return outcomes

    def endpoint(self, index: int, name: str) -> dict | None:
        endpoints = listed(self.raw.get("endpoints"))
        if index < len(endpoints) and field(endpoints[index], "endpoint") == clip(name):
            return endpoints[index]
        return None


def case_outcomes(endpoint: dict, case_names: list) -> tuple:
    """The outcome of each of the spec's cases (None where the report has none), and the
    report's other cases that are neither a stage nor the time limit (readiness, metadata).

    The spec's cases come after the readiness and metadata requests, so they are matched from
    the end: a case that happens to be called `health` is the case, not the request."""
    cases = [c for c in listed(endpoint.get("cases")) if isinstance(c, dict)]
    matched = [None] * len(case_names)
    taken = set()
    before = len(cases)
    for k in reversed(range(len(case_names))):
        wanted = clip(case_names[k])
        for r in reversed(range(before)):
            if cases[r].get("case") == wanted:
                matched[k] = cases[r]
                taken.add(r)
                before = r
                break
    others = [
        c
        for r, c in enumerate(cases)
        if r not in taken and not is_stage(str(c.get("case"))) and c.get("case") != CUT_SHORT
    ]
    return matched, others


def stages(endpoint: dict) -> list:
    return [
        c
        for c in listed(endpoint.get("cases"))
        if isinstance(c, dict) and is_stage(str(c.get("case")))
    ]


def cut_short(endpoint: dict) -> dict | None:
    """The `time limit` case: why cases after it have no outcome."""
    for case in listed(endpoint.get("cases")):
        if field(case, "case") == CUT_SHORT:
            return case
    return None
