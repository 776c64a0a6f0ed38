#!/usr/bin/env python3
"""diff_wabt.py DRIVER [FIRST_SEED COUNT]: differential test of v128 code
paths against wabt's interpreter (wasm-interp), per DESIGN.md's wabt-based
differential tests.

For each seed, gen_v128.generate() writes a module, wat2wasm builds it,
and both `wasm-interp --run-all-exports` and DRIVER (run_exports.c, our
engine) print every export's results in the same format. Any difference,
or a missing tool, fails the test; a failing module is kept beside the
build for reproduction.
"""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_v128  # noqa: E402


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    driver = sys.argv[1]
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    for tool in ('wat2wasm', 'wasm-interp'):
        if not shutil.which(tool):
            print('diff_wabt: %s not found (wabt; scripts/install-deps installs it)' % tool)
            return 1
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        wat, wasm = os.path.join(tmp, 'm.wat'), os.path.join(tmp, 'm.wasm')
        for seed in range(first, first + count):
            with open(wat, 'w') as f:
                f.write(gen_v128.generate(seed))
            p = subprocess.run(['wat2wasm', '--enable-all', wat, '-o', wasm],
                               capture_output=True, text=True)
            if p.returncode != 0:
                print('seed %d: generator produced an invalid module: %s' % (seed, p.stderr))
                failures += 1
                continue
            want = subprocess.run(['wasm-interp', wasm, '--run-all-exports'],
                                  capture_output=True, text=True, timeout=60).stdout
            got = subprocess.run([driver, wasm], capture_output=True, text=True, timeout=60)
            if got.returncode != 0 or got.stdout != want:
                failures += 1
                keep = 'diff_wabt_seed%d.wat' % seed
                shutil.copy(wat, keep)
                print('seed %d: engine differs from wasm-interp (module kept as %s)' % (seed, keep))
                for a, b in zip(want.splitlines(), got.stdout.splitlines()):
                    if a != b:
                        print('  wabt:   ' + a)
                        print('  engine: ' + b)
                if got.stderr:
                    print('  stderr: ' + got.stderr[:2000])
    print('diff_wabt: %d modules, %d differ' % (count, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
