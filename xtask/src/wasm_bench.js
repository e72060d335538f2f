// Times the engine's training in WebAssembly for `cargo xtask bench` (xtask/src/wasm_bench.rs).
//
// Usage: node wasm_bench.js MODULE.wasm MODELS NUMERICS
// MODULE is crates/engine/examples/wasm_train.rs built for wasm32-unknown-unknown. For every
// model and numerics index it prints, as one JSON array on stdout, the parameter fingerprint of
// one training and the median rows × epochs per CPU second (user + system, process.cpuUsage)
// over SAMPLES samples of at least SAMPLE_SECONDS each, after a warm-up: V8 first runs wasm
// from a quick baseline compile and optimises hot functions in the background.
'use strict';

const fs = require('node:fs');

const SAMPLES = 5;
const SAMPLE_SECONDS = 0.3;

const [path, models, numerics] = process.argv.slice(2);
const compiled = new WebAssembly.Module(fs.readFileSync(path));
const imports = WebAssembly.Module.imports(compiled);
if (imports.length > 0) {
  throw new Error(`${path} imports ${JSON.stringify(imports)}; the engine must need nothing from its host`);
}
const wasm = new WebAssembly.Instance(compiled, {}).exports;
const rowsTimesEpochs = wasm.rows_times_epochs();

function cpuSecondsOf(run) {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const results = [];
for (let n = 0; n < Number(numerics); n++) {
  for (let m = 0; m < Number(models); m++) {
    const pointer = wasm.fingerprint(m, n);
    const fingerprint = Buffer.from(wasm.memory.buffer, pointer, 64).toString('latin1');
    // Warm up, and find how many runs fill a sample: double until a call takes a third of one.
    let repeats = 1;
    let seconds = cpuSecondsOf(() => wasm.train(m, n, repeats));
    while (seconds < SAMPLE_SECONDS / 3) {
      repeats *= 2;
      seconds = cpuSecondsOf(() => wasm.train(m, n, repeats));
    }
    repeats = Math.max(1, Math.ceil((repeats * SAMPLE_SECONDS) / Math.max(seconds, 1e-6)));
    const rates = [];
    for (let s = 0; s < SAMPLES; s++) {
      const spent = cpuSecondsOf(() => wasm.train(m, n, repeats));
      rates.push((repeats * rowsTimesEpochs) / spent);
    }
    rates.sort((a, b) => a - b);
    results.push({ model: m, numerics: n, fingerprint, per_second: rates[(SAMPLES - 1) / 2] });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
