#!/usr/bin/env python3
"""validate_wabt.py DRIVER [FIRST_SEED COUNT [MUTANTS]]: our decoder and
validator must accept exactly the modules wabt's wasm-validate accepts.

Modules come from gen_v128.generate() (dense v128 code), then each gets
MUTANTS random byte edits (replace, delete, insert) inside its code
section, so SIMD immediates (lane indices, memargs, shuffle masks, the
LEB sub-opcode), operand types and block structure break in every way.
wasm-validate runs with its default features, which are exactly
WebAssembly 2.0. Only the verdict is compared (the two name errors
differently); a mismatch fails the test and the module is kept.
"""
import os
import random
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_v128  # noqa: E402


def code_section(b):
    """(start, end) of the code section's contents."""
    i = 8
    while i < len(b):
        sid = b[i]
        i += 1
        n = shift = 0
        while True:
            x = b[i]
            i += 1
            n |= (x & 0x7f) << shift
            shift += 7
            if not x & 0x80:
                break
        if sid == 10:
            return i, i + n
        i += n
    raise ValueError('no code section')


def main():
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    driver = sys.argv[1]
    first = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    mutants = int(sys.argv[4]) if len(sys.argv) > 4 else 40
    for tool in ('wat2wasm', 'wasm-validate'):
        if not shutil.which(tool):
            print('validate_wabt: %s not found (wabt; scripts/install-deps installs it)' % tool)
            return 1
    total = valid = failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        wat, wasm = os.path.join(tmp, 'm.wat'), os.path.join(tmp, 'm.wasm')
        for seed in range(first, first + count):
            with open(wat, 'w') as f:
                f.write(gen_v128.generate(seed))
            subprocess.run(['wat2wasm', '--enable-all', wat, '-o', wasm], check=True)
            with open(wasm, 'rb') as f:
                base = f.read()
            lo, hi = code_section(base)
            r = random.Random(seed)
            files = []
            for k in range(mutants):
                m = bytearray(base)
                for _ in range(r.randrange(1, 3)):
                    p = r.randrange(lo, min(hi, len(m)))
                    op = r.random()
                    if op < 0.6:
                        m[p] = r.randrange(256)
                    elif op < 0.8:
                        del m[p]
                    else:
                        m.insert(p, r.randrange(256))
                path = os.path.join(tmp, 'mut%d.wasm' % k)
                with open(path, 'wb') as f:
                    f.write(m)
                files.append(path)
            ours = subprocess.run([driver, '--validate'] + files, capture_output=True,
                                  text=True, timeout=120).stdout.splitlines()
            if len(ours) != len(files):
                print('seed %d: driver printed %d verdicts for %d files' % (seed, len(ours), len(files)))
                failures += 1
                continue
            for path, verdict in zip(files, ours):
                total += 1
                w = subprocess.run(['wasm-validate', path], capture_output=True, text=True)
                theirs = w.returncode == 0
                mine = verdict == 'valid'
                valid += mine
                if theirs != mine:
                    failures += 1
                    keep = 'validate_wabt_seed%d_%s' % (seed, os.path.basename(path))
                    shutil.copy(path, keep)
                    why = (w.stderr.strip().splitlines() or [''])[0]
                    print('%s: wabt says %s, we say %s' % (
                        keep, 'valid' if theirs else 'invalid (' + why + ')', verdict))
    print('validate_wabt: %d mutants (%d valid), %d verdicts differ' % (total, valid, failures))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
