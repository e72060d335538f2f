// The judge of Assay's endpoint cases in k6's JavaScript: the same contract (2xx, no redirect
// followed, JSON), the same place of the prediction per protocol, and the same expectations as
// crates/engine/src/endpoint/judge.rs. The Rust side writes PROTOCOL, CASES and options above.

function isNumber(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

// The prediction for the one row sent, or null when the answer has another shape.
function prediction(answer) {
  if (answer === null || typeof answer !== 'object') return null;
  const one = (v) => (Array.isArray(v) && v.length === 1 ? v[0] : null);
  switch (PROTOCOL.kind) {
    case 'open_inference': {
      const outputs = answer.outputs;
      if (!Array.isArray(outputs) || outputs.length === 0) return null;
      const chosen = PROTOCOL.output ? outputs.find((o) => o && o.name === PROTOCOL.output) : outputs[0];
      if (!chosen || !Array.isArray(chosen.data) || !Array.isArray(chosen.shape)) return null;
      if (chosen.shape[0] !== 1) return null;
      const perRow = chosen.shape.slice(1).reduce((n, d) => n * d, 1);
      if (perRow === 0 || chosen.data.length !== perRow) return null;
      return perRow === 1 ? chosen.data[0] : chosen.data;
    }
    case 'tf_serving': {
      const value = answer[PROTOCOL.columnar ? 'outputs' : 'predictions'];
      if (value && !Array.isArray(value) && typeof value === 'object') {
        const values = Object.values(value);
        return values.length === 1 ? one(values[0]) : null;
      }
      return one(value);
    }
    case 'mlflow':
      return one(answer.predictions);
    case 'generic_json': {
      let at = answer;
      for (const part of PROTOCOL.pointer.split('/').slice(1)) {
        const key = part.replace(/~1/g, '/').replace(/~0/g, '~');
        if (at === null || typeof at !== 'object' || !(key in at)) return null;
        at = at[key];
      }
      return at === undefined ? null : at;
    }
  }
  return null;
}

function asNumber(p) {
  if (isNumber(p)) return p;
  if (Array.isArray(p) && p.length === 1 && isNumber(p[0])) return p[0];
  return null;
}

function probabilities(p) {
  return Array.isArray(p) && p.length > 0 && p.every(isNumber) ? p : null;
}

function predictedClass(p) {
  if (!Array.isArray(p)) return p;
  if (p.length === 0) return undefined;
  if (p.length === 1) return predictedClass(p[0]);
  const probs = probabilities(p);
  if (!probs) return undefined;
  let best = 0;
  probs.forEach((v, k) => { if (v > probs[best]) best = k; });
  return best;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

// Whether the prediction meets the case's expectation.
function holds(expect, p) {
  const n = asNumber(p);
  switch (expect.kind) {
    case 'exact': return same(p, expect.value);
    case 'absolute': return n !== null && Math.abs(n - expect.value) <= expect.tolerance;
    case 'relative': return n !== null && Math.abs(n - expect.value) <= expect.tolerance * Math.abs(expect.value);
    case 'range': return n !== null && expect.min <= n && n <= expect.max;
    case 'class_label': {
      const c = predictedClass(p);
      return c !== undefined && (same(c, expect.label) || (isNumber(c) && isNumber(expect.label) && c === expect.label));
    }
    case 'class_probability': {
      const probs = probabilities(p);
      return probs !== null && expect.class < probs.length && probs[expect.class] >= expect.at_least;
    }
  }
  return false;
}

// The case's verdict on a k6 response, as Assay's judge gives it.
export function judge(c, r) {
  if (r.status < 200 || r.status > 299) return false;
  const type = (r.headers['Content-Type'] || '').toLowerCase();
  if (!type.includes('json')) return false;
  let answer;
  try {
    answer = JSON.parse(r.body);
  } catch (e) {
    return false;
  }
  if (c.max_latency_ms !== null && r.timings.duration > c.max_latency_ms) return false;
  const p = prediction(answer);
  return p !== null && holds(c.expect, p);
}

function send(c) {
  return http.post(BASE_URL + c.path, c.body, { headers: HEADERS, redirects: 0, timeout: TIMEOUT, tags: { case: c.name } });
}

// Each smoke case once, judged.
export function smoke() {
  for (const c of CASES) {
    const r = send(c);
    check(r, { [c.name]: (res) => judge(c, res) });
  }
}

// The load plan: the cases in turn, as assay run's load run sends them.
export function load() {
  send(CASES[exec.scenario.iterationInTest % CASES.length]);
}
