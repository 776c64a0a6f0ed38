// wasi-run.mjs: runs a wasm32-wasi command under Node's node:wasi with the
// current directory preopened as the guest root "/" (tests only; the real
// runtime is boxagnts' own sandbox).
//   node wasi-run.mjs prog.wasm [args...]
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';

const [, , wasmPath, ...args] = argv;
const wasi = new WASI({
  version: 'preview1',
  args: ['bash', ...args],
  env: { HOME: '/', LC_ALL: 'C', PATH: '/usr/bin:/bin', ...(env.BX_WASI_ENV ? JSON.parse(env.BX_WASI_ENV) : {}) },
  preopens: { '/': env.BX_WASI_ROOT || process.cwd() },
  returnOnExit: true,
});
const mod = await WebAssembly.compile(readFileSync(wasmPath));
const inst = await WebAssembly.instantiate(mod, wasi.getImportObject());
let code;
try {
  code = wasi.start(inst);
} catch (e) {
  process.stderr.write(`wasi-run: trap: ${e.message}\n`);
  code = 134;
}
exit(code ?? 0);
