"""The pytest side: collect `*.assay.json` files, one item per part of the spec, and run `assay`
once per file, when its first item runs (never while collecting).

An item's failure is the check's or case's summary as assay wrote it, without a Python
traceback; parts assay did not run (`--assay-only`, an endpoint it skipped) are skipped with
the reason.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from .parts import Part, parts_of, read_spec
from .report import Report
from .runner import Unavailable, run_assay

SUFFIX = ".assay.json"
DEFAULT_TIMEOUT_SECONDS = 900.0


class AssayFailure(Exception):
    """An item that did not hold; its text is all a failure shows."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("assay", "Assay test specs (*.assay.json)")
    group.addoption(
        "--assay-bin",
        metavar="PATH",
        help="the assay program to run (default: the ini option assay_bin, else `assay` on PATH)",
    )
    group.addoption(
        "--assay-only",
        choices=("training", "data", "endpoints"),
        help="run only one part of each spec (assay run --only); the other items are skipped",
    )
    group.addoption(
        "--assay-env-file",
        metavar="PATH",
        help="KEY=VALUE lines for ${env:KEY} references in endpoint headers (assay run --env-file)",
    )
    group.addoption(
        "--assay-data",
        metavar="PATH",
        help="read the dataset from this CSV instead of the spec's own (assay run --data)",
    )
    group.addoption(
        "--assay-allow-env",
        action="append",
        default=[],
        metavar="NAME",
        help="a variable endpoint headers may read (assay run --allow-env; repeatable)",
    )
    group.addoption(
        "--assay-allow-serve",
        action="store_true",
        help="start the model servers the specs name in `serve` (assay run --allow-serve)",
    )
    group.addoption(
        "--assay-time-limit",
        type=int,
        metavar="SECONDS",
        help="the longest each endpoint's cases, evaluation or load run may take "
        "(assay run --time-limit)",
    )
    group.addoption(
        "--assay-timeout",
        type=float,
        metavar="SECONDS",
        help="stop an assay run that takes longer (default: the ini option assay_timeout, "
        f"else {DEFAULT_TIMEOUT_SECONDS:g})",
    )
    parser.addini("assay_bin", "the assay program to run (relative to the ini file's folder)")
    parser.addini("assay_timeout", "seconds an assay run may take before it is stopped")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SUFFIX):
        return AssayFile.from_parent(parent, path=file_path)
    return None


def absolute(path: str, base: Path) -> str:
    return str(base / path) if not os.path.isabs(path) else path


def assay_binary(config: pytest.Config) -> str:
    """The program to run: a path is taken from where it was given (the command line's folder
    or the ini file's); a bare name is looked up on PATH."""
    given = config.getoption("assay_bin")
    base = config.invocation_params.dir
    if not given:
        given = config.getini("assay_bin") or "assay"
        base = config.inipath.parent if config.inipath else config.rootpath
    return absolute(given, Path(base)) if os.sep in given else given


def timeout_of(config: pytest.Config) -> float:
    given = config.getoption("assay_timeout")
    where = "--assay-timeout"
    if given is None:
        given, where = config.getini("assay_timeout") or DEFAULT_TIMEOUT_SECONDS, "assay_timeout"
    try:
        seconds = float(given)
    except ValueError:
        seconds = 0.0
    if not (0 < seconds < math.inf):
        raise pytest.UsageError(f"{where}: not a number of seconds above 0: {given!r}")
    return seconds


def pytest_configure(config: pytest.Config) -> None:
    # A bad setting is said once, before anything runs, not by every item.
    timeout_of(config)


def passed_through(config: pytest.Config) -> list:
    """The `assay run` options the plugin's options stand for; paths from the command line's
    folder."""
    here = config.invocation_params.dir
    arguments = []
    if config.getoption("assay_only"):
        arguments += ["--only", config.getoption("assay_only")]
    if config.getoption("assay_env_file"):
        arguments += ["--env-file", absolute(config.getoption("assay_env_file"), here)]
    if config.getoption("assay_data"):
        arguments += ["--data", absolute(config.getoption("assay_data"), here)]
    for name in config.getoption("assay_allow_env"):
        arguments += ["--allow-env", name]
    if config.getoption("assay_allow_serve"):
        arguments.append("--allow-serve")
    if config.getoption("assay_time_limit") is not None:
        arguments += ["--time-limit", str(config.getoption("assay_time_limit"))]
    return arguments


class AssayFile(pytest.File):
    """A spec file; `assay` runs on it once, for all its items."""

    _report: Report | Unavailable | None = None

    def collect(self):
        for part in parts_of(read_spec(self.path)):
            yield AssayItem.from_parent(self, name=part.name, part=part)

    def report(self) -> Report:
        if self._report is None:
            config = self.config
            try:
                raw = run_assay(
                    assay_binary(config),
                    self.path,
                    passed_through(config),
                    config.invocation_params.dir,
                    timeout_of(config),
                )
                self._report = Report(raw, config.getoption("assay_only"))
            except Unavailable as unavailable:
                self._report = unavailable
        if isinstance(self._report, Unavailable):
            raise AssayFailure(str(self._report))
        return self._report


class AssayItem(pytest.Item):
    def __init__(self, *, part: Part, **kwargs):
        super().__init__(**kwargs)
        self.part = part

    def runtest(self) -> None:
        assert isinstance(self.parent, AssayFile)
        verdict = self.part.judge(self.parent.report())
        self.user_properties.extend(verdict.properties)
        if verdict.outcome == "skip":
            skipped = pytest.skip.Exception(verdict.message)
            # Reported at the spec file, not at this line of the plugin (as skip marks are).
            skipped._use_item_location = True
            raise skipped
        if verdict.outcome == "fail":
            raise AssayFailure(verdict.message)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, AssayFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        # Not the node id's tail: pytest would print its dots as `::` in verbose lines.
        return self.path, 0, f"{self.path.name}: {self.name}"
