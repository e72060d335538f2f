//! Request building and response judging per protocol, with fixtures in the shapes real servers
//! returned (`shared/serving-protocols.md`: mlserver 1.7.1, kserve 0.21.0, mlflow 3.17.2, TF
//! Serving). Runs natively and as wasm in headless Chromium.
#![allow(clippy::unwrap_used)] // Tests fail loudly by design.

use crate::common;

use assay_engine::checks::Verdict;
use assay_engine::endpoint::{
    EndpointSpec, Expectation, Header, LoadPlan, LoadRun, MlflowFormat, Protocol, Response, Sent,
    SmokeCase, Threshold, Transport, build_request, health_request, judge, judge_transport,
    refuse_literal_secrets, resolve_headers, summarize,
};
use assay_engine::numerics::Numerics;
use common::both;
use serde_json::{Value, json};

fn endpoint(protocol: Protocol) -> EndpointSpec {
    EndpointSpec {
        name: "iris".into(),
        base_url: "http://127.0.0.1:8080/".into(),
        protocol,
        model: "iris-lr".into(),
        version: None,
        headers: vec![],
        timeout_ms: 2_000,
        features: ["sepal_length", "sepal_width", "petal_length", "petal_width"]
            .map(String::from)
            .to_vec(),
        cases: vec![],
        load: None,
        evaluation: None,
        serve: None,
    }
}

/// Open Inference, reading `output` (or the first), with the default input tensor.
fn open_inference(output: Option<&str>) -> Protocol {
    Protocol::OpenInference {
        output: output.map(str::to_owned),
        input_name: None,
        input_datatype: None,
    }
}

fn case(expect: Expectation) -> SmokeCase {
    SmokeCase {
        name: "smoke-1".into(),
        input: vec![json!(5.1), json!(3.5), json!(1.4), json!(0.2)],
        expect,
        max_latency_ms: None,
    }
}

fn ok(body: &str) -> Response {
    Response {
        status: 200,
        content_type: Some("application/json".into()),
        body: body.into(),
        latency_ms: 12.0,
        location: None,
    }
}

/// Judges `response` as the answer to `case`'s own request.
fn judged(
    endpoint: &EndpointSpec,
    case: &SmokeCase,
    response: &Response,
) -> assay_engine::endpoint::CaseOutcome {
    judge(endpoint, case, &build_request(endpoint, case), response)
}

fn body(request: &assay_engine::endpoint::Request) -> Value {
    serde_json::from_str(request.body.as_deref().unwrap()).unwrap()
}

both! {
    fn open_inference_requests_match_the_protocol() {
        let oip = endpoint(open_inference(Some("predict_proba")));
        let request = build_request(&oip, &case(Expectation::ClassLabel { label: json!(0) }));
        assert_eq!(request.url, "http://127.0.0.1:8080/v2/models/iris-lr/infer");
        assert_eq!(
            body(&request),
            json!({"id": "smoke-1", "inputs": [{"name": "input-0", "shape": [1, 4], "datatype": "FP64", "data": [5.1, 3.5, 1.4, 0.2]}], "outputs": [{"name": "predict_proba"}]})
        );
        let versioned = EndpointSpec { version: Some("v0.1.0".into()), ..oip };
        assert_eq!(health_request(&versioned).unwrap().url, "http://127.0.0.1:8080/v2/models/iris-lr/versions/v0.1.0/ready");
    }

    fn mlserver_and_kserve_answers_are_both_understood() {
        let oip = endpoint(open_inference(None));
        let label = case(Expectation::ClassLabel { label: json!(0) });
        // MLServer: outputs[{"name":"predict","shape":[1,1],"datatype":"INT64",...}].
        let mlserver = ok(r#"{"model_name":"iris-lr","model_version":"v0.1.0","id":"smoke-1","outputs":[{"name":"predict","shape":[1,1],"datatype":"INT64","parameters":{"content_type":"np"},"data":[0]}]}"#);
        let outcome = judged(&oip, &label, &mlserver);
        assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
        // KServe: output-0 with shape [1].
        let kserve = ok(r#"{"model_name":"iris-lr","id":"smoke-1","outputs":[{"name":"output-0","shape":[1],"datatype":"INT64","data":[2]}]}"#);
        let outcome = judged(&oip, &label, &kserve);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert_eq!(outcome.summary, "Predicted class 2; expected 0. (POST http://127.0.0.1:8080/v2/models/iris-lr/infer)");
    }

    fn probabilities_are_judged_by_class() {
        let oip = endpoint(open_inference(Some("predict_proba")));
        let answer = ok(r#"{"outputs":[{"name":"predict_proba","shape":[1,3],"datatype":"FP64","data":[0.97,0.02,0.01]}]}"#);
        let at_least = |p| case(Expectation::ClassProbability { class: 0, at_least: p });
        assert_eq!(judged(&oip, &at_least(0.9), &answer).verdict, Verdict::Pass);
        assert_eq!(judged(&oip, &at_least(0.99), &answer).verdict, Verdict::Fail);
        assert_eq!(judged(&oip, &case(Expectation::ClassLabel { label: json!(0) }), &answer).verdict, Verdict::Pass);
    }

    fn a_500_with_a_text_traceback_is_reported_with_its_last_line() {
        // MLServer answered a wrong feature count with 500 and a text/plain traceback whose
        // last line is the cause, well past the first 300 characters.
        let oip = endpoint(open_inference(None));
        let frames = "  File \"/srv/venv/lib/python3.11/site-packages/mlserver/handlers/dataplane.py\", line 112, in infer\n    prediction = await model.predict(payload)\n".repeat(6);
        let response = Response {
            status: 500,
            content_type: Some("text/plain".into()),
            body: format!("Traceback (most recent call last):\n{frames}ValueError: X has 3 features, but LogisticRegression is expecting 4 features as input.\n"),
            latency_ms: 3.0,
            location: None,
        };
        let outcome = judged(&oip, &case(Expectation::ClassLabel { label: json!(0) }), &response);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert_eq!(
            outcome.summary,
            "HTTP 500: ValueError: X has 3 features, but LogisticRegression is expecting 4 features as input. (POST http://127.0.0.1:8080/v2/models/iris-lr/infer)"
        );
    }

    fn tf_serving_rows_columns_and_nan_tokens() {
        let rows = endpoint(Protocol::TfServing { columnar: false });
        let request = build_request(&rows, &case(Expectation::Range { min: 0.0, max: 1.0 }));
        assert_eq!(request.url, "http://127.0.0.1:8080/v1/models/iris-lr:predict");
        assert_eq!(body(&request), json!({"instances": [[5.1, 3.5, 1.4, 0.2]]}));
        assert_eq!(judged(&rows, &case(Expectation::Range { min: 0.0, max: 1.0 }), &ok(r#"{"predictions": [0.25]}"#)).verdict, Verdict::Pass);
        let nan = judged(&rows, &case(Expectation::Range { min: 0.0, max: 1.0 }), &ok(r#"{"predictions": [NaN]}"#));
        assert_eq!(nan.summary, "The answer holds bare NaN or Infinity, which is not JSON. (POST http://127.0.0.1:8080/v1/models/iris-lr:predict)");
        // "NaN" inside a string is fine JSON, so that answer is judged on its value instead.
        let text = judged(&rows, &case(Expectation::Exact { value: json!("NaN") }), &ok(r#"{"predictions": ["NaN"]}"#));
        assert_eq!(text.verdict, Verdict::Pass, "{}", text.summary);

        let columns = endpoint(Protocol::TfServing { columnar: true });
        let request = build_request(&columns, &case(Expectation::Range { min: 0.0, max: 1.0 }));
        assert_eq!(body(&request)["inputs"]["petal_width"], json!([0.2]));
    }

    fn mlflow_forms_and_its_schema_error() {
        let expect = Expectation::Absolute { value: 151.0, tolerance: 5.0 };
        for (format, expected) in [
            (MlflowFormat::DataframeSplit, json!({"dataframe_split": {"columns": ["sepal_length","sepal_width","petal_length","petal_width"], "data": [[5.1,3.5,1.4,0.2]]}})),
            (MlflowFormat::DataframeRecords, json!({"dataframe_records": [{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]})),
            (MlflowFormat::Instances, json!({"instances": [[5.1,3.5,1.4,0.2]]})),
            (MlflowFormat::Inputs, json!({"inputs": [[5.1,3.5,1.4,0.2]]})),
            // The named-column forms a model saved with a column signature accepts.
            (MlflowFormat::InstancesRecords, json!({"instances": [{"sepal_length":5.1,"sepal_width":3.5,"petal_length":1.4,"petal_width":0.2}]})),
            (MlflowFormat::InputsColumns, json!({"inputs": {"sepal_length":[5.1],"sepal_width":[3.5],"petal_length":[1.4],"petal_width":[0.2]}})),
        ] {
            let mlflow = endpoint(Protocol::Mlflow { format });
            let request = build_request(&mlflow, &case(expect.clone()));
            assert_eq!(request.url, "http://127.0.0.1:8080/invocations");
            assert_eq!(body(&request), expected);
        }
        let mlflow = endpoint(Protocol::Mlflow { format: MlflowFormat::DataframeSplit });
        assert_eq!(judged(&mlflow, &case(expect.clone()), &ok(r#"{"predictions": [153.2]}"#)).verdict, Verdict::Pass);
        let wrong = judged(&mlflow, &case(expect.clone()), &ok(r#"{"predictions": [0, 2]}"#));
        assert_eq!(wrong.summary, "Unexpected answer shape: `predictions` has 2 entries for the one row sent. (POST http://127.0.0.1:8080/invocations)");
        let schema_error = Response { status: 400, content_type: Some("application/json".into()), body: r#"{"error_code":"INVALID_PARAMETER_VALUE","error_class":"SCHEMA_ENFORCEMENT_FAILED","message":"bad"}"#.into(), latency_ms: 1.0, location: None };
        assert!(judged(&mlflow, &case(expect), &schema_error).summary.starts_with("HTTP 400: bad (POST"));
    }

    fn generic_json_uses_its_template_and_pointer() {
        // BentoML: POST /{api_name} keyed by parameter name, answering a bare JSON value.
        let bento = endpoint(Protocol::GenericJson {
            path: "/classify".into(),
            request: json!({"input_data": ["{{row}}"]}),
            prediction_pointer: "/0".into(),
            readiness_path: None,
        });
        let c = case(Expectation::ClassLabel { label: json!(0) });
        let request = build_request(&bento, &c);
        assert_eq!(request.url, "http://127.0.0.1:8080/classify");
        assert_eq!(body(&request), json!({"input_data": [[5.1, 3.5, 1.4, 0.2]]}));
        assert_eq!(judged(&bento, &c, &ok("[0]")).verdict, Verdict::Pass);
        assert!(health_request(&bento).is_none());
    }

    fn metadata_must_name_the_model() {
        use assay_engine::endpoint::{judge_metadata, metadata_request};
        let oip = endpoint(open_inference(None));
        assert_eq!(metadata_request(&oip).unwrap().url, "http://127.0.0.1:8080/v2/models/iris-lr");
        let right = ok(r#"{"name":"iris-lr","versions":["v0.1.0"],"platform":"","inputs":[],"outputs":[]}"#);
        assert_eq!(judge_metadata(&oip, &metadata_request(&oip).unwrap(), &right).verdict, Verdict::Pass);
        let wrong = ok(r#"{"name":"other","inputs":[],"outputs":[]}"#);
        assert_eq!(judge_metadata(&oip, &metadata_request(&oip).unwrap(), &wrong).summary, "Metadata names the model `other`, not `iris-lr`. (GET http://127.0.0.1:8080/v2/models/iris-lr)");
        assert!(metadata_request(&endpoint(Protocol::TfServing { columnar: false })).is_none());
    }

    fn contract_failures_are_specific() {
        let oip = endpoint(open_inference(None));
        let c = case(Expectation::ClassLabel { label: json!(0) });
        let html = Response { content_type: Some("text/html".into()), ..ok(r#"{"outputs":[{"name":"p","shape":[1],"data":[0]}]}"#) };
        assert!(judged(&oip, &c, &html).summary.starts_with("Content type is \"text/html\""));
        assert!(judged(&oip, &c, &ok("<html>oops</html>")).summary.starts_with("The answer is not valid JSON"));
        assert!(judged(&oip, &c, &ok("{}")).summary.starts_with("Unexpected answer shape: the answer has no `outputs` list (Open Inference Protocol). (POST"));
        let slow = SmokeCase { max_latency_ms: Some(5), ..c.clone() };
        assert_eq!(judged(&oip, &slow, &ok(r#"{"outputs":[{"name":"p","shape":[1],"data":[0]}]}"#)).summary, "Answered in 12 ms; the budget is 5 ms. (POST http://127.0.0.1:8080/v2/models/iris-lr/infer)");
        assert!(judge_transport(&oip, &c, &build_request(&oip, &c), &Transport::ConnectionRefused).summary.contains("nothing listens at http://127.0.0.1:8080/"));
        assert!(judge_transport(&oip, &c, &build_request(&oip, &c), &Transport::Cors).summary.contains("no CORS headers"));
    }

    fn credentials_stay_out_of_specs() {
        let literal = [Header { name: "Authorization".into(), value: "Bearer abc123".into(), not_secret: false }];
        let error = refuse_literal_secrets(&literal).unwrap_err();
        assert!(error.contains("`Authorization` holds a literal credential") && !error.contains("abc123"), "{error}");
        let reference = [Header { name: "X-Api-Key".into(), value: "${env:MODEL_KEY}".into(), not_secret: false }];
        assert!(refuse_literal_secrets(&reference).is_ok());
        let resolved = resolve_headers(&reference, |name| if name == "MODEL_KEY" { Ok("s3cret".into()) } else { Err("which is not set".into()) }).unwrap();
        assert_eq!(resolved.headers, vec![("X-Api-Key".to_owned(), "s3cret".to_owned())]);
        let missing = resolve_headers(&reference, |_| Err("which is not set".into())).unwrap_err();
        assert_eq!(missing, "header `X-Api-Key` needs the environment variable MODEL_KEY, which is not set");

        let mut spec = endpoint(open_inference(None));
        spec.headers = literal.to_vec();
        assert!(spec.validate().unwrap_err().to_string().contains("endpoints.iris.headers"));
    }

    fn load_summaries_use_nearest_rank_percentiles() {
        // 1..=100 ms: nearest-rank p50 = 50, p95 = 95, p99 = 99; 2 errors in 102 requests, whose
        // latencies (a slow 500, a timeout) stay out of the percentiles.
        let mut sent: Vec<Sent> = (1..=100).map(|ms| Sent::Answered { status: 200, latency_ms: f64::from(ms) }).collect();
        sent.push(Sent::Answered { status: 500, latency_ms: 9000.0 });
        sent.push(Sent::Failed(Transport::Timeout));
        let run = LoadRun { planned: 102, sent, elapsed_ms: 1000.0 };
        let summary = summarize(&run, &[Threshold::P95BelowMs { value: 200.0 }, Threshold::ErrorRateBelow { value: 0.01 }]);
        assert_eq!((summary.p50_ms, summary.p95_ms, summary.p99_ms), (50.0, 95.0, 99.0));
        assert_eq!((summary.requests, summary.succeeded), (102, 100));
        assert_eq!(summary.failures.describe(), "timed out 1, HTTP 500 ×1");
        assert_eq!(summary.broken, vec!["error rate 2.0% is not below 1.0%".to_owned()]);
        // A run the time limit cut short says so, and fails.
        let short = LoadRun { planned: 10, sent: vec![Sent::Failed(Transport::ConnectionRefused)], elapsed_ms: 60_000.0 };
        let summary = summarize(&short, &[]);
        assert_eq!(summary.failures.describe(), "refused 1");
        assert_eq!(summary.broken, vec!["cut short by the time limit: 1 of 10 planned requests sent".to_owned()]);
        let plan = LoadPlan { requests: 100_000, concurrency: 4, thresholds: vec![] };
        assert!(plan.validate().unwrap_err().contains("between 1 and"));
    }
}

both! {
    fn drafted_cases_cover_the_classes_and_pass_against_the_models_own_answers() {
        use assay_engine::data::{Preprocessing, Table, prepare};
        use assay_engine::endpoint::draft_cases;
        use assay_engine::model::{ModelSpec, Network};
        use assay_engine::train::{TrainConfig, train};
        let iris = include_str!("../../../public/samples/iris.csv");
        let table = Table::parse_csv(iris).unwrap();
        let preprocessing = Preprocessing::infer(&table, "species").unwrap();
        let prepared = prepare(&table, &preprocessing, 42).unwrap();
        let network = Network::new(&ModelSpec::SoftmaxRegression, prepared.train.features.ncols(), 3, Numerics::LATEST).unwrap();
        let model = train(&network, prepared.train.features.view(), prepared.train.target.view(), &TrainConfig::default()).unwrap();

        let draft = draft_cases(&table, &prepared, &network, &model.params, 5, 0.05).unwrap();
        assert_eq!(draft.features, ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]);
        assert_eq!(draft.cases.len(), 5);
        // Inputs are the raw measurements from the file, not standardised values.
        let line: usize = draft.cases[0].name.strip_prefix("line-").unwrap().parse().unwrap();
        let raw: Vec<f64> = iris.lines().nth(line - 1).unwrap().split(',').take(4).map(|v| v.parse().unwrap()).collect();
        assert_eq!(draft.cases[0].input, raw.iter().map(|v| json!(v)).collect::<Vec<_>>());
        let labels: std::collections::BTreeSet<String> = draft
            .cases
            .iter()
            .map(|c| match &c.expect { Expectation::ClassLabel { label } => label.as_str().unwrap().to_owned(), other => panic!("{other:?}") })
            .collect();
        assert!(labels.len() >= 2, "{labels:?}");

        // Served back by an MLflow-style server answering with the label, every case passes.
        let server = endpoint(Protocol::Mlflow { format: MlflowFormat::DataframeSplit });
        for case in &draft.cases {
            let Expectation::ClassLabel { label } = &case.expect else { unreachable!() };
            let answer = ok(&json!({ "predictions": [label] }).to_string());
            assert_eq!(judged(&server, case, &answer).verdict, Verdict::Pass);
        }
    }
}

both! {
    fn a_non_json_answer_with_non_ascii_text_is_judged_not_a_panic() {
        let oip = endpoint(open_inference(None));
        let page = ok("<html>Café — bientôt NaN</html>");
        let outcome = judged(&oip, &case(Expectation::ClassLabel { label: json!(0) }), &page);
        assert!(outcome.summary.starts_with("The answer is not valid JSON"), "{}", outcome.summary);
    }

    fn names_and_urls_cannot_reshape_the_request() {
        let with = |f: &dyn Fn(&mut EndpointSpec)| {
            let mut spec = endpoint(open_inference(None));
            f(&mut spec);
            spec.validate().map_err(|e| e.to_string())
        };
        assert!(with(&|_| {}).is_ok());
        assert!(with(&|s| s.base_url = "https://user:pw@models.example".into()).unwrap_err().contains("user name or password"));
        assert!(with(&|s| s.base_url = "https://models.example/?key=s3cret".into()).unwrap_err().contains("query string"));
        assert!(with(&|s| s.model = "../admin".into()).unwrap_err().contains("endpoints.iris.model"));
        assert!(with(&|s| s.version = Some("1?x=2".into())).unwrap_err().contains("endpoints.iris.version"));
        assert!(with(&|s| s.name = "..".into()).unwrap_err().contains("cannot be a URL path segment"));
        let generic = |path: &str| Protocol::GenericJson { path: path.into(), request: json!({}), prediction_pointer: "/0".into(), readiness_path: None };
        assert!(with(&|s| s.protocol = generic("/api/predict")).is_ok());
        assert!(with(&|s| s.protocol = generic("/api/../admin")).unwrap_err().contains("dot segments"));
    }
}

both! {
    fn an_answer_without_a_usable_prediction_never_passes_a_class_label() {
        let zero = case(Expectation::ClassLabel { label: json!(0) });
        let oip = endpoint(open_inference(None));
        let oip_answer = |output: Value| ok(&json!({ "outputs": [output] }).to_string());
        for (answer, says) in [
            // The argmax of an empty list was 0.
            (oip_answer(json!({"name": "p", "shape": [1, 0], "datatype": "FP64", "data": []})), "no values"),
            // Strings were filtered out of the "probabilities", leaving none.
            (oip_answer(json!({"name": "p", "shape": [1, 2], "datatype": "BYTES", "data": ["a", "b"]})), "not all numbers"),
            // A shape whose product overflows panicked in debug builds and wrapped to 0 in release.
            (oip_answer(json!({"name": "p", "shape": [1, 4_294_967_296_u64, 4_294_967_296_u64], "datatype": "FP64", "data": []})), "too large"),
            // A negative or fractional dimension was silently dropped from the shape.
            (oip_answer(json!({"name": "p", "shape": [1, -1], "datatype": "FP64", "data": [0]})), "whole numbers"),
        ] {
            let outcome = judged(&oip, &zero, &answer);
            assert_eq!(outcome.verdict, Verdict::Fail, "{}", outcome.summary);
            assert!(outcome.summary.contains(says), "{says}: {}", outcome.summary);
        }

        // The same holes in the other protocols' answers: empty and non-numeric lists.
        let tf = endpoint(Protocol::TfServing { columnar: false });
        let mlflow = endpoint(Protocol::Mlflow { format: MlflowFormat::DataframeSplit });
        let generic = endpoint(Protocol::GenericJson { path: "/p".into(), request: json!({}), prediction_pointer: "/p".into(), readiness_path: None });
        for (server, body) in [
            (&tf, r#"{"predictions": [[]]}"#),
            (&tf, r#"{"predictions": [[0.9, "x"]]}"#),
            (&mlflow, r#"{"predictions": [[]]}"#),
            (&mlflow, r#"{"predictions": [[null, null]]}"#),
            (&generic, r#"{"p": []}"#),
            (&generic, r#"{"p": [true, 0.2]}"#),
        ] {
            let outcome = judged(server, &zero, &ok(body));
            assert_eq!(outcome.verdict, Verdict::Fail, "{body}: {}", outcome.summary);
        }
        let empty = judged(&generic, &zero, &ok(r#"{"p": []}"#));
        assert!(empty.summary.contains("empty list"), "{}", empty.summary);
        let mixed = judged(&tf, &zero, &ok(r#"{"predictions": [[0.9, "x"]]}"#));
        assert!(mixed.summary.contains(r#"[0.9,"x"]"#), "says what it held: {}", mixed.summary);

        // Probabilities must all be numbers too, not only the one asked about.
        let probability = case(Expectation::ClassProbability { class: 0, at_least: 0.5 });
        let outcome = judged(&tf, &probability, &ok(r#"{"predictions": [[0.9, "x"]]}"#));
        assert_eq!(outcome.verdict, Verdict::Fail, "{}", outcome.summary);
    }

    fn a_one_element_answer_is_a_label_not_a_probability_vector() {
        let tf = endpoint(Protocol::TfServing { columnar: false });
        let two = case(Expectation::ClassLabel { label: json!(2) });
        let outcome = judged(&tf, &two, &ok(r#"{"predictions": [[2]]}"#));
        assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
        let zero = case(Expectation::ClassLabel { label: json!(0) });
        let outcome = judged(&tf, &zero, &ok(r#"{"predictions": [[2]]}"#));
        assert!(outcome.summary.starts_with("Predicted class 2; expected 0. (POST"), "{}", outcome.summary);
        // A probability vector still reads its argmax.
        let outcome = judged(&tf, &two, &ok(r#"{"predictions": [[0.1, 0.2, 0.7]]}"#));
        assert_eq!(outcome.verdict, Verdict::Pass, "{}", outcome.summary);
    }
}

both! {
    fn a_json_errors_message_is_shown_whole_and_bounded() {
        let mlflow = endpoint(Protocol::Mlflow { format: MlflowFormat::Instances });
        let c = case(Expectation::Absolute { value: 1.0, tolerance: 0.1 });
        let error = |status: u16, body: Value| Response {
            status,
            content_type: Some("application/json".into()),
            body: body.to_string(),
            latency_ms: 1.0,
            location: None,
        };
        // MLflow puts the cause in `message`, past the first 300 characters of the body.
        let message = format!("Failed to enforce schema of data '{}' with schema ['sepal length (cm)': double]. Error: Model is missing inputs ['sepal length (cm)'].", "x".repeat(400));
        let outcome = judged(&mlflow, &c, &error(400, json!({"error_code": "INVALID_PARAMETER_VALUE", "error_class": "SCHEMA_ENFORCEMENT_FAILED", "message": message})));
        assert!(outcome.summary.starts_with("HTTP 400: Failed to enforce schema"), "{}", outcome.summary);
        // Bounded: its start and its end, where the cause is, then the request.
        assert!(outcome.summary.contains("x … x"), "{}", outcome.summary);
        assert!(outcome.summary.chars().count() < 400, "{}", outcome.summary);
        assert!(outcome.summary.ends_with("Model is missing inputs ['sepal length (cm)']. (POST http://127.0.0.1:8080/invocations)"), "{}", outcome.summary);
        // Triton and BentoML say `error`; FastAPI `detail`, often a list.
        let triton = judged(&mlflow, &c, &error(400, json!({"error": "unexpected inference input 'input-0' for model 'iris'"})));
        assert!(triton.summary.starts_with("HTTP 400: unexpected inference input 'input-0' for model 'iris' (POST"), "{}", triton.summary);
        let fastapi = judged(&mlflow, &c, &error(422, json!({"detail": [{"loc": ["body", "x"], "msg": "field required"}]})));
        assert!(fastapi.summary.starts_with(r#"HTTP 422: [{"loc":["body","x"],"msg":"field required"}]"#), "{}", fastapi.summary);
        // No 500 hint about what the protocol says a bad request should get.
        let five = judged(&mlflow, &c, &error(500, json!({"error": "boom"})));
        assert!(five.summary.starts_with("HTTP 500: boom (POST"), "{}", five.summary);
    }

    fn server_text_reaches_the_summary_without_control_characters() {
        let oip = endpoint(open_inference(None));
        let c = case(Expectation::ClassLabel { label: json!(0) });
        let hostile = Response {
            status: 503,
            content_type: Some("text/plain".into()),
            body: "\u{1b}[2J\u{1b}[31mdown\u{7}\r\nfor \u{202e}maintenance\u{0}".into(),
            latency_ms: 1.0,
            location: None,
        };
        let outcome = judged(&oip, &c, &hostile);
        assert!(!outcome.summary.chars().any(|ch| ch.is_control() || ch == '\u{202e}'), "{:?}", outcome.summary);
        assert!(outcome.summary.starts_with("HTTP 503: down"), "{:?}", outcome.summary);
        assert!(outcome.summary.contains("maintenance"), "{:?}", outcome.summary);
    }

    fn every_failure_names_the_method_and_url() {
        use assay_engine::endpoint::{judge_metadata, metadata_request};
        let oip = endpoint(open_inference(None));
        let c = case(Expectation::ClassLabel { label: json!(0) });
        let request = build_request(&oip, &c);
        let infer = "(POST http://127.0.0.1:8080/v2/models/iris-lr/infer)";
        let answer = ok(r#"{"outputs":[{"name":"p","shape":[1],"data":[2]}]}"#);
        let wrong = judge(&oip, &c, &request, &answer);
        assert_eq!(wrong.summary, format!("Predicted class 2; expected 0. {infer}"));
        let refused = judge_transport(&oip, &c, &request, &Transport::Timeout);
        assert_eq!(refused.summary, format!("No answer within 2000 ms. {infer}"));
        let not_json = judge(&oip, &c, &request, &ok("<html>"));
        assert!(not_json.summary.ends_with(infer), "{}", not_json.summary);
        // A pass needs no address.
        let right = judge(&oip, &c, &request, &ok(r#"{"outputs":[{"name":"p","shape":[1],"data":[0]}]}"#));
        assert_eq!(right.summary, "Predicted class 0; expected 0.");

        let metadata = metadata_request(&oip).unwrap();
        let other = judge_metadata(&oip, &metadata, &ok(r#"{"name":"other","inputs":[],"outputs":[]}"#));
        assert!(other.summary.ends_with("(GET http://127.0.0.1:8080/v2/models/iris-lr)"), "{}", other.summary);
    }

    fn a_redirect_fails_the_case_naming_where_it_pointed() {
        use assay_engine::endpoint::{judge_health, judge_metadata, metadata_request};
        let oip = endpoint(open_inference(None));
        let c = case(Expectation::ClassLabel { label: json!(0) });
        // The other server's answer would pass: a redirect must fail before it is read.
        let redirect = Response {
            status: 302,
            content_type: Some("application/json".into()),
            body: r#"{"outputs":[{"name":"p","shape":[1],"data":[0]}]}"#.into(),
            latency_ms: 1.0,
            location: Some("http://127.0.0.1:9999/elsewhere".into()),
        };
        let outcome = judged(&oip, &c, &redirect);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.summary.starts_with("HTTP 302 redirects to http://127.0.0.1:9999/elsewhere"), "{}", outcome.summary);
        assert!(outcome.summary.contains("base_url"), "{}", outcome.summary);
        assert!(outcome.summary.ends_with("(POST http://127.0.0.1:8080/v2/models/iris-lr/infer)"), "{}", outcome.summary);
        assert_eq!(outcome.prediction, None);

        let metadata = metadata_request(&oip).unwrap();
        let moved = Response { status: 301, body: r#"{"name":"iris-lr","inputs":[],"outputs":[]}"#.into(), ..redirect.clone() };
        let outcome = judge_metadata(&oip, &metadata, &moved);
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.summary.starts_with("Metadata: HTTP 301 redirects to http://127.0.0.1:9999/elsewhere"), "{}", outcome.summary);

        let ready = health_request(&oip).unwrap();
        let outcome = judge_health(&oip, &ready, &Response { status: 307, location: None, ..redirect.clone() });
        assert_eq!(outcome.verdict, Verdict::Fail);
        assert!(outcome.summary.starts_with("Readiness check: HTTP 307 redirects without naming where"), "{}", outcome.summary);
        assert!(outcome.summary.ends_with("(GET http://127.0.0.1:8080/v2/models/iris-lr/ready)"), "{}", outcome.summary);
        let fine = judge_health(&oip, &ready, &Response { status: 200, location: None, body: String::new(), ..redirect });
        assert_eq!(fine.verdict, Verdict::Pass);
    }
}

both! {
    fn two_endpoints_with_one_name_are_refused() {
        use assay_engine::data::{Preprocessing, Task};
        use assay_engine::model::ModelSpec;
        use assay_engine::spec::{DatasetSpec, Spec};
        use assay_engine::train::TrainConfig;
        let mut spec = Spec::new(
            "two",
            DatasetSpec::from_csv("diabetes.csv", common::DIABETES, 442),
            Preprocessing::new("progression", Task::Regression),
            ModelSpec::LinearRegression,
            TrainConfig::default(),
            vec![],
        );
        spec.endpoints = vec![endpoint(open_inference(None)), endpoint(Protocol::TfServing { columnar: false })];
        // Reports, the relay's routes and JUnit test names are keyed by the endpoint's name.
        let error = spec.validate().unwrap_err().to_string();
        assert!(error.contains("endpoints") && error.contains("`iris`") && error.contains("more than one"), "{error}");
        spec.endpoints[1].name = "iris-v1".into();
        assert!(spec.validate().is_ok());
    }
}

both! {
    fn metadata_is_compared_with_the_tensors_sent_and_read() {
        use assay_engine::endpoint::{judge_metadata, metadata_request};
        let oip = endpoint(open_inference(None));
        let request = metadata_request(&oip).unwrap();
        let verdict = |meta: Value| judge_metadata(&oip, &request, &ok(&meta.to_string()));
        // Triton's metadata for an ONNX-style model: the spec sends `input-0` as FP64.
        let triton = verdict(json!({"name": "iris-lr", "versions": ["1"], "platform": "python",
            "inputs": [{"name": "float_input", "datatype": "FP32", "shape": [-1, 4]}],
            "outputs": [{"name": "label", "datatype": "INT64", "shape": [-1, 1]}]}));
        assert_eq!(triton.verdict, Verdict::Fail);
        assert!(triton.summary.contains("`float_input`") && triton.summary.contains("`input-0`") && triton.summary.contains("input_name"), "{}", triton.summary);
        // The right name, the wrong type.
        let fp32 = verdict(json!({"name": "iris-lr", "inputs": [{"name": "input-0", "datatype": "FP32", "shape": [-1, 4]}], "outputs": []}));
        assert_eq!(fp32.verdict, Verdict::Fail);
        assert!(fp32.summary.contains("FP32") && fp32.summary.contains("FP64") && fp32.summary.contains("input_datatype"), "{}", fp32.summary);
        // A shape that cannot take one row of the four features.
        let three = verdict(json!({"name": "iris-lr", "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, 3]}], "outputs": []}));
        assert_eq!(three.verdict, Verdict::Fail);
        assert!(three.summary.contains("[-1,3]") && three.summary.contains("[1,4]"), "{}", three.summary);
        // MLServer lists no inputs, and -1 stands for any size.
        assert_eq!(verdict(json!({"name": "iris-lr", "inputs": [], "outputs": []})).verdict, Verdict::Pass);
        let any = verdict(json!({"name": "iris-lr", "inputs": [{"name": "input-0", "datatype": "FP64", "shape": [-1, -1]}], "outputs": [{"name": "predict", "datatype": "INT64", "shape": [-1, 1]}]}));
        assert_eq!(any.verdict, Verdict::Pass, "{}", any.summary);

        // The output read: a chosen one must be listed.
        let proba = EndpointSpec { protocol: open_inference(Some("predict_proba")), ..oip.clone() };
        let missing = judge_metadata(&proba, &request, &ok(r#"{"name":"iris-lr","inputs":[],"outputs":[{"name":"predict","datatype":"INT64","shape":[-1,1]}]}"#));
        assert_eq!(missing.verdict, Verdict::Fail);
        assert!(missing.summary.contains("`predict_proba`") && missing.summary.contains("`predict`"), "{}", missing.summary);
    }
}

both! {
    fn open_inference_sends_the_named_tensor_in_its_datatype() {
        let named = |name: Option<&str>, datatype: Option<&str>| endpoint(Protocol::OpenInference {
            output: None,
            input_name: name.map(str::to_owned),
            input_datatype: datatype.map(str::to_owned),
        });
        let c = case(Expectation::ClassLabel { label: json!(0) });
        // Triton's ONNX-style model: `float_input`, FP32.
        let triton = named(Some("float_input"), Some("FP32"));
        assert_eq!(
            body(&build_request(&triton, &c))["inputs"],
            json!([{"name": "float_input", "shape": [1, 4], "datatype": "FP32", "data": [5.1, 3.5, 1.4, 0.2]}])
        );
        // INT64 takes whole numbers: 5.0 (as the form stores a typed 5) goes as 5.
        let counts = SmokeCase { input: vec![json!(5.0), json!(3), json!(1), json!(0)], ..c.clone() };
        let int = named(None, Some("INT64"));
        assert_eq!(body(&build_request(&int, &counts))["inputs"][0]["data"], json!([5, 3, 1, 0]));
        assert_eq!(body(&build_request(&int, &counts))["inputs"][0]["name"], json!("input-0"));

        let with_cases = |mut spec: EndpointSpec, case: SmokeCase| {
            spec.cases = vec![case];
            spec.validate().map_err(|e| e.to_string())
        };
        assert!(with_cases(int.clone(), counts).is_ok());
        let fractional = with_cases(int, c.clone()).unwrap_err();
        assert!(fractional.contains("endpoints.iris.cases") && fractional.contains("`sepal_length`") && fractional.contains("whole number"), "{fractional}");
        let unknown = with_cases(named(None, Some("float32")), c.clone()).unwrap_err();
        assert!(unknown.contains("endpoints.iris.input_datatype") && unknown.contains("FP32"), "{unknown}");
        let blank = with_cases(named(Some(" "), None), c).unwrap_err();
        assert!(blank.contains("endpoints.iris.input_name"), "{blank}");
    }

    fn generic_json_checks_its_readiness_path_first() {
        let fastapi = |readiness: Option<&str>| endpoint(Protocol::GenericJson {
            path: "/predict".into(),
            request: json!({"rows": ["{{row}}"]}),
            prediction_pointer: "/predictions/0".into(),
            readiness_path: readiness.map(str::to_owned),
        });
        let ready = health_request(&fastapi(Some("/health"))).unwrap();
        assert_eq!((ready.method, ready.url.as_str(), ready.body), ("GET", "http://127.0.0.1:8080/health", None));
        assert_eq!(health_request(&fastapi(Some("readyz"))).unwrap().url, "http://127.0.0.1:8080/readyz");
        assert!(health_request(&fastapi(None)).is_none());
        let escape = fastapi(Some("/../admin")).validate().unwrap_err().to_string();
        assert!(escape.contains("endpoints.iris.readiness_path") && escape.contains("dot segments"), "{escape}");
    }
}

both! {
    fn a_port_placeholder_needs_a_staged_server_and_a_staged_server_a_readiness_route() {
        let mut oip = endpoint(open_inference(None));
        oip.base_url = "http://127.0.0.1:{{port}}".into();
        let error = oip.validate().unwrap_err().to_string();
        assert!(error.contains("endpoints.iris.base_url") && error.contains("add a `serve` section"), "{error}");
        oip.serve = Some(assay_engine::endpoint::ServeSpec {
            command: vec!["mlserver".into(), "start".into(), ".".into()],
            cwd: None,
            env: vec![],
            ready_timeout_s: 60,
            shutdown_timeout_s: 10,
        });
        assert!(oip.validate().is_ok());
        let mut generic = oip.clone();
        generic.protocol = Protocol::GenericJson {
            path: "/predict".into(),
            request: json!({ "x": "{{row}}" }),
            prediction_pointer: "/y".into(),
            readiness_path: None,
        };
        let error = generic.validate().unwrap_err().to_string();
        assert!(error.contains("endpoints.iris.serve") && error.contains("readiness_path"), "{error}");
    }
}
