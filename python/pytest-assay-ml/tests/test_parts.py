"""How items read their verdicts from a report, on reports written by hand in assay's wire
format (`crates/cli/src/report.rs`) for what a loopback server cannot easily be made to cause.
"""

from pytest_assay_ml.parts import parts_of
from pytest_assay_ml.report import Report


def case(name, verdict="pass", summary="fine"):
    return {"case": name, "verdict": verdict, "summary": summary}


def verdicts(spec, raw, only=None):
    report = Report(raw, only)
    return {part.name: part.judge(report) for part in parts_of(spec)}


def endpoint_spec(**extra):
    endpoint = {"name": "e", "cases": [{"name": "health"}, {"name": "second"}]}
    endpoint.update(extra)
    return {"checks": [], "endpoints": [endpoint]}


def test_a_case_named_like_the_readiness_request_is_the_case():
    raw = {
        "endpoints": [
            {
                "endpoint": "e",
                "cases": [
                    case("health", "fail", "Readiness check: HTTP 503."),
                    case("metadata"),
                    case("health"),
                    case("second"),
                ],
            }
        ]
    }
    got = verdicts(endpoint_spec(), raw)
    assert got["endpoint e / health"].outcome == "pass"
    assert got["endpoint e / second"].outcome == "pass"
    assert got["endpoint e / health and metadata"] == ("fail", "Readiness check: HTTP 503.", ())


def test_a_check_that_could_not_run_fails_saying_so():
    spec = {"checks": [{"check": "roc_auc_thing"}]}
    raw = {"status": "error", "error": None, "checks": [case("x", "error", "one class only")]}
    raw["checks"][0]["check"] = "roc_auc_thing"
    got = verdicts(spec, raw)
    assert got["spec"].outcome == "pass"
    assert got["check 1 roc_auc_thing"][:2] == ("fail", "could not run: one class only")


def test_a_server_that_did_not_come_up_fails_its_item_and_skips_the_others():
    raw = {
        "endpoints": [
            {
                "endpoint": "e",
                "cases": [case("starts", "fail", "`model-server` was not found.")],
                "skipped": "its server did not come up",
            }
        ]
    }
    got = verdicts(endpoint_spec(serve={"command": ["model-server"]}), raw)
    assert got["endpoint e / server"] == ("fail", "starts: `model-server` was not found.", ())
    assert got["endpoint e / second"] == (
        "skip",
        "assay skipped this endpoint: its server did not come up",
        (),
    )


def test_control_characters_in_names_and_summaries_are_escaped():
    spec = endpoint_spec()
    spec["endpoints"][0]["cases"] = [{"name": "two\nlines"}]
    raw = {"endpoints": [{"endpoint": "e", "cases": [case("two\nlines", "fail", "red \x1b[31m")]}]}
    got = verdicts(spec, raw)
    assert got["endpoint e / two\\nlines"][:2] == ("fail", "red \\u{1b}[31m")


def test_a_load_run_fails_on_each_threshold_it_crossed_and_carries_its_figures():
    load = {"requests": 20, "errors": 10, "error_rate": 0.5, "p95_ms": 3.0, "broken": []}
    raw = {"endpoints": [{"endpoint": "e", "cases": [case("health"), case("second")]}]}
    raw["endpoints"][0]["load"] = load
    spec = endpoint_spec(load={"requests": 20, "concurrency": 2, "thresholds": []})
    assert verdicts(spec, raw)["endpoint e / load"].outcome == "pass"
    load["broken"] = ["error rate 0.5000 is not below 0.01"]
    got = verdicts(spec, raw)["endpoint e / load"]
    assert got.outcome == "fail"
    assert got.message == "error rate 0.5000 is not below 0.01"
    assert ("error_rate", 0.5) in got.properties
