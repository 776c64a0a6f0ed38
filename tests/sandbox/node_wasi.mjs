// node_wasi.mjs: runs a WASI command under Node's node:wasi (the reference
// for the differential tests): node node_wasi.mjs FILE.wasm DIR [ARGS...]
// preopens DIR as "/", passes a fixed environment, exits with the guest's code.
import { readFileSync } from 'node:fs';
import { WASI } from 'node:wasi';

const [wasmPath, dir, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: ['diff.wasm', ...args],
  env: { FOO: 'bar', ZED: 'last', A_FIRST: 'with spaces and = sign' },
  preopens: { '/': dir },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
process.exitCode = wasi.start(instance);
