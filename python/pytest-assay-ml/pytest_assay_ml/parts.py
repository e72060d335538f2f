"""The test items a spec holds, named from the spec alone, and each one's verdict from a report.

A spec's items: `spec` (assay could use it), `check {i} {check}` per check, the replay's match
with the recording when the spec has one, and per endpoint its cases, its readiness and
metadata requests, its load run, its evaluation's checks and its staged server. Naming reads
only the spec's JSON (the versioned contract), so collecting runs nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

from .report import Report, case_outcomes, cut_short, field, listed, stages

# `MAX_SPEC_BYTES` in the engine: assay refuses larger specs, so they are not parsed here.
MAX_SPEC_BYTES = 32 * 1024 * 1024
# The differences from the recording a failure lists; the rest are counted.
SHOWN_DIFFERENCES = 10


class Verdict(NamedTuple):
    outcome: str  # "pass", "fail" or "skip"
    message: str = ""
    properties: tuple = ()


PASS = Verdict("pass")


def fail(message: str) -> Verdict:
    return Verdict("fail", message)


def read_spec(path: Path) -> dict | None:
    """The spec's JSON object, or None when the file is not one (assay then says why)."""
    try:
        if path.stat().st_size > MAX_SPEC_BYTES:
            return None
        value = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def shown(text: str) -> str:
    """Text from a spec or a server with control characters escaped, so it cannot forge lines
    or colour the terminal (as assay prints it)."""
    escapes = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
    return "".join(
        escapes.get(ch, f"\\u{{{ord(ch):x}}}") if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 else ch
        for ch in text
    )


def outcome_of(case: dict, properties: tuple = ()) -> Verdict:
    """A check's or case's verdict as the report gives it."""
    verdict = case.get("verdict")
    summary = shown(str(case.get("summary", "")))
    if verdict == "pass":
        return Verdict("pass", summary, properties)
    if verdict == "error":
        return Verdict("fail", f"could not run: {summary}", properties)
    return Verdict("fail", summary, properties)


def metrics_of(result) -> tuple:
    """A check's or an evaluation's `metrics` as (name, value) pairs: JUnit properties."""
    return tuple(
        (m["name"], m["value"])
        for m in listed(field(result, "metrics"))
        if isinstance(m, dict) and "name" in m and "value" in m
    )


def missing(report: Report, what: str = "it") -> Verdict:
    reason = report.not_run()
    if reason is not None:
        return Verdict("skip", reason)
    return fail(f"assay's report holds no result for {what}")


class Part:
    """One test item of a spec: its name, and how its verdict is read from the report."""

    name: str

    def judge(self, report: Report) -> Verdict:
        raise NotImplementedError


class SpecUsable(Part):
    name = "spec"

    def __init__(self, readable: bool):
        self.readable = readable

    def judge(self, report: Report) -> Verdict:
        if report.error is not None:
            return fail(shown(report.error))
        if not self.readable:
            return fail("the file is not a JSON object")
        return PASS


class Check(Part):
    def __init__(self, index: int, tags: list):
        self.index = index
        self.tags = tags
        self.name = f"check {index + 1} {shown(str(tags[index]))}"

    def judge(self, report: Report) -> Verdict:
        outcome = report.check_outcomes(self.tags)[self.index]
        if outcome is None:
            return missing(report)
        return outcome_of(outcome, metrics_of(outcome))


def value_text(value) -> str:
    """A `Value` of a difference, as assay prints it."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        if "float" in value:
            return f"{value['float']} (bits {value.get('bits')})"
        for key in ("text", "count", "verdict"):
            if key in value:
                return shown(str(value[key]))
    return shown(json.dumps(value))


class Replay(Part):
    name = "replay_matches_recording"

    def judge(self, report: Report) -> Verdict:
        replay = report.raw.get("replay")
        if replay is None:
            return missing(report, "the replay")
        # Which model the replay trained, and in which numerics version: JUnit properties.
        properties = tuple(
            (key, report.raw[key])
            for key in ("parameter_fingerprint", "numerics")
            if report.raw.get(key) is not None
        )
        if replay != "differs":
            return Verdict("pass", "", properties)
        differences = listed(report.raw.get("differences"))
        total = report.raw.get("differences_total", len(differences))
        lines = [f"The replay differs from the recording in {total} values:"]
        for d in differences[:SHOWN_DIFFERENCES]:
            lines.append(
                f"  {shown(str(field(d, 'item')))}: recorded {value_text(field(d, 'recorded'))}, "
                f"replayed {value_text(field(d, 'replayed'))}"
            )
        if isinstance(total, int) and total > SHOWN_DIFFERENCES:
            lines.append(f"  … and {total - SHOWN_DIFFERENCES} more")
        return Verdict("fail", "\n".join(lines), properties)


class EndpointPart(Part):
    """An item of endpoint `index` of the spec, named `name`."""

    # Whether the item judges an endpoint assay skipped itself, rather than being skipped.
    judges_skipped = False

    def __init__(self, index: int, endpoint: str, label: str):
        self.index = index
        self.endpoint = endpoint
        self.name = f"endpoint {shown(endpoint)} / {label}"

    def judge(self, report: Report) -> Verdict:
        endpoint = report.endpoint(self.index, self.endpoint)
        if endpoint is None:
            return missing(report)
        skipped = endpoint.get("skipped")
        if skipped is not None and not self.judges_skipped:
            return Verdict("skip", f"assay skipped this endpoint: {shown(str(skipped))}")
        return self.judge_endpoint(endpoint)

    def judge_endpoint(self, endpoint: dict) -> Verdict:
        raise NotImplementedError


class Case(EndpointPart):
    def __init__(self, index: int, endpoint: str, cases: list, k: int):
        super().__init__(index, endpoint, shown(cases[k]))
        self.cases = cases
        self.k = k

    def judge_endpoint(self, endpoint: dict) -> Verdict:
        outcome = case_outcomes(endpoint, self.cases)[0][self.k]
        if outcome is not None:
            figures = tuple(
                (key, outcome[key])
                for key in ("status", "latency_ms")
                if outcome.get(key) is not None
            )
            return outcome_of(outcome, figures)
        limit = cut_short(endpoint)
        if limit is not None:
            return fail(f"not sent: {shown(str(limit.get('summary', '')))}")
        return fail("assay's report holds no result for this case")


class Probes(EndpointPart):
    """The readiness and metadata requests the protocol makes before the cases."""

    def __init__(self, index: int, endpoint: str, cases: list):
        super().__init__(index, endpoint, "health and metadata")
        self.cases = cases

    def judge_endpoint(self, endpoint: dict) -> Verdict:
        probes = case_outcomes(endpoint, self.cases)[1]
        if not probes:
            return Verdict(
                "skip", "this endpoint's protocol makes no readiness or metadata request"
            )
        failed = [outcome_of(p) for p in probes if p.get("verdict") != "pass"]
        if failed:
            return fail("\n".join(f.message for f in failed))
        return PASS


class Load(EndpointPart):
    FIGURES = ("requests", "errors", "error_rate", "p50_ms", "p95_ms", "p99_ms", "elapsed_ms")

    def __init__(self, index: int, endpoint: str):
        super().__init__(index, endpoint, "load")

    def judge_endpoint(self, endpoint: dict) -> Verdict:
        load = endpoint.get("load")
        if not isinstance(load, dict):
            return fail("assay's report holds no load run for this endpoint")
        figures = tuple((key, load[key]) for key in self.FIGURES if load.get(key) is not None)
        broken = [shown(str(b)) for b in listed(load.get("broken"))]
        if broken:
            return Verdict("fail", "\n".join(broken), figures)
        return Verdict("pass", "", figures)


class Evaluation(EndpointPart):
    """`answers` (position 0: every row answered readably) or the evaluation's check at
    `position` - 1, as the report orders them."""

    def __init__(self, index: int, endpoint: str, position: int, label: str):
        super().__init__(index, endpoint, f"evaluation / {label}")
        self.position = position

    def judge_endpoint(self, endpoint: dict) -> Verdict:
        evaluation = endpoint.get("evaluation")
        checks = listed(field(evaluation, "checks"))
        if self.position >= len(checks) or not isinstance(checks[self.position], dict):
            return fail("assay's report holds no result for this evaluation check")
        # The served metrics go with `answers`, once.
        metrics = metrics_of(evaluation) if self.position == 0 else ()
        return outcome_of(checks[self.position], metrics)


class Server(EndpointPart):
    """The staged server's stages: it starts, gets ready in time, shuts down cleanly."""

    judges_skipped = True

    def __init__(self, index: int, endpoint: str):
        super().__init__(index, endpoint, "server")

    def judge_endpoint(self, endpoint: dict) -> Verdict:
        staged = stages(endpoint)
        failed = [s for s in staged if s.get("verdict") != "pass"]
        if failed:
            return fail(
                "\n".join(f"{shown(str(s.get('case')))}: {outcome_of(s).message}" for s in failed)
            )
        skipped = endpoint.get("skipped")
        if skipped is not None:
            return Verdict("skip", f"assay skipped this endpoint: {shown(str(skipped))}")
        if not staged:
            return fail("assay's report holds no stage of this endpoint's server")
        return PASS


def evaluation_label(check: dict) -> str:
    """`EvaluationCheck::label`: the tag and what it is about (`metric_threshold accuracy`)."""
    tag = check.get("check")
    if tag == "agrees_with_column":
        about = check.get("column")
    elif tag == "no_worse_than_endpoint":
        about = f"{check.get('endpoint')} {check.get('metric')}"
    else:
        about = check.get("metric")
    return shown(f"{tag} {about}")


def endpoint_parts(index: int, endpoint: dict) -> list:
    name = str(endpoint.get("name"))
    cases = [str(field(c, "name")) for c in listed(endpoint.get("cases"))]
    parts: list = [Probes(index, name, cases)]
    parts += [Case(index, name, cases, k) for k in range(len(cases))]
    if endpoint.get("load") is not None:
        parts.append(Load(index, name))
    evaluation = endpoint.get("evaluation")
    if isinstance(evaluation, dict):
        parts.append(Evaluation(index, name, 0, "answers"))
        for k, check in enumerate(listed(evaluation.get("checks"))):
            parts.append(
                Evaluation(
                    index, name, k + 1, evaluation_label(check if isinstance(check, dict) else {})
                )
            )
    if endpoint.get("serve") is not None:
        parts.append(Server(index, name))
    return parts


def parts_of(spec: dict | None) -> list:
    """The items of a spec (None: a file that is not a JSON object, `spec` alone)."""
    if spec is None:
        return [SpecUsable(readable=False)]
    parts: list = [SpecUsable(readable=True)]
    tags = [field(c, "check") for c in listed(spec.get("checks"))]
    parts += [Check(i, tags) for i in range(len(tags))]
    if spec.get("recorded") is not None:
        parts.append(Replay())
    for j, endpoint in enumerate(listed(spec.get("endpoints"))):
        if isinstance(endpoint, dict):
            parts += endpoint_parts(j, endpoint)
    return parts
