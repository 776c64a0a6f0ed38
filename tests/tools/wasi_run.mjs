// wasi_run: runs a guest tool under Node's node:wasi, the reference WASI
// host for the differential tests. Usage:
//   node wasi_run.mjs TOOL.wasm ROOTDIR [args...]   (stdin passed through)
// ROOTDIR is preopened as "/"; the guest's exit code becomes ours.
import { WASI } from 'node:wasi';
import { readFileSync } from 'node:fs';
import process from 'node:process';

process.removeAllListeners('warning');
const [wasmPath, root, ...args] = process.argv.slice(2);
const wasi = new WASI({
  version: 'preview1',
  args: [wasmPath.replace(/^.*\//, '').replace(/\.wasm$/, ''), ...args],
  env: {},
  preopens: { '/': root },
  returnOnExit: true,
});
const module = await WebAssembly.compile(readFileSync(wasmPath));
const instance = await WebAssembly.instantiate(module, wasi.getImportObject());
const rc = wasi.start(instance);
process.exitCode = rc;
