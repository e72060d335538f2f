"""Running the installed `assay` once on a spec and reading the report it writes with `--json`.

The report is `assay run`'s documented wire format (`crates/cli/src/report.rs`): a JSON array
with one object per spec. Anything else (no binary, no report, a report that is not that shape,
a run past its timeout) is `Unavailable`, with one line that says so.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

# `assay run` exits 0 (everything held), 1 (something failed) or 2 (unusable input); each
# writes its report. Any other status (a usage error, a signal) means no report to trust.
REPORTING_EXIT_STATUSES = (0, 1, 2)
# How long `assay` has to stop (and stop the servers it staged) after SIGTERM.
GRACE_SECONDS = 30


class Unavailable(Exception):
    """No report for the spec, and why, in one line."""


def run_assay(binary: str, spec: Path, arguments: list[str], cwd: Path, timeout: float) -> dict:
    """`assay run SPEC --json FILE ARGUMENTS…` in `cwd`; the spec's report object."""
    with tempfile.TemporaryDirectory(prefix="pytest-assay-ml-") as folder:
        out = Path(folder) / "report.json"
        command = [binary, "run", str(spec), "--json", str(out), *arguments]
        try:
            process = subprocess.Popen(
                command,
                cwd=cwd,
                stdin=subprocess.DEVNULL,
                # The report is the file; what assay prints for people is not needed here.
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
            )
        except OSError as error:
            hint = "" if "/" in binary else " (set --assay-bin or the ini option assay_bin)"
            raise Unavailable(f"cannot run {binary}: {error.strerror or error}{hint}") from None
        try:
            _, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            stop(process)
            raise Unavailable(
                f"{binary} run did not finish within {timeout:g} s (raise --assay-timeout)"
            ) from None
        status = process.returncode
        if status not in REPORTING_EXIT_STATUSES or not out.exists():
            said = last_line(stderr)
            raise Unavailable(
                f"{binary} wrote no report (exit status {status})" + (f": {said}" if said else "")
            )
        return read_report(binary, out)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM first, so `assay` stops the servers it staged; SIGKILL if it does not exit."""
    process.terminate()
    try:
        process.communicate(timeout=GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()


def read_report(binary: str, path: Path) -> dict:
    try:
        reports = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise Unavailable(f"{binary} wrote a report that is not JSON: {error}") from None
    if not (isinstance(reports, list) and len(reports) == 1 and isinstance(reports[0], dict)):
        raise Unavailable(f"{binary} wrote a report that is not one spec's result")
    return reports[0]


def last_line(output: bytes) -> str:
    lines = output.decode("utf-8", "replace").strip().splitlines()
    return lines[-1] if lines else ""
