"""The plugin under real pytest (`pytester`), with real spec files and the real `assay` on PATH.

Specs are copies of the CLI's golden specs (`crates/cli/tests/specs/`), changed where a test needs
a failure; endpoint cases run against `oip_stub.py`, an Open Inference server on 127.0.0.1.
"""

import copy
import json
import shutil
import socket
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import oip_stub
import pytest

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "crates" / "cli" / "tests" / "specs"
STUB = Path(__file__).resolve().parent / "oip_stub.py"


@pytest.fixture(scope="session", autouse=True)
def assay_on_path():
    if shutil.which("assay") is None:
        pytest.fail("these tests run the real `assay`: put the folder holding it first on PATH")


def iris():
    """The golden iris spec: 17 checks and a recording, all of which hold."""
    return json.loads((GOLDEN / "softmax_iris.assay.json").read_text())


def write(pytester, name, spec):
    path = pytester.path / f"{name}.assay.json"
    path.write_text(spec if isinstance(spec, str) else json.dumps(spec))
    return path


def with_threshold(spec, threshold):
    """The spec with its `metric_threshold` check's bar moved (the recording keeps the old one)."""
    spec = copy.deepcopy(spec)
    for check in spec["checks"]:
        if check["check"] == "metric_threshold":
            check["threshold"] = threshold
    return spec


def position(spec, tag):
    """The 1-based position of the check `tag` in the spec, as its item is named."""
    return 1 + [c["check"] for c in spec["checks"]].index(tag)


def stub_endpoint(base_url, name="stub", **extra):
    endpoint = {
        "name": name,
        "base_url": base_url,
        "protocol": {"kind": "open_inference"},
        "model": oip_stub.MODEL,
        "features": oip_stub.FEATURES,
        "cases": [
            {
                "name": "a setosa",
                "input": [5.1, 3.5, 1.4, 0.2],
                "expect": {"kind": "class_label", "label": "setosa"},
            },
            {
                "name": "a versicolor taken for virginica",
                "input": [6.4, 3.2, 4.5, 1.5],
                "expect": {"kind": "class_label", "label": "virginica"},
            },
        ],
    }
    endpoint.update(extra)
    return endpoint


@pytest.fixture
def stub():
    server = oip_stub.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_spec_that_holds_passes_one_item_per_check_and_the_replay(pytester):
    spec = iris()
    write(pytester, "iris", spec)
    result = pytester.runpytest("-v")
    # `spec`, each check, and the replay's match with the recording.
    result.assert_outcomes(passed=1 + len(spec["checks"]) + 1)
    result.stdout.fnmatch_lines(
        [
            "*iris.assay.json::spec PASSED*",
            "*iris.assay.json::check 1 no_missing_values PASSED*",
            f"*::check {position(spec, 'metric_threshold')} metric_threshold PASSED*",
            "*iris.assay.json::replay_matches_recording PASSED*",
        ]
    )
    assert result.ret == 0


def test_a_failing_check_fails_its_item_with_its_summary_and_the_replay_differs(pytester):
    spec = with_threshold(iris(), 0.9)
    write(pytester, "iris", spec)
    result = pytester.runpytest("-v", "-rf")
    result.assert_outcomes(passed=len(spec["checks"]), failed=2)
    n = position(spec, "metric_threshold")
    result.stdout.fnmatch_lines(
        [
            f"*::check {n} metric_threshold FAILED*",
            "*::replay_matches_recording FAILED*",
            # The check's own summary, as assay wrote it, is the failure.
            "Validation accuracy is 0.8462; the bar is at least 0.9.",
            f"*check {n} (metric_threshold) verdict: recorded pass, replayed fail*",
            f"*check {n} (metric_threshold) threshold: recorded 0.8 *, replayed 0.9 *",
        ]
    )
    # The summary alone: no Python traceback of the plugin around it.
    assert "Traceback" not in result.stdout.str()
    assert "runtest" not in result.stdout.str()
    assert result.ret == 1


def test_a_file_that_is_not_json_is_one_failing_spec_item_with_assays_error(pytester):
    write(pytester, "broken", "{bad")
    result = pytester.runpytest("-v", "-rf")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["*broken.assay.json::spec FAILED*", "*spec: not valid JSON: key must be a string*"]
    )


def test_a_spec_whose_data_does_not_match_its_hash_fails_spec_and_runs_nothing_else(pytester):
    spec = iris()
    spec["dataset"]["sha256"] = "0" * 64
    write(pytester, "iris", spec)
    result = pytester.runpytest("-v", "-rfs")
    # Nothing of the spec ran: its checks and replay are skipped, saying why.
    result.assert_outcomes(failed=1, skipped=len(spec["checks"]) + 1)
    result.stdout.fnmatch_lines(
        [
            "*iris.assay.json::spec FAILED*",
            "*setting `dataset.sha256`: the embedded CSV has SHA-256 *, but the spec records 000*",
            "SKIPPED*assay could not use the spec*",
        ]
    )


def test_junitxml_holds_a_testcase_per_item_and_failures_carry_the_summary(pytester):
    spec = with_threshold(iris(), 0.9)
    write(pytester, "iris", spec)
    pytester.runpytest("--junitxml=out.xml")
    root = ET.parse(pytester.path / "out.xml").getroot()
    cases = root.findall(".//testcase")
    n = position(spec, "metric_threshold")
    names = [c.get("name") for c in cases]
    assert names == (
        ["spec"]
        + [f"check {i} {c['check']}" for i, c in enumerate(spec["checks"], start=1)]
        + ["replay_matches_recording"]
    )
    failed = {c.get("name"): c.find("failure") for c in cases if c.find("failure") is not None}
    assert set(failed) == {f"check {n} metric_threshold", "replay_matches_recording"}
    threshold = failed[f"check {n} metric_threshold"]
    assert threshold.get("message") == "Validation accuracy is 0.8462; the bar is at least 0.9."
    # The check's metrics travel as the test case's properties.
    passing = cases[names.index(f"check {n} metric_threshold")]
    properties = {p.get("name"): p.get("value") for p in passing.iter("property")}
    assert properties["threshold"] == "0.9"
    # The replay says which model it trained, and in which numerics version.
    replay = cases[names.index("replay_matches_recording")]
    properties = {p.get("name"): p.get("value") for p in replay.iter("property")}
    assert properties["numerics"] == str(spec["training"].get("numerics", 1))
    assert len(properties["parameter_fingerprint"]) == 64


def test_assay_only_passes_through_and_what_it_left_out_is_skipped(pytester):
    # The bar is too high, but --only data runs no model check: the run holds.
    spec = with_threshold(iris(), 0.9)
    write(pytester, "iris", spec)
    result = pytester.runpytest("-v", "-rs", "--assay-only", "data")
    data = 8  # the iris spec's data checks, the first eight
    assert [c["check"] for c in spec["checks"][:data]][-1] == "class_balance"
    result.assert_outcomes(passed=1 + data + 1, skipped=len(spec["checks"]) - data)
    n = position(spec, "metric_threshold")
    result.stdout.fnmatch_lines(
        [f"*::check {n} metric_threshold SKIPPED*", "SKIPPED*not run with --only data*"]
    )
    assert result.ret == 0


def test_collect_only_runs_nothing(pytester):
    marker = pytester.path / "assay-ran"
    fake = pytester.path / "fake-assay"
    fake.write_text(f"#!/bin/sh\necho ran > '{marker}'\n")
    fake.chmod(0o755)
    spec = iris()
    write(pytester, "iris", spec)
    result = pytester.runpytest("--collect-only", "-q", "--assay-bin", str(fake))
    result.stdout.fnmatch_lines([f"*{2 + len(spec['checks'])} tests collected*"])
    assert not marker.exists()
    # The same binary, when the tests run, does run (and writes no report: every item says so).
    result = pytester.runpytest("-rf", "--assay-bin", str(fake))
    assert marker.exists()
    result.assert_outcomes(failed=2 + len(spec["checks"]))
    result.stdout.fnmatch_lines(["*fake-assay* wrote no report (exit status 0)*"])


def test_a_missing_binary_fails_every_item_with_one_clear_line(pytester):
    spec = iris()
    write(pytester, "iris", spec)
    result = pytester.runpytest("-rf", "--assay-bin", str(pytester.path / "no-such-assay"))
    result.assert_outcomes(failed=2 + len(spec["checks"]))
    result.stdout.fnmatch_lines(["*cannot run *no-such-assay*: No such file or directory*"])


def test_a_binary_that_hangs_is_stopped_at_the_timeout(pytester):
    fake = pytester.path / "hung-assay"
    fake.write_text("#!/bin/sh\nexec sleep 60\n")
    fake.chmod(0o755)
    write(pytester, "iris", iris())
    result = pytester.runpytest("-rf", "--assay-bin", str(fake), "--assay-timeout", "1")
    result.stdout.fnmatch_lines(["*hung-assay* did not finish within 1 s*"])


def test_endpoint_cases_load_and_evaluation_are_items_of_their_own(pytester, stub):
    spec = iris()
    spec["endpoints"] = [
        stub_endpoint(
            stub,
            load={
                "requests": 20,
                "concurrency": 2,
                "thresholds": [{"metric": "error_rate_below", "value": 0.01}],
            },
            evaluation={
                "rows": "validation",
                "checks": [
                    {"check": "metric_threshold", "metric": "accuracy", "threshold": 0.8},
                    {"check": "metric_threshold", "metric": "macro_f1", "threshold": 0.9999},
                ],
            },
        )
    ]
    write(pytester, "iris", spec)
    result = pytester.runpytest("-v", "-rf", "--assay-only", "endpoints")
    result.stdout.fnmatch_lines(
        [
            "*::endpoint stub / health and metadata PASSED*",
            "*::endpoint stub / a setosa PASSED*",
            "*::endpoint stub / a versicolor taken for virginica FAILED*",
            "*::endpoint stub / load PASSED*",
            "*::endpoint stub / evaluation / answers PASSED*",
            "*::endpoint stub / evaluation / metric_threshold accuracy PASSED*",
            "*::endpoint stub / evaluation / metric_threshold macro_f1 FAILED*",
        ]
    )
    # spec, health and metadata, one case, load, answers, one evaluation check; the model's
    # checks and the replay did not run with --only endpoints.
    result.assert_outcomes(passed=6, failed=2, skipped=len(spec["checks"]) + 1)
    result.stdout.fnmatch_lines(["*versicolor*", "*macro_f1*0.9999*"])


def test_env_file_passes_through_to_the_endpoint_headers(pytester):
    server = oip_stub.start(token="stub-token-for-the-plugin-test")
    try:
        base_url = f"http://127.0.0.1:{server.server_address[1]}"
        spec = iris()
        endpoint = stub_endpoint(base_url)
        endpoint["cases"] = endpoint["cases"][:1]
        endpoint["headers"] = [{"name": "Authorization", "value": "Bearer ${env:STUB_TOKEN}"}]
        spec["endpoints"] = [endpoint]
        write(pytester, "iris", spec)
        env = pytester.path / "stub.env"
        env.write_text("STUB_TOKEN=stub-token-for-the-plugin-test\n")
        result = pytester.runpytest(
            "-v", "--assay-only", "endpoints", "--assay-env-file", "stub.env"
        )
        result.stdout.fnmatch_lines(["*::endpoint stub / a setosa PASSED*"])
        result.assert_outcomes(passed=3, skipped=len(spec["checks"]) + 1)
        # Without the file the variable is missing: assay refuses the spec before sending.
        result = pytester.runpytest("-v", "-rf", "--assay-only", "endpoints")
        result.stdout.fnmatch_lines(["*::spec FAILED*", "*STUB_TOKEN*"])
    finally:
        server.shutdown()
        server.server_close()


def test_a_staged_server_is_an_item_and_runs_only_with_allow_serve(pytester):
    shutil.copy(STUB, pytester.path / "oip_stub.py")
    spec = iris()
    endpoint = stub_endpoint("http://127.0.0.1:{{port}}", name="staged")
    endpoint["cases"] = endpoint["cases"][:1]
    endpoint["serve"] = {
        "command": [sys.executable, "oip_stub.py", "{{port}}"],
        "ready_timeout_s": 30,
        "shutdown_timeout_s": 10,
    }
    spec["endpoints"] = [endpoint]
    write(pytester, "iris", spec)
    result = pytester.runpytest("-v", "-rs", "--assay-only", "endpoints")
    # Without --assay-allow-serve the endpoint is skipped, saying what it would start.
    result.stdout.fnmatch_lines(["*::endpoint staged / server SKIPPED*", "SKIPPED*--allow-serve*"])
    result.assert_outcomes(passed=1, skipped=len(spec["checks"]) + 1 + 3)
    result = pytester.runpytest("-v", "--assay-only", "endpoints", "--assay-allow-serve")
    result.stdout.fnmatch_lines(
        [
            "*::endpoint staged / health and metadata PASSED*",
            "*::endpoint staged / a setosa PASSED*",
            "*::endpoint staged / server PASSED*",
        ]
    )
    result.assert_outcomes(passed=4, skipped=len(spec["checks"]) + 1)


def test_data_passes_through_from_the_folder_pytest_runs_in(pytester):
    spec = iris()
    csv = spec["dataset"].pop("csv")
    spec["dataset"]["path"] = "not-here.csv"
    write(pytester, "iris", spec)
    (pytester.path / "data").mkdir()
    (pytester.path / "data" / "iris.csv").write_bytes(csv.encode())
    result = pytester.runpytest("-rf")
    result.assert_outcomes(failed=1, skipped=len(spec["checks"]) + 1)
    result.stdout.fnmatch_lines(["cannot read the dataset *not-here.csv: No such file*"])
    result = pytester.runpytest("--assay-data", "data/iris.csv")
    result.assert_outcomes(passed=1 + len(spec["checks"]) + 1)


def test_time_limit_passes_through_and_cases_it_cut_short_fail_saying_so(pytester):
    # A server that takes connections and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    try:
        spec = iris()
        spec["endpoints"] = [stub_endpoint(f"http://127.0.0.1:{silent.getsockname()[1]}")]
        write(pytester, "iris", spec)
        result = pytester.runpytest("--assay-only", "endpoints", "--assay-time-limit", "1")
    finally:
        silent.close()
    result.assert_outcomes(passed=1, failed=3, skipped=len(spec["checks"]) + 1)
    result.stdout.fnmatch_lines(
        [
            "*_ iris.assay.json: endpoint stub / health and metadata _*",
            "*no answer before the 1 s time limit ran out*",
            "*_ iris.assay.json: endpoint stub / a setosa _*",
            "not sent: Cut short by the 1 s time limit: 1 of 4 requests sent*",
        ]
    )


def test_a_timeout_that_is_not_a_number_of_seconds_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nassay_timeout = soon\n")
    write(pytester, "iris", iris())
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*assay_timeout: not a number of seconds above 0: 'soon'*"])
    result = pytester.runpytest("--assay-timeout", "0")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*--assay-timeout: not a number of seconds above 0: 0.0*"])
