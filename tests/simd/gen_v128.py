"""gen_v128.py: random WebAssembly text modules that move v128 values
through every path of the engine's translator.

The spec tests check each SIMD op in a one-instruction function. What they
barely touch is the plumbing around v128 in our two-slot scheme: locals,
globals, select (typed and untyped), blocks/loops/ifs with v128 params and
results, br/br_if/br_table carrying v128, multi-value calls, call_indirect,
early return, loads/stores at odd offsets. generate(seed) builds a module
of such code from nested random expressions; diff_wabt.py runs it in wabt's
interpreter and in ours and compares. Ops whose NaN bits the spec leaves
open are avoided so that results compare bit for bit.
"""
import random

V_BIN = [
    'i8x16.add', 'i8x16.sub', 'i8x16.add_sat_s', 'i8x16.add_sat_u', 'i8x16.sub_sat_s',
    'i8x16.sub_sat_u', 'i8x16.min_s', 'i8x16.min_u', 'i8x16.max_s', 'i8x16.max_u',
    'i8x16.avgr_u', 'i8x16.eq', 'i8x16.ne', 'i8x16.lt_s', 'i8x16.gt_u', 'i16x8.add',
    'i16x8.mul', 'i16x8.sub_sat_s', 'i16x8.q15mulr_sat_s', 'i16x8.lt_u', 'i16x8.ge_s',
    'i16x8.narrow_i32x4_s', 'i8x16.narrow_i16x8_u', 'i32x4.add', 'i32x4.mul',
    'i32x4.dot_i16x8_s', 'i32x4.min_u', 'i32x4.gt_s', 'i64x2.add', 'i64x2.mul', 'i64x2.lt_s',
    'i64x2.eq', 'v128.and', 'v128.or', 'v128.xor', 'v128.andnot', 'i8x16.swizzle',
    'f32x4.pmin', 'f64x2.pmax', 'f32x4.eq', 'f64x2.lt', 'i16x8.extmul_low_i8x16_s',
    'i32x4.extmul_high_i16x8_u', 'i64x2.extmul_low_i32x4_s',
]
V_UN = [
    'v128.not', 'i8x16.abs', 'i8x16.neg', 'i8x16.popcnt', 'i16x8.abs', 'i32x4.neg',
    'i64x2.abs', 'f32x4.abs', 'f64x2.neg', 'i16x8.extend_low_i8x16_s',
    'i32x4.extend_high_i16x8_u', 'i64x2.extend_low_i32x4_s',
    'i16x8.extadd_pairwise_i8x16_u', 'i32x4.extadd_pairwise_i16x8_s',
]
V_SHIFT = ['i8x16.shl', 'i8x16.shr_s', 'i16x8.shr_u', 'i32x4.shl', 'i64x2.shr_s', 'i64x2.shl']
V_TEST = ['v128.any_true', 'i8x16.all_true', 'i16x8.bitmask', 'i32x4.all_true',
          'i64x2.bitmask', 'i8x16.bitmask']
# Float ops may produce NaNs whose bits the spec leaves open; they are
# wrapped so that a NaN lane becomes one fixed pattern (see canon()).
F32_BIN = ['f32x4.add', 'f32x4.sub', 'f32x4.mul', 'f32x4.div', 'f32x4.min', 'f32x4.max']
F64_BIN = ['f64x2.add', 'f64x2.sub', 'f64x2.mul', 'f64x2.div', 'f64x2.min', 'f64x2.max']
F32_UN = ['f32x4.sqrt', 'f32x4.ceil', 'f32x4.floor', 'f32x4.trunc', 'f32x4.nearest',
          'f32x4.convert_i32x4_s', 'f32x4.convert_i32x4_u', 'f32x4.demote_f64x2_zero']
F64_UN = ['f64x2.sqrt', 'f64x2.ceil', 'f64x2.floor', 'f64x2.trunc', 'f64x2.nearest',
          'f64x2.convert_low_i32x4_s', 'f64x2.convert_low_i32x4_u', 'f64x2.promote_low_f32x4']
TRUNC_SAT = ['i32x4.trunc_sat_f32x4_s', 'i32x4.trunc_sat_f32x4_u',
             'i32x4.trunc_sat_f64x2_s_zero', 'i32x4.trunc_sat_f64x2_u_zero']
LOADS = ['v128.load', 'v128.load8x8_s', 'v128.load16x4_u', 'v128.load32x2_s',
         'v128.load8_splat', 'v128.load16_splat', 'v128.load32_splat', 'v128.load64_splat',
         'v128.load32_zero', 'v128.load64_zero']
LANE_LOADS = [('v128.load8_lane', 16), ('v128.load16_lane', 8), ('v128.load32_lane', 4),
              ('v128.load64_lane', 2)]
LANE_STORES = [('v128.store8_lane', 16), ('v128.store16_lane', 8), ('v128.store32_lane', 4),
               ('v128.store64_lane', 2)]


class Func:
    """Locals: nv v128 (params first, if any), one v128 scratch, then ni
    i32, then one i32 counter per generated loop (so nested loops never
    share a counter)."""

    def __init__(self, rng, nv, ni, calls=True, can_return=True):
        self.r, self.nv, self.ni = rng, nv, ni
        self.scratch = nv
        self.calls, self.can_return = calls, can_return
        self.labels = 0
        self.loops = 0

    def label(self):
        self.labels += 1
        return '$L%d' % self.labels

    def v128_local(self):
        return self.r.randrange(self.nv)

    def i32_local(self):
        return self.nv + 1 + self.r.randrange(self.ni)

    def counter(self):
        c = self.nv + 1 + self.ni + self.loops
        self.loops += 1
        return c


def canon(f, shape, expr):
    """expr with every NaN lane (as f32x4 or f64x2) replaced by the
    positive canonical NaN. The scratch local holds expr meanwhile; nested
    uses are safe because the inner one completes before the outer tee."""
    nan = ('(v128.const i32x4 0x7fc00000 0x7fc00000 0x7fc00000 0x7fc00000)' if shape == 'f32x4'
           else '(v128.const i64x2 0x7ff8000000000000 0x7ff8000000000000)')
    return '(v128.bitselect %s (local.tee %d %s) (%s.ne (local.get %d) (local.get %d)))' % (
        nan, f.scratch, expr, shape, f.scratch, f.scratch)


def vconst(r, k=None):
    if k is None:
        k = r.random()
    if k < 0.3:
        return '(v128.const i32x4 %s)' % ' '.join('0x%08x' % r.getrandbits(32) for _ in range(4))
    if k < 0.5:
        return '(v128.const i8x16 %s)' % ' '.join(
            str(r.choice([0, 1, 127, 128, 255, r.randrange(256)])) for _ in range(16))
    if k < 0.7:
        return '(v128.const i64x2 %s)' % ' '.join('0x%016x' % r.getrandbits(64) for _ in range(2))
    if k < 0.85:
        return '(v128.const f32x4 %s)' % ' '.join(
            r.choice(['0', '-0', '1.5', '-2.5', '0.5', '-0.5', '3e9', '-4e9', '0x1p-149', '-inf',
                      'inf', 'nan', '-nan:0x200000', '3.4e38', '16777217'])
            for _ in range(4))
    return '(v128.const f64x2 %s)' % ' '.join(
        r.choice(['0', '-0', '1.5', '2.5', '-0.5', '4294967295.5', '-2147483648.9', '1e300',
                  '0x1p-1074', '3.4028235677973366e38', '-inf', 'nan:0x4']) for _ in range(2))


def addr(f, d):
    return '(i32.and %s (i32.const 0x7ff))' % gen_i32(f, d)


def gen_v128(f, d):
    r = f.r
    if d <= 0:
        k = r.random()
        if k < 0.4:
            return vconst(r)
        if k < 0.8:
            return '(local.get %d)' % f.v128_local()
        return '(global.get $g%d)' % r.randrange(2)
    d -= 1
    V = lambda: gen_v128(f, d)
    I = lambda: gen_i32(f, d)
    k = r.randrange(28)
    # float operands: often a constant of the op's own shape (ties, zeros,
    # bounds), else any v128
    FV = lambda shape: (vconst(r, 0.8 if shape == 'f32x4' else 0.9) if r.random() < 0.5
                        else V())
    if k == 25:
        if r.random() < 0.5:
            op = r.choice(F32_BIN + F64_BIN)
            return canon(f, op[:5], '(%s %s %s)' % (op, FV(op[:5]), FV(op[:5])))
        op = r.choice(F32_UN + F64_UN)
        src = 'f64x2' if op.endswith('f64x2_zero') else 'f32x4' if op.endswith(
            'f32x4') else op[:5]
        return canon(f, op[:5], '(%s %s)' % (op, FV(src)))
    if k == 26:
        op = r.choice(TRUNC_SAT)
        return '(%s %s)' % (op, FV('f64x2' if 'f64x2' in op else 'f32x4'))
    if k == 27:
        k = 3
    if k in (15, 16, 20) and not f.calls:
        k = 3
    if k == 0:
        return vconst(r)
    if k == 1:
        return '(local.get %d)' % f.v128_local()
    if k == 2:
        return '(local.tee %d %s)' % (f.v128_local(), V())
    if k == 3:
        return '(%s %s %s)' % (r.choice(V_BIN), V(), V())
    if k == 4:
        return '(%s %s)' % (r.choice(V_UN), V())
    if k == 5:
        return '(%s %s %s)' % (r.choice(V_SHIFT), V(), I())
    if k == 6:
        if r.random() < 0.7:
            return '(%s %s)' % (r.choice(['i8x16.splat', 'i16x8.splat', 'i32x4.splat']), I())
        return '(i64x2.splat %s)' % gen_i64(f, d)
    if k == 7:
        if r.random() < 0.5:
            return '(i8x16.replace_lane %d %s %s)' % (r.randrange(16), V(), I())
        return '(i64x2.replace_lane %d %s %s)' % (r.randrange(2), V(), gen_i64(f, d))
    if k == 8:
        return '(i8x16.shuffle %s %s %s)' % (
            ' '.join(str(r.randrange(32)) for _ in range(16)), V(), V())
    if k == 9:
        return '(v128.bitselect %s %s %s)' % (V(), V(), V())
    if k == 10:
        return '(%s offset=%d %s)' % (r.choice(LOADS), r.randrange(64), addr(f, d))
    if k == 11:
        op, n = r.choice(LANE_LOADS)
        return '(%s offset=%d %d %s %s)' % (op, r.randrange(64), r.randrange(n), addr(f, d), V())
    if k == 12:
        l = f.label()
        return '(block %s (result v128) (drop (br_if %s %s %s)) %s)' % (l, l, V(), I(), V())
    if k == 13:
        return '(if (result v128) %s (then %s) (else %s))' % (I(), V(), V())
    if k == 14:
        if r.random() < 0.5:
            return '(select %s %s %s)' % (V(), V(), I())
        return '(select (result v128) %s %s %s)' % (V(), V(), I())
    if k == 15:
        return '(call $h1 %s %s)' % (V(), V())
    if k == 16:
        return '(call_indirect (type $t1) %s %s (i32.and %s (i32.const 1)))' % (V(), V(), I())
    if k == 17:
        l = f.label()
        return '(%s (block %s (result v128 v128) %s %s))' % (r.choice(V_BIN), l, V(), V())
    if k == 18:
        a, b = f.label(), f.label()
        return ('(block %s (result v128) (i16x8.add (block %s (result v128) '
                '(br_table %s %s %s %s %s)) %s))' % (a, b, a, b, a, V(), I(), V()))
    if k == 19:
        l = f.label()
        acc = f.v128_local()
        c = f.counter()
        return ('(block (result v128) (local.set %d (i32.const %d)) (loop %s (local.set %d '
                '(i8x16.add (local.get %d) %s)) (br_if %s (i32.ne (local.tee %d (i32.sub '
                '(local.get %d) (i32.const 1))) (i32.const 0)))) (local.get %d))' % (
                    c, r.randrange(1, 4), l, acc, acc, V(), l, c, c, acc))
    if k == 20:
        # multi-value call returning (v128 i64 v128), results moved to locals
        if f.nv < 2:
            return vconst(r)
        return ('(block (result v128) (call $h0 %s %s %s (f64.const 2.5)) (local.set 0) '
                '(drop) (local.set 1) (i8x16.sub (local.get 0) (local.get 1)))' % (V(), I(), V()))
    if k == 21:
        l = f.label()
        return '(block (result v128) %s (loop %s (param v128) (result v128) (v128.xor %s)))' % (
            V(), l, V())
    if k == 22:
        return '(block (result v128) %s %s (block (param v128 i32) (result v128) (%s)))' % (
            V(), I(), r.choice(V_SHIFT))
    if k == 23:
        # `if` without `else`: when false the params pass through as results
        return '(block (result v128) %s %s (if (param v128) (result v128) (then (%s))))' % (
            V(), I(), r.choice(V_UN))
    l = f.label()
    if r.random() < 0.5:
        return '(block %s (result v128) %s (br %s %s))' % (l, V(), l, V())
    return '(block %s (result v128) (drop %s) (br_if %s %s %s) (drop) %s)' % (
        l, V(), l, V(), I(), V())


def gen_i32(f, d):
    r = f.r
    if d <= 0:
        if r.random() < 0.6:
            return '(i32.const %d)' % r.choice(
                [0, 1, 2, 31, 32, 33, -1, -0x80000000, r.randrange(-100, 100)])
        return '(local.get %d)' % f.i32_local()
    d -= 1
    k = r.randrange(8)
    if k == 0:
        return '(%s %s)' % (r.choice(V_TEST), gen_v128(f, d))
    if k == 1:
        return '(i8x16.extract_lane_%s %d %s)' % (r.choice('su'), r.randrange(16), gen_v128(f, d))
    if k == 2:
        return '(i32x4.extract_lane %d %s)' % (r.randrange(4), gen_v128(f, d))
    if k == 3:
        return '(i32.add %s %s)' % (gen_i32(f, d), gen_i32(f, d))
    if k == 4:
        return '(i32.load offset=%d %s)' % (r.randrange(64), addr(f, d))
    if k == 5:
        return '(i16x8.extract_lane_%s %d %s)' % (r.choice('su'), r.randrange(8), gen_v128(f, d))
    if k == 6:
        return '(i32.wrap_i64 %s)' % gen_i64(f, d)
    return '(i32.const %d)' % r.randrange(-5, 40)


def gen_i64(f, d):
    r = f.r
    if d <= 0 or r.random() < 0.3:
        return '(i64.const %d)' % r.choice([0, -1, r.getrandbits(63)])
    return '(i64x2.extract_lane %d %s)' % (r.randrange(2), gen_v128(f, d - 1))


def gen_stmt(f, d):
    r = f.r
    k = r.randrange(7)
    if k == 6 and f.can_return:
        return '(if %s (then (return %s %s %s %s)))' % (
            gen_i32(f, d), gen_v128(f, d), gen_i32(f, d), gen_v128(f, d), gen_i64(f, d))
    if k == 1:
        op, n = r.choice(LANE_STORES)
        return '(%s offset=%d %d %s %s)' % (op, r.randrange(64), r.randrange(n), addr(f, d),
                                            gen_v128(f, d))
    if k == 2:
        return '(global.set $g%d %s)' % (r.randrange(2), gen_v128(f, d))
    if k == 3:
        return '(local.set %d %s)' % (f.v128_local(), gen_v128(f, d))
    if k == 4:
        return '(drop %s)' % gen_v128(f, d)
    if k == 5:
        return '(local.set %d %s)' % (f.i32_local(), gen_i32(f, d))
    return '(v128.store offset=%d %s %s)' % (r.randrange(64), addr(f, d), gen_v128(f, d))


def generate(seed):
    """A module whose exports f0..fN take nothing and return
    (v128 i32 v128 i64), followed by `state`, which returns the globals and
    memory samples so that side effects are compared too."""
    r = random.Random(seed)
    out = ['(module',
           '  (type $t1 (func (param v128 v128) (result v128)))',
           '  (memory 1)',
           '  (data (i32.const 0) "%s")' % ''.join('\\%02x' % r.randrange(256) for _ in range(2200)),
           '  (global $g0 (mut v128) %s)' % vconst(r),
           '  (global $g1 (mut v128) %s)' % vconst(r),
           '  (table 2 funcref) (elem (i32.const 0) $h1 $h2)']
    h1 = Func(r, 2, 2, calls=False, can_return=False)
    body = gen_v128(h1, 3)
    out.append('  (func $h1 (type $t1) (local v128 i32 i32) (local %s) %s)' % (
        ' '.join(['i32'] * h1.loops), body))
    out.append('  (func $h2 (type $t1) (i8x16.sub (local.get 1) (local.get 0)))')
    out.append('  (func $h0 (param v128 i32 v128 f64) (result v128 i64 v128) (local v128) '
               '(i32x4.add (local.get 0) (i32x4.splat (local.get 1))) '
               '(i64.trunc_f64_s (local.get 3)) (local.get 2))')
    for i in range(r.randrange(3, 7)):
        f = Func(r, r.randrange(2, 5), r.randrange(1, 3))
        depth = r.randrange(2, 5)
        stmts = ' '.join(gen_stmt(f, depth) for _ in range(r.randrange(0, 4)))
        res = ' '.join([gen_v128(f, depth), gen_i32(f, depth - 1), gen_v128(f, depth),
                        gen_i64(f, depth - 1)])
        out.append('  (func (export "f%d") (result v128 i32 v128 i64) (local %s v128) (local %s) '
                   '(local %s) %s %s)' % (i, ' '.join(['v128'] * f.nv), ' '.join(['i32'] * f.ni),
                                           ' '.join(['i32'] * f.loops), stmts, res))
    out.append('  (func (export "state") (result v128 v128 %s) (global.get $g0) (global.get $g1) '
               '%s)' % (' '.join(['v128'] * 8),
                        ' '.join('(v128.load offset=%d (i32.const 0))' % (k * 272)
                                 for k in range(8))))
    out.append(')')
    return '\n'.join(out) + '\n'
