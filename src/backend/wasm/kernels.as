// AssemblyScript source of glassbox's WebAssembly SIMD kernels; `npm run build:wasm` compiles it
// into kernels.generated.ts. All pointers are byte offsets into the imported memory; the JS side
// (index.ts) owns allocation, so this module has no runtime, no heap and no data segments.
//
// Built twice: plain SIMD (4x8 GEMM tile, mul + add) and relaxed SIMD (6x8 tile, fused madd),
// each with a shared-memory and a non-shared-memory import.

// ---------------------------------------------------------------------------------------------
// GEMM: C[i, j] = sum_q A(i, q) * B(q, j), C row-major with n columns.
//   A(i, q) lives at a + i * rsA + q * csA (bytes), so A and its transpose share one code path.
//   For each k block, full 4-row blocks of A are packed so the 4 values of one q sit together
//   (the micro-kernel then needs a single pointer); leftover rows are read in place.
//   B is read as panels of 8 columns: panel p, row q at b + p * panelStride + q * ldb. An
//   untransposed B is used in place (panelStride 32, ldb n*4); a transposed B is first packed
//   by packBT into contiguous k x 8 panels (panelStride k*32, ldb 32), zero padded.
// ---------------------------------------------------------------------------------------------

/** Depth of one k block: keeps a B panel (KC x 8 floats) and a packed A block in L1. */
const KC: i32 = 256;
/** Rows per micro-tile. */
const MR: i32 = 4;

@inline function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/** 4 rows x 8 columns from packed A (4 floats per q): 8 accumulators, 2 B vectors, 1 A splat. */
@inline function kernel4x8(a: usize, b: usize, ldb: usize, kc: i32, c: usize, ldc: usize, accum: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  if (accum) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
    c10 = v128.load(c + ldc); c11 = v128.load(c + ldc, 16);
    c20 = v128.load(c + 2 * ldc); c21 = v128.load(c + 2 * ldc, 16);
    c30 = v128.load(c + 3 * ldc); c31 = v128.load(c + 3 * ldc, 16);
  }
  // do-while (kc >= 1) on an end pointer keeps V8's loop free of spills and register shuffles.
  const end = a + <usize>kc * 16;
  do {
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let av = v128.load32_splat(a);
    c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
    av = v128.load32_splat(a, 4);
    c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
    av = v128.load32_splat(a, 8);
    c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
    av = v128.load32_splat(a, 12);
    c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
    a += 16;
    b += ldb;
  } while (a < end);
  v128.store(c, c00); v128.store(c, c01, 16);
  v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
  v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
  v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
}

/** 1 row x 8 columns, for the rows left over below a full tile (A read in place). */
@inline function kernel1x8(a: usize, csA: usize, b: usize, ldb: usize, kc: i32, c: usize, accum: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0);
  if (accum) {
    c00 = v128.load(c); c01 = v128.load(c, 16);
  }
  let q = kc;
  do {
    const av = v128.load32_splat(a);
    c00 = madd(av, v128.load(b), c00);
    c01 = madd(av, v128.load(b, 16), c01);
    a += csA;
    b += ldb;
  } while (--q);
  v128.store(c, c00); v128.store(c, c01, 16);
}

/** Packs MR rows x kc of A (element (r, q) at a + r*rsA + q*csA) as kc groups of MR floats. */
function packA(a: usize, rsA: usize, csA: usize, kc: i32, dst: usize): void {
  if (rsA == 4) {
    // Transposed A: the MR values of one q are already adjacent.
    for (let q = 0; q < kc; q++) v128.store(dst + <usize>q * 16, v128.load(a + <usize>q * csA));
    return;
  }
  const a1 = a + rsA, a2 = a + 2 * rsA, a3 = a + 3 * rsA;
  let q = 0;
  if (csA == 4) {
    // Row-major A: transpose 4x4 blocks with shuffles.
    for (; q + 4 <= kc; q += 4) {
      const o = <usize>q * 4;
      const r0 = v128.load(a + o), r1 = v128.load(a1 + o), r2 = v128.load(a2 + o), r3 = v128.load(a3 + o);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5);
      const t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7);
      const t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d = dst + <usize>q * 16;
      v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
      v128.store(d, v128.shuffle<f64>(t0, t1, 1, 3), 16);
      v128.store(d, v128.shuffle<f64>(t2, t3, 0, 2), 32);
      v128.store(d, v128.shuffle<f64>(t2, t3, 1, 3), 48);
    }
  }
  for (; q < kc; q++) {
    const o = <usize>q * csA;
    const d = dst + <usize>q * 16;
    store<f32>(d, load<f32>(a + o));
    store<f32>(d, load<f32>(a1 + o), 4);
    store<f32>(d, load<f32>(a2 + o), 8);
    store<f32>(d, load<f32>(a3 + o), 12);
  }
}

/** Rows [i0, i1) of one 8-column panel for one k block, written to c with row stride ldc. */
function panelRows(ap: usize, a: usize, rsA: usize, csA: usize, b: usize, ldb: usize, kc: i32, c: usize, ldc: usize, i0: i32, full: i32, i1: i32, accum: bool): void {
  for (let i = i0; i < full; i += MR) kernel4x8(ap + <usize>(i - i0) * <usize>kc * 4, b, ldb, kc, c + <usize>i * ldc, ldc, accum);
  for (let i = full; i < i1; i++) kernel1x8(a + <usize>i * rsA, csA, b, ldb, kc, c + <usize>i * ldc, accum);
}

/**
 * Rows [i0, i1) and 8-column panels [p0, p1) of C = op(A) op(B), C row-major [*, n].
 * `scratch` holds (i1 - i0) x 8 floats for the last, partial panel; `apack` holds
 * (i1 - i0) x min(k, KC) floats of packed A. Threads pass disjoint rows or panels.
 */
export function gemm(
  a: usize, rsA: i32, csA: i32, b: usize, ldb: i32, panelStride: i32, c: usize,
  n: i32, k: i32, i0: i32, i1: i32, p0: i32, p1: i32, scratch: usize, apack: usize,
): void {
  const ldc = <usize>n * 4;
  if (k == 0) {
    for (let i = i0; i < i1; i++) {
      const j0 = p0 * 8, j1 = min(p1 * 8, n);
      memory.fill(c + <usize>i * ldc + <usize>j0 * 4, 0, <usize>(j1 - j0) * 4);
    }
    return;
  }
  const full = i0 + ((i1 - i0) / MR) * MR;
  for (let kb = 0; kb < k; kb += KC) {
    const kc = min(KC, k - kb);
    const accum = kb > 0;
    const ak = a + <usize>kb * <usize>csA;
    for (let i = i0; i < full; i += MR) packA(ak + <usize>i * <usize>rsA, rsA, csA, kc, apack + <usize>(i - i0) * <usize>kc * 4);
    for (let p = p0; p < p1; p++) {
      const j = p * 8;
      const nc = min(8, n - j);
      const bp = b + <usize>p * <usize>panelStride + <usize>kb * <usize>ldb;
      if (nc == 8) {
        panelRows(apack, ak, rsA, csA, bp, ldb, kc, c + <usize>j * 4, ldc, i0, full, i1, accum);
      } else {
        // Partial panel: run full-width tiles into scratch, copy back the nc valid columns.
        const s = scratch - <usize>i0 * 32;
        if (accum) {
          for (let i = i0; i < i1; i++) memory.copy(s + <usize>i * 32, c + <usize>i * ldc + <usize>j * 4, <usize>nc * 4);
        }
        panelRows(apack, ak, rsA, csA, bp, ldb, kc, s, 32, i0, full, i1, accum);
        for (let i = i0; i < i1; i++) memory.copy(c + <usize>i * ldc + <usize>j * 4, s + <usize>i * 32, <usize>nc * 4);
      }
    }
  }
}

/** Packs B stored [n, k] (a transposed operand) into ceil(n/8) panels of k x 8, zero padded. */
export function packBT(b: usize, n: i32, k: i32, dst: usize): void {
  const panels = (n + 7) >> 3;
  for (let p = 0; p < panels; p++) {
    const d = dst + <usize>p * <usize>k * 32;
    for (let l = 0; l < 8; l++) {
      const j = p * 8 + l;
      const out = d + <usize>l * 4;
      if (j < n) {
        const src = b + <usize>j * <usize>k * 4;
        for (let q = 0; q < k; q++) store<f32>(out + <usize>q * 32, load<f32>(src + <usize>q * 4));
      } else {
        for (let q = 0; q < k; q++) store<f32>(out + <usize>q * 32, 0);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Fused dense epilogue, softmax, optimisers.
// ---------------------------------------------------------------------------------------------

@inline function sigmoidf(x: f32): f32 {
  if (x >= 0) return 1 / (1 + Mathf.exp(-x));
  const e = Mathf.exp(x);
  return e / (1 + e);
}

/** out = act(x + bias) over [rows, cols]; bias 0 = none; act 0 linear, 1 relu, 2 sigmoid, 3 tanh. */
export function biasAct(x: usize, bias: usize, out: usize, rows: i32, cols: i32, act: i32): void {
  const zero = f32x4.splat(0);
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const or = out + <usize>r * <usize>cols * 4;
    if (act <= 1) {
      let c = 0;
      for (; c < cols4; c += 4) {
        let v = v128.load(xr + <usize>c * 4);
        if (bias) v = f32x4.add(v, v128.load(bias + <usize>c * 4));
        if (act == 1) v = f32x4.max(v, zero);
        v128.store(or + <usize>c * 4, v);
      }
      for (; c < cols; c++) {
        let v = load<f32>(xr + <usize>c * 4);
        if (bias) v += load<f32>(bias + <usize>c * 4);
        if (act == 1) v = v > 0 ? v : 0;
        store<f32>(or + <usize>c * 4, v);
      }
    } else {
      for (let c = 0; c < cols; c++) {
        let v = load<f32>(xr + <usize>c * 4);
        if (bias) v += load<f32>(bias + <usize>c * 4);
        store<f32>(or + <usize>c * 4, act == 2 ? sigmoidf(v) : Mathf.tanh(v));
      }
    }
  }
}

/** Row-wise log-softmax of [rows, cols]; the exp sum is accumulated in f64. */
export function logSoftmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const or = out + <usize>r * <usize>cols * 4;
    let mx: f32 = -Infinity;
    for (let c = 0; c < cols; c++) mx = max(mx, load<f32>(xr + <usize>c * 4));
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) sum += <f64>Mathf.exp(load<f32>(xr + <usize>c * 4) - mx);
    const lse = <f64>mx + Math.log(sum);
    for (let c = 0; c < cols; c++) store<f32>(or + <usize>c * 4, <f32>(<f64>load<f32>(xr + <usize>c * 4) - lse));
  }
}

/** In place Adam / AdamW on n floats; c1, c2 are the bias corrections 1 - beta^t. */
export function adam(p: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, b1: f32, b2: f32, eps: f32, c1: f32, c2: f32, wd: f32): void {
  const vb1 = f32x4.splat(b1), vb1c = f32x4.splat(1 - b1);
  const vb2 = f32x4.splat(b2), vb2c = f32x4.splat(1 - b2);
  const vc1 = f32x4.splat(1 / c1), vc2 = f32x4.splat(1 / c2);
  const veps = f32x4.splat(eps), vlr = f32x4.splat(lr), vwd = f32x4.splat(wd);
  const n4 = n & ~3;
  const n8 = n & ~7;
  let i = 0;
  // Two vectors per iteration: sqrt and div have long latencies, so independent work hides them.
  for (; i < n8; i += 8) {
    const o = <usize>i * 4;
    const o2 = o + 16;
    const g1 = v128.load(g + o);
    const g2 = v128.load(g + o2);
    const m1 = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, g1));
    const m2 = f32x4.add(f32x4.mul(vb1, v128.load(m + o2)), f32x4.mul(vb1c, g2));
    const v1 = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(g1, g1)));
    const v2 = f32x4.add(f32x4.mul(vb2, v128.load(v + o2)), f32x4.mul(vb2c, f32x4.mul(g2, g2)));
    v128.store(m + o, m1);
    v128.store(m + o2, m2);
    v128.store(v + o, v1);
    v128.store(v + o2, v2);
    const d1 = f32x4.add(f32x4.sqrt(f32x4.mul(v1, vc2)), veps);
    const d2 = f32x4.add(f32x4.sqrt(f32x4.mul(v2, vc2)), veps);
    const p1 = v128.load(p + o);
    const p2 = v128.load(p + o2);
    const s1 = f32x4.add(f32x4.div(f32x4.mul(m1, vc1), d1), f32x4.mul(vwd, p1));
    const s2 = f32x4.add(f32x4.div(f32x4.mul(m2, vc1), d2), f32x4.mul(vwd, p2));
    v128.store(p + o, f32x4.sub(p1, f32x4.mul(vlr, s1)));
    v128.store(p + o2, f32x4.sub(p2, f32x4.mul(vlr, s2)));
  }
  for (; i < n4; i += 4) {
    const o = <usize>i * 4;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const pv = v128.load(p + o);
    const step = f32x4.add(f32x4.div(f32x4.mul(mv, vc1), f32x4.add(f32x4.sqrt(f32x4.mul(vv, vc2)), veps)), f32x4.mul(vwd, pv));
    v128.store(p + o, f32x4.sub(pv, f32x4.mul(vlr, step)));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const gv = load<f32>(g + o);
    const mv = b1 * load<f32>(m + o) + (1 - b1) * gv;
    const vv = b2 * load<f32>(v + o) + (1 - b2) * gv * gv;
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    const pv = load<f32>(p + o);
    store<f32>(p + o, pv - lr * ((mv * (1 / c1)) / (Mathf.sqrt(vv * (1 / c2)) + eps) + wd * pv));
  }
}

/** In place SGD; with momentum (vel != 0) the Keras form v = mom*v - lr*g, p += v (or Nesterov). */
export function sgd(p: usize, g: usize, vel: usize, n: i32, lr: f32, mom: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr), vmom = f32x4.splat(mom);
  const n4 = n & ~3;
  let i = 0;
  if (!vel || mom == 0) {
    for (; i < n4; i += 4) {
      const o = <usize>i * 4;
      v128.store(p + o, f32x4.sub(v128.load(p + o), f32x4.mul(vlr, v128.load(g + o))));
    }
    for (; i < n; i++) {
      const o = <usize>i * 4;
      store<f32>(p + o, load<f32>(p + o) - lr * load<f32>(g + o));
    }
    return;
  }
  for (; i < n4; i += 4) {
    const o = <usize>i * 4;
    const gl = f32x4.mul(vlr, v128.load(g + o));
    const vv = f32x4.sub(f32x4.mul(vmom, v128.load(vel + o)), gl);
    v128.store(vel + o, vv);
    const upd = nesterov ? f32x4.sub(f32x4.mul(vmom, vv), gl) : vv;
    v128.store(p + o, f32x4.add(v128.load(p + o), upd));
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const gl = lr * load<f32>(g + o);
    const vv = mom * load<f32>(vel + o) - gl;
    store<f32>(vel + o, vv);
    store<f32>(p + o, load<f32>(p + o) + (nesterov ? mom * vv - gl : vv));
  }
}

// ---------------------------------------------------------------------------------------------
// Elementwise and reductions.
// ---------------------------------------------------------------------------------------------

// Unary op codes (must match UNARY_CODES in index.ts).
const U_NEG = 0, U_ABS = 1, U_SQUARE = 2, U_SQRT = 3, U_RECIP = 4, U_RELU = 5, U_STEP = 6, U_LEAKY = 7;

@inline function unaryV(op: i32, x: v128, alpha: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case U_NEG: return f32x4.neg(x);
    case U_ABS: return f32x4.abs(x);
    case U_SQUARE: return f32x4.mul(x, x);
    case U_SQRT: return f32x4.sqrt(x);
    case U_RECIP: return f32x4.div(f32x4.splat(1), x);
    // x > 0 ? x : 0 — NaN maps to 0, as in the reference.
    case U_RELU: return v128.and(x, f32x4.gt(x, zero));
    case U_STEP: return v128.and(f32x4.splat(1), f32x4.gt(x, zero));
    default: return v128.bitselect(x, f32x4.mul(alpha, x), f32x4.gt(x, zero));
  }
}

@inline function unaryLoop(op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  const va = f32x4.splat(alpha);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) v128.store(out + <usize>i * 4, unaryV(op, v128.load(x + <usize>i * 4), va));
  // Tail: one more full vector; the JS side pads every arena block by 16 bytes.
  if (i < n) v128.store(out + <usize>i * 4, unaryV(op, v128.load(x + <usize>i * 4), va));
}

export function unary(op: i32, x: usize, out: usize, n: i32, alpha: f32): void {
  switch (op) {
    case U_NEG: unaryLoop(U_NEG, x, out, n, alpha); break;
    case U_ABS: unaryLoop(U_ABS, x, out, n, alpha); break;
    case U_SQUARE: unaryLoop(U_SQUARE, x, out, n, alpha); break;
    case U_SQRT: unaryLoop(U_SQRT, x, out, n, alpha); break;
    case U_RECIP: unaryLoop(U_RECIP, x, out, n, alpha); break;
    case U_RELU: unaryLoop(U_RELU, x, out, n, alpha); break;
    case U_STEP: unaryLoop(U_STEP, x, out, n, alpha); break;
    default: unaryLoop(U_LEAKY, x, out, n, alpha); break;
  }
}

// Binary op codes (must match BINARY_CODES in index.ts).
const B_ADD = 0, B_SUB = 1, B_MUL = 2, B_DIV = 3, B_MAX = 4, B_MIN = 5;

@inline function binaryV(op: i32, a: v128, b: v128): v128 {
  switch (op) {
    case B_ADD: return f32x4.add(a, b);
    case B_SUB: return f32x4.sub(a, b);
    case B_MUL: return f32x4.mul(a, b);
    case B_DIV: return f32x4.div(a, b);
    // Reference semantics: a >= b || isNaN(a) ? a : b.
    case B_MAX: return v128.bitselect(a, b, v128.or(f32x4.ge(a, b), f32x4.ne(a, a)));
    default: return v128.bitselect(a, b, v128.or(f32x4.le(a, b), f32x4.ne(a, a)));
  }
}

@inline function binaryS(op: i32, a: f32, b: f32): f32 {
  switch (op) {
    case B_ADD: return a + b;
    case B_SUB: return a - b;
    case B_MUL: return a * b;
    case B_DIV: return a / b;
    case B_MAX: return a >= b || a != a ? a : b;
    default: return a <= b || a != a ? a : b;
  }
}

/**
 * out[r, c] = a op b over [rows, cols]; each operand's kind says how it is indexed:
 * 0 full [rows, cols], 1 scalar, 2 row vector [cols] (broadcast down the rows), 3 column [rows].
 */
@inline function binaryLoop(op: i32, a: usize, ak: i32, b: usize, bk: i32, out: usize, rows: i32, cols: i32): void {
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols * 4;
    const ar = ak == 0 ? a + base : ak == 2 ? a : a + (ak == 3 ? <usize>r * 4 : 0);
    const br = bk == 0 ? b + base : bk == 2 ? b : b + (bk == 3 ? <usize>r * 4 : 0);
    const aStep: usize = ak == 0 || ak == 2 ? 4 : 0;
    const bStep: usize = bk == 0 || bk == 2 ? 4 : 0;
    const as = v128.load32_splat(ar);
    const bs = v128.load32_splat(br);
    const or = out + base;
    let c = 0;
    for (; c < cols4; c += 4) {
      const av = aStep ? v128.load(ar + <usize>c * 4) : as;
      const bv = bStep ? v128.load(br + <usize>c * 4) : bs;
      v128.store(or + <usize>c * 4, binaryV(op, av, bv));
    }
    for (; c < cols; c++) {
      store<f32>(or + <usize>c * 4, binaryS(op, load<f32>(ar + <usize>c * aStep), load<f32>(br + <usize>c * bStep)));
    }
  }
}

export function binary(op: i32, a: usize, ak: i32, b: usize, bk: i32, out: usize, rows: i32, cols: i32): void {
  switch (op) {
    case B_ADD: binaryLoop(B_ADD, a, ak, b, bk, out, rows, cols); break;
    case B_SUB: binaryLoop(B_SUB, a, ak, b, bk, out, rows, cols); break;
    case B_MUL: binaryLoop(B_MUL, a, ak, b, bk, out, rows, cols); break;
    case B_DIV: binaryLoop(B_DIV, a, ak, b, bk, out, rows, cols); break;
    case B_MAX: binaryLoop(B_MAX, a, ak, b, bk, out, rows, cols); break;
    default: binaryLoop(B_MIN, a, ak, b, bk, out, rows, cols); break;
  }
}

/**
 * Sum of x viewed as [outer, reduced, inner] over the middle axis, accumulated in f64 in the
 * reference's order (so results match it); acc is scratch for inner f64s.
 */
export function reduceSum(x: usize, out: usize, outer: i32, reduced: i32, inner: i32, acc: usize): void {
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const xr = x + <usize>o * <usize>reduced * 4;
      let s: f64 = 0;
      for (let r = 0; r < reduced; r++) s += <f64>load<f32>(xr + <usize>r * 4);
      store<f32>(out + <usize>o * 4, <f32>s);
    }
    return;
  }
  const inner4 = inner & ~3;
  for (let o = 0; o < outer; o++) {
    memory.fill(acc, 0, <usize>inner * 8);
    for (let r = 0; r < reduced; r++) {
      const xr = x + (<usize>o * <usize>reduced + <usize>r) * <usize>inner * 4;
      let i = 0;
      for (; i < inner4; i += 4) {
        const v = v128.load(xr + <usize>i * 4);
        const ap = acc + <usize>i * 8;
        v128.store(ap, f64x2.add(v128.load(ap), f64x2.promote_low_f32x4(v)));
        v128.store(ap, f64x2.add(v128.load(ap, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
      }
      for (; i < inner; i++) {
        const ap = acc + <usize>i * 8;
        store<f64>(ap, load<f64>(ap) + <f64>load<f32>(xr + <usize>i * 4));
      }
    }
    const or = out + <usize>o * <usize>inner * 4;
    for (let i = 0; i < inner; i++) store<f32>(or + <usize>i * 4, <f32>load<f64>(acc + <usize>i * 8));
  }
}
