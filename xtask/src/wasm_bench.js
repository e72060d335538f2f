// Times the engine's training in WebAssembly for `cargo xtask bench` (xtask/src/wasm_bench.rs).
//
// Usage: node wasm_bench.js MODELS NUMERICS MODULE.wasm...
// Each MODULE is crates/engine/examples/wasm_train.rs built for wasm32-unknown-unknown (with
// different cargo profiles). For every module, model and numerics index it prints, in one JSON
// array on stdout, the parameter fingerprint of one training and the median rows × epochs per
// CPU second (user + system, process.cpuUsage) over SAMPLES samples of about SAMPLE_SECONDS.
// The samples of one model are paired: each round times every module in every numerics once,
// so a change in the machine's load weighs on all of them alike and their ratios hold.
'use strict';

const fs = require('node:fs');

const SAMPLES = 7;
const SAMPLE_SECONDS = 0.2;

const [models, numerics, ...paths] = process.argv.slice(2);
const modules = paths.map((path) => {
  const compiled = new WebAssembly.Module(fs.readFileSync(path));
  const imports = WebAssembly.Module.imports(compiled);
  if (imports.length > 0) {
    throw new Error(`${path} imports ${JSON.stringify(imports)}; the engine must need nothing from its host`);
  }
  return new WebAssembly.Instance(compiled, {}).exports;
});

function cpuSecondsOf(run) {
  const start = process.cpuUsage();
  run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

// How many runs fill a sample; also the warm-up (V8 first runs wasm from a quick baseline
// compile and optimises hot functions in the background).
function repeatsFor(wasm, m, n) {
  let repeats = 1;
  let seconds = cpuSecondsOf(() => wasm.train(m, n, repeats));
  while (seconds < SAMPLE_SECONDS / 2) {
    repeats *= 2;
    seconds = cpuSecondsOf(() => wasm.train(m, n, repeats));
  }
  return Math.max(1, Math.round((repeats * SAMPLE_SECONDS) / seconds));
}

const results = [];
for (let m = 0; m < Number(models); m++) {
  const runs = [];
  modules.forEach((wasm, module) => {
    for (let n = 0; n < Number(numerics); n++) {
      const pointer = wasm.fingerprint(m, n);
      const fingerprint = Buffer.from(wasm.memory.buffer, pointer, 64).toString('latin1');
      runs.push({ wasm, module, n, fingerprint, repeats: repeatsFor(wasm, m, n), rates: [] });
    }
  });
  for (let s = 0; s < SAMPLES; s++) {
    for (const run of runs) {
      const spent = cpuSecondsOf(() => run.wasm.train(m, run.n, run.repeats));
      run.rates.push((run.repeats * run.wasm.rows_times_epochs()) / spent);
    }
  }
  for (const run of runs) {
    run.rates.sort((a, b) => a - b);
    results.push({
      module: run.module,
      model: m,
      numerics: run.n,
      fingerprint: run.fingerprint,
      per_second: run.rates[(SAMPLES - 1) / 2],
    });
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
