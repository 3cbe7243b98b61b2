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
/** Rows per cache block of packed A (a multiple of MR): 128 x 256 floats = 128 KB, within L2. */
const MC: i32 = 128;

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
  // Scratch rows are indexed from the thread's first row, i0.
  const s = scratch - <usize>i0 * 32;
  for (let kb = 0; kb < k; kb += KC) {
    const kc = min(KC, k - kb);
    const accum = kb > 0;
    const ak = a + <usize>kb * <usize>csA;
    // Blocks of MC rows: a block's packed A (MC x kc floats) stays in L2 while every panel of B passes it.
    for (let r0 = i0; r0 < i1; r0 += MC) {
      const r1 = min(i1, r0 + MC);
      const rfull = min(r1, full);
      const ap = apack + <usize>(r0 - i0) * <usize>kc * 4;
      for (let i = r0; i < rfull; i += MR) packA(ak + <usize>i * <usize>rsA, rsA, csA, kc, apack + <usize>(i - i0) * <usize>kc * 4);
      for (let p = p0; p < p1; p++) {
        const j = p * 8;
        const nc = min(8, n - j);
        const bp = b + <usize>p * <usize>panelStride + <usize>kb * <usize>ldb;
        if (nc == 8) {
          panelRows(ap, ak, rsA, csA, bp, ldb, kc, c + <usize>j * 4, ldc, r0, rfull, r1, accum);
        } else {
          // Partial panel: run full-width tiles into scratch, copy back the nc valid columns.
          if (accum) {
            for (let i = r0; i < r1; i++) memory.copy(s + <usize>i * 32, c + <usize>i * ldc + <usize>j * 4, <usize>nc * 4);
          }
          panelRows(ap, ak, rsA, csA, bp, ldb, kc, s, 32, r0, rfull, r1, accum);
          for (let i = r0; i < r1; i++) memory.copy(c + <usize>i * ldc + <usize>j * 4, s + <usize>i * 32, <usize>nc * 4);
        }
      }
    }
  }
}

// Parameter block of gemmChunks (i32 fields), written by the JS side (wasm/index.ts).
const GC_GEN = 0, GC_NEXT = 1, GC_DONE = 2, GC_CHUNKS = 3, GC_GRAIN = 4, GC_M = 5, GC_A = 6, GC_RSA = 7, GC_CSA = 8,
  GC_B = 9, GC_LDB = 10, GC_PANEL = 11, GC_C = 12, GC_N = 13, GC_K = 14, GC_PANELS = 15, GC_SCRATCH = 16, GC_APACK = 17;

@inline function field(prm: usize, i: i32): i32 {
  return load<i32>(prm + <usize>i * 4);
}

/** Takes the next unclaimed index at ptr (atomically where threads share the memory). */
@inline function claim(ptr: usize): i32 {
  if (ASC_FEATURE_THREADS) return atomic.add<i32>(ptr, 1);
  const v = load<i32>(ptr);
  store<i32>(ptr, v + 1);
  return v;
}

/**
 * A GEMM split into row chunks that every thread calling this takes from one shared counter until none
 * are left, so a thread that is slow to start (the machine busy with other work) leaves its share to the
 * others instead of holding them up. `gen` must match the block's generation, so a thread that wakes up
 * after its GEMM is finished (and the block reused) does nothing. Counts finished chunks at GC_DONE.
 */
export function gemmChunks(prm: usize, gen: i32): void {
  const current = ASC_FEATURE_THREADS ? atomic.load<i32>(prm + <usize>GC_GEN * 4) : field(prm, GC_GEN);
  if (current != gen) return;
  const chunks = field(prm, GC_CHUNKS), grain = field(prm, GC_GRAIN), m = field(prm, GC_M);
  const k = field(prm, GC_K);
  const kc = min(k, KC);
  for (;;) {
    const j = claim(prm + <usize>GC_NEXT * 4);
    if (j >= chunks) return;
    const i0 = j * grain;
    const i1 = min(m, i0 + grain);
    gemm(
      <usize>field(prm, GC_A), field(prm, GC_RSA), field(prm, GC_CSA), <usize>field(prm, GC_B), field(prm, GC_LDB), field(prm, GC_PANEL),
      <usize>field(prm, GC_C), field(prm, GC_N), k, i0, i1, 0, field(prm, GC_PANELS),
      <usize>field(prm, GC_SCRATCH) + <usize>i0 * 32, <usize>field(prm, GC_APACK) + <usize>i0 * <usize>kc * 4,
    );
    claim(prm + <usize>GC_DONE * 4);
  }
}

/**
 * Packs B stored [k, n] (row-major) into ceil(n/8) contiguous panels of k x 8, zero padded: a panel then
 * streams through L1 in 32-byte steps instead of touching a cache line per row. Pays when many rows of A
 * pass each panel (large m).
 */
export function packB(b: usize, n: i32, k: i32, dst: usize): void {
  const panels = (n + 7) >> 3;
  const ldb = <usize>n * 4;
  for (let p = 0; p < panels; p++) {
    const d = dst + <usize>p * <usize>k * 32;
    const j = p * 8;
    const src = b + <usize>j * 4;
    if (j + 8 <= n) {
      for (let q = 0; q < k; q++) {
        const row = src + <usize>q * ldb;
        v128.store(d + <usize>q * 32, v128.load(row));
        v128.store(d + <usize>q * 32, v128.load(row, 16), 16);
      }
    } else {
      const nc = n - j;
      for (let q = 0; q < k; q++) {
        const row = src + <usize>q * ldb;
        const out = d + <usize>q * 32;
        for (let l = 0; l < 8; l++) store<f32>(out + <usize>l * 4, l < nc ? load<f32>(row + <usize>l * 4) : 0);
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

/**
 * out = dy * act'(z) read off y = act(z) over n floats (out may alias dy): act 0 linear (copy),
 * 1 relu [y > 0], 2 sigmoid y (1 - y), 3 tanh 1 - y^2.
 */
export function activationGrad(act: i32, y: usize, dy: usize, out: usize, n: i32): void {
  const zero = f32x4.splat(0), one = f32x4.splat(1);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i * 4;
    const yv = v128.load(y + o);
    const d = v128.load(dy + o);
    let r = d;
    if (act == 1) r = v128.and(d, f32x4.gt(yv, zero));
    else if (act == 2) r = f32x4.mul(d, f32x4.mul(yv, f32x4.sub(one, yv)));
    else if (act == 3) r = f32x4.mul(d, f32x4.sub(one, f32x4.mul(yv, yv)));
    v128.store(out + o, r);
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const yv = load<f32>(y + o);
    const d = load<f32>(dy + o);
    let r = d;
    if (act == 1) r = yv > 0 ? d : 0;
    else if (act == 2) r = d * yv * (1 - yv);
    else if (act == 3) r = d * (1 - yv * yv);
    store<f32>(out + o, r);
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

/** Row-wise softmax of [rows, cols], shifted by the row max; the exp sum is accumulated in f64. */
export function softmax(x: usize, out: usize, rows: i32, cols: i32): void {
  for (let r = 0; r < rows; r++) {
    const xr = x + <usize>r * <usize>cols * 4;
    const or = out + <usize>r * <usize>cols * 4;
    let mx: f32 = -Infinity;
    for (let c = 0; c < cols; c++) mx = max(mx, load<f32>(xr + <usize>c * 4));
    let sum: f64 = 0;
    for (let c = 0; c < cols; c++) {
      const e = Mathf.exp(load<f32>(xr + <usize>c * 4) - mx);
      store<f32>(or + <usize>c * 4, e);
      sum += <f64>e;
    }
    const inv = <f32>(1 / sum);
    for (let c = 0; c < cols; c++) store<f32>(or + <usize>c * 4, load<f32>(or + <usize>c * 4) * inv);
  }
}

/**
 * In place RMSprop on n floats: rms = rho rms + (1 - rho) g^2, step = lr g / (sqrt(rms) + eps); with
 * momentum (mom != 0) mom = momentum mom + step, p -= mom; else p -= step.
 */
export function rmsprop(p: usize, g: usize, rms: usize, mom: usize, n: i32, lr: f32, rho: f32, momentum: f32, eps: f32): void {
  const vrho = f32x4.splat(rho), vrho1 = f32x4.splat(1 - rho), vlr = f32x4.splat(lr), veps = f32x4.splat(eps), vmom = f32x4.splat(momentum);
  const n4 = n & ~3;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i * 4;
    const gv = v128.load(g + o);
    const r = f32x4.add(f32x4.mul(vrho, v128.load(rms + o)), f32x4.mul(vrho1, f32x4.mul(gv, gv)));
    v128.store(rms + o, r);
    const step = f32x4.div(f32x4.mul(vlr, gv), f32x4.add(f32x4.sqrt(r), veps));
    if (momentum != 0) {
      const mv = f32x4.add(f32x4.mul(vmom, v128.load(mom + o)), step);
      v128.store(mom + o, mv);
      v128.store(p + o, f32x4.sub(v128.load(p + o), mv));
    } else {
      v128.store(p + o, f32x4.sub(v128.load(p + o), step));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    const gv = load<f32>(g + o);
    const r = rho * load<f32>(rms + o) + (1 - rho) * gv * gv;
    store<f32>(rms + o, r);
    const step = (lr * gv) / (Mathf.sqrt(r) + eps);
    if (momentum != 0) {
      const mv = momentum * load<f32>(mom + o) + step;
      store<f32>(mom + o, mv);
      store<f32>(p + o, load<f32>(p + o) - mv);
    } else {
      store<f32>(p + o, load<f32>(p + o) - step);
    }
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

// ---------------------------------------------------------------------------------------------
// Batch normalisation: per-channel sums over x viewed as [rows, cols] (f64 accumulators, like the
// reference), and the per-channel affine maps the forward and backward passes reduce to.
// ---------------------------------------------------------------------------------------------

@inline function addPromoted(ap: usize, v: v128): void {
  v128.store(ap, f64x2.add(v128.load(ap), f64x2.promote_low_f32x4(v)));
  v128.store(ap, f64x2.add(v128.load(ap, 16), f64x2.promote_low_f32x4(v128.shuffle<f32>(v, v, 2, 3, 0, 1))), 16);
}

/** Rows summed in f32 before a block's sums join the f64 totals: fast, and float32-accurate per block. */
const SUM_BLOCK: i32 = 32;

/**
 * Per-column sums into acc (f64, zeroed here): kind 0 sum x; kind 1 sum (x - mean)^2;
 * kind 2 sum dy into acc[0, cols) and sum dy (x - mean) into acc[cols, 2 cols).
 * Four columns at a time, over blocks of SUM_BLOCK rows in f32 registers.
 */
export function channelSums(kind: i32, x: usize, dy: usize, mean: usize, rows: i32, cols: i32, acc: usize): void {
  memory.fill(acc, 0, <usize>cols * (kind == 2 ? 16 : 8));
  const cols4 = cols & ~3;
  const acc2 = acc + <usize>cols * 8;
  const stride = <usize>cols * 4;
  for (let r0 = 0; r0 < rows; r0 += SUM_BLOCK) {
    const r1 = min(rows, r0 + SUM_BLOCK);
    let c = 0;
    for (; c < cols4; c += 4) {
      const o = <usize>c * 4;
      const m = kind == 0 ? f32x4.splat(0) : v128.load(mean + o);
      let s1 = f32x4.splat(0), s2 = f32x4.splat(0);
      let xp = x + <usize>r0 * stride + o;
      let dp = dy + <usize>r0 * stride + o;
      for (let r = r0; r < r1; r++) {
        const v = f32x4.sub(v128.load(xp), m);
        if (kind == 0) s1 = f32x4.add(s1, v);
        else if (kind == 1) s1 = f32x4.add(s1, f32x4.mul(v, v));
        else {
          const g = v128.load(dp);
          s1 = f32x4.add(s1, g);
          s2 = f32x4.add(s2, f32x4.mul(g, v));
        }
        xp += stride;
        dp += stride;
      }
      addPromoted(acc + <usize>c * 8, s1);
      if (kind == 2) addPromoted(acc2 + <usize>c * 8, s2);
    }
    for (; c < cols; c++) {
      const o = <usize>c * 4;
      const m: f32 = kind == 0 ? 0 : load<f32>(mean + o);
      let s1: f64 = 0, s2: f64 = 0;
      for (let r = r0; r < r1; r++) {
        const v = load<f32>(x + <usize>r * stride + o) - m;
        if (kind == 0) s1 += <f64>v;
        else if (kind == 1) s1 += <f64>(v * v);
        else {
          const g = load<f32>(dy + <usize>r * stride + o);
          s1 += <f64>g;
          s2 += <f64>(g * v);
        }
      }
      store<f64>(acc + <usize>c * 8, load<f64>(acc + <usize>c * 8) + s1);
      if (kind == 2) store<f64>(acc2 + <usize>c * 8, load<f64>(acc2 + <usize>c * 8) + s2);
    }
  }
}

/** out = dy * a + x * b + c per column (dy 0: no dy term); a, b, c hold one value per column. */
export function channelAffine(x: usize, dy: usize, a: usize, b: usize, c: usize, out: usize, rows: i32, cols: i32): void {
  const cols4 = cols & ~3;
  for (let r = 0; r < rows; r++) {
    const base = <usize>r * <usize>cols * 4;
    let j = 0;
    for (; j < cols4; j += 4) {
      const o = <usize>j * 4;
      let v = f32x4.add(f32x4.mul(v128.load(x + base + o), v128.load(b + o)), v128.load(c + o));
      if (dy) v = f32x4.add(v, f32x4.mul(v128.load(dy + base + o), v128.load(a + o)));
      v128.store(out + base + o, v);
    }
    for (; j < cols; j++) {
      const o = <usize>j * 4;
      let v = load<f32>(x + base + o) * load<f32>(b + o) + load<f32>(c + o);
      if (dy) v += load<f32>(dy + base + o) * load<f32>(a + o);
      store<f32>(out + base + o, v);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Convolution and pooling over channels-last tensors (see src/backend/js/conv.ts for the math).
// Each kernel reads its geometry from a parameter block of i32s at `prm` (layout P_* below, written
// by wasm/conv.ts) and handles the output pixels [p0, p1) (pixel = (b, oy, ox) in row-major order),
// so threads split work by passing disjoint pixel ranges.
//
// The conv kernels are GEMMs over implicit im2col rows: the input is (a zero-padded copy) laid
// out so every window lies inside it, and window element i = (ky, kx, ic) of pixel p sits at
// origin(p) + off(i). For a fixed ky (and kx when dilationW > 1) consecutive i are consecutive
// floats: a "run". No im2col matrix is written.
// ---------------------------------------------------------------------------------------------

const P_BATCH = 0, P_IN_H = 1, P_IN_W = 2, P_IN_C = 3, P_OUT_H = 4, P_OUT_W = 5, P_OUT_C = 6;
const P_K_H = 7, P_K_W = 8, P_STRIDE_H = 9, P_STRIDE_W = 10, P_DIL_H = 11, P_DIL_W = 12;
const P_PAD_TOP = 13, P_PAD_LEFT = 14, P_X = 15, P_W = 16, P_OUT = 17, P_DY = 18;

@inline function prmAt(prm: usize, i: i32): i32 {
  return load<i32>(prm + <usize>i * 4);
}

/** Pixels a conv kernel handles per block, so the block's rows stay in L1 across output panels. */
const CONV_BLOCK: i32 = 32;
/** Pixels per block of the filter gradient (its dy rows, <= 128 x outC floats, stay in L1). */
const FILTER_BLOCK: i32 = 128;
/** Pixels per block of convDotForward (a multiple of its 6-pixel tiles). */
const DOT_BLOCK: i32 = 30;

/** Stores the first n (1..4) lanes of v at p. */
@inline function storeLanes(p: usize, v: v128, n: i32): void {
  if (n >= 4) {
    v128.store(p, v);
  } else if (n >= 2) {
    v128.store64_lane(p, v, 0);
    if (n == 3) v128.store32_lane(p, v, 2, 8);
  } else if (n == 1) {
    v128.store32_lane(p, v, 0);
  }
}

/** Stores the first n (1..8) of the 8 floats v0:v1 at p. */
@inline function store8(p: usize, v0: v128, v1: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, v0);
    v128.store(p, v1, 16);
  } else {
    storeLanes(p, v0, n);
    if (n > 4) storeLanes(p + 16, v1, n - 4);
  }
}

/** Adds the 8 floats v0:v1 to the first n (1..8) floats at p. */
@inline function add8(p: usize, v0: v128, v1: v128, n: i32): void {
  if (n >= 8) {
    v128.store(p, f32x4.add(v128.load(p), v0));
    v128.store(p, f32x4.add(v128.load(p, 16), v1), 16);
  } else {
    storeLanes(p, f32x4.add(v128.load(p), v0), n);
    if (n > 4) storeLanes(p + 16, f32x4.add(v128.load(p, 16), v1), n - 4);
  }
}

/** Byte offset of pixel p's window origin in the (padded) input. */
@inline function convOrigin(p: i32, outH: i32, outW: i32, sH: i32, sW: i32, rowB: usize, imgB: usize, pixB: usize): usize {
  const img = p / (outH * outW);
  const rem = p - img * outH * outW;
  const oy = rem / outW;
  const ox = rem - oy * outW;
  return <usize>img * imgB + <usize>(oy * sH) * rowB + <usize>(ox * sW) * pixB;
}

/**
 * dst[b, y, x, :] = src[b, y + offY, x + offX, :] where that lies inside src, else 0: pads an
 * input (negative offsets) or crops a padded gradient (positive offsets).
 */
export function copyWindow(src: usize, srcH: i32, srcW: i32, dst: usize, dstH: i32, dstW: i32, ch: i32, offY: i32, offX: i32, batch: i32): void {
  const pixB = <usize>ch * 4;
  const rowSrc = <usize>srcW * pixB, rowDst = <usize>dstW * pixB;
  const x0 = min(max(-offX, 0), dstW);
  const x1 = max(min(srcW - offX, dstW), x0);
  for (let b = 0; b < batch; b++) {
    for (let y = 0; y < dstH; y++) {
      const d = dst + (<usize>b * <usize>dstH + <usize>y) * rowDst;
      const sy = y + offY;
      if (sy < 0 || sy >= srcH || x0 == x1) {
        memory.fill(d, 0, rowDst);
        continue;
      }
      memory.fill(d, 0, <usize>x0 * pixB);
      memory.copy(d + <usize>x0 * pixB, src + (<usize>b * <usize>srcH + <usize>sy) * rowSrc + <usize>(x0 + offX) * pixB, <usize>(x1 - x0) * pixB);
      memory.fill(d + <usize>x1 * pixB, 0, <usize>(dstW - x1) * pixB);
    }
  }
}

/** Byte offset, relative to a window origin, of window element i = (ky, kx, ic). */
@inline function windowOffset(i: i32, kW: i32, inC: i32, dH: i32, dW: i32, rowB: usize, pixB: usize): usize {
  const tap = i / inC;
  const ic = i - tap * inC;
  const ky = tap / kW;
  const kx = tap - ky * kW;
  return <usize>(ky * dH) * rowB + <usize>(kx * dW) * pixB + <usize>ic * 4;
}

/** Fills table[0, n) with the window origins (absolute byte addresses) of pixels t0.., then repeats the last up to a multiple of 4. */
function originTable(table: usize, x: usize, t0: i32, n: i32, outH: i32, outW: i32, sH: i32, sW: i32, rowB: usize, imgB: usize, pixB: usize): void {
  // Divide once, then step along the output row (divisions would cost more than conv1's work per pixel).
  const img = t0 / (outH * outW), rem = t0 - img * outH * outW;
  let oy = rem / outW, ox = rem - oy * outW;
  let row = x + <usize>img * imgB + <usize>(oy * sH) * rowB;
  const step = <usize>sW * pixB;
  let at = row + <usize>ox * step;
  for (let q = 0; q < n; q++) {
    store<i32>(table + <usize>q * 4, <i32>at);
    at += step;
    if (++ox == outW) {
      ox = 0;
      // The next output row starts sH input rows down; after the last row, the next image.
      row += ++oy == outH ? imgB - <usize>((outH - 1) * sH) * rowB : <usize>sH * rowB;
      if (oy == outH) oy = 0;
      at = row;
    }
  }
  const last = load<i32>(table + <usize>(n - 1) * 4);
  for (let q = n; q < ((n + 3) & ~3); q++) store<i32>(table + <usize>q * 4, last);
}

/**
 * conv2d forward, output pixels [p0, p1): out[p, j] = sum_i x[origin(p) + off(i)] * w[i, j].
 * x is padded (P_PAD_* are 0): every window lies inside it. Tiles of 4 pixels x 8 output channels;
 * `table` is scratch for CONV_BLOCK + 4 i32s.
 */
export function convForward(prm: usize, p0: i32, p1: i32, table: usize): void {
  const inW = prmAt(prm, P_IN_W), inC = prmAt(prm, P_IN_C), inH = prmAt(prm, P_IN_H);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W), outC = prmAt(prm, P_OUT_C);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const x = <usize>prmAt(prm, P_X), w = <usize>prmAt(prm, P_W), out = <usize>prmAt(prm, P_OUT);
  const pixB = <usize>inC * 4, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  const ldb = <usize>outC * 4;
  const K = kH * kW * inC;
  const offs = table + (CONV_BLOCK + 4) * 4, offEnd = offs + <usize>K * 4;
  for (let i = 0; i < K; i++) store<i32>(offs + <usize>i * 4, <i32>windowOffset(i, kW, inC, dH, dW, rowB, pixB));
  for (let t0 = p0; t0 < p1; t0 += CONV_BLOCK) {
    const n = min(CONV_BLOCK, p1 - t0);
    // Rows past the block's end repeat its last pixel; they are computed but not stored.
    originTable(table, x, t0, n, outH, outW, sH, sW, rowB, imgB, pixB);
    for (let j = 0; j < outC; j += 8) {
      const nc = min(8, outC - j);
      for (let q = 0; q < n; q += 4) {
        const rows = min(4, n - q);
        const tq = table + <usize>q * 4;
        const a0 = <usize>load<i32>(tq), a1 = <usize>load<i32>(tq, 4), a2 = <usize>load<i32>(tq, 8), a3 = <usize>load<i32>(tq, 12);
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let bp = w + <usize>j * 4;
        let op = offs;
        do {
          const o = <usize>load<i32>(op);
          const b0 = v128.load(bp);
          const b1 = v128.load(bp, 16);
          let av = v128.load32_splat(a0 + o);
          c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
          av = v128.load32_splat(a1 + o);
          c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
          av = v128.load32_splat(a2 + o);
          c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
          av = v128.load32_splat(a3 + o);
          c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
          op += 4;
          bp += ldb;
        } while (op < offEnd);
        const c = out + <usize>(t0 + q) * ldb + <usize>j * 4;
        store8(c, c00, c01, nc);
        if (rows > 1) store8(c + ldb, c10, c11, nc);
        if (rows > 2) store8(c + 2 * ldb, c20, c21, nc);
        if (rows > 3) store8(c + 3 * ldb, c30, c31, nc);
      }
    }
  }
}

@inline function hsum(v: v128): f32 {
  const t = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(f32x4.add(t, v128.shuffle<f32>(t, t, 1, 0, 3, 2)), 0);
}

/**
 * convForward for few output channels: out[p, j] = sum_i x[origin(p) + off(i)] * wt[j, i], with
 * wt [outC, K] (the filter transposed). Vectorised along runs instead of output channels, so a
 * single output channel still fills every lane; run lengths must be multiples of 4. Used for the
 * input gradient of convs with few input channels (conv1 of an image CNN). Tiles of 6 pixels x
 * 1 channel; `table`: DOT_BLOCK + 6 i32s.
 */
export function convDotForward(prm: usize, p0: i32, p1: i32, wt: usize, table: usize): void {
  const inW = prmAt(prm, P_IN_W), inC = prmAt(prm, P_IN_C), inH = prmAt(prm, P_IN_H);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W), outC = prmAt(prm, P_OUT_C);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const x = <usize>prmAt(prm, P_X), out = <usize>prmAt(prm, P_OUT);
  const pixB = <usize>inC * 4, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  const K = kH * kW * inC;
  const runsPerRow = dW == 1 ? 1 : kW;
  const runB = dW == 1 ? <usize>(kW * inC) * 4 : pixB;
  const runStep = <usize>dW * pixB, rowStep = <usize>dH * rowB;
  const ldo = <usize>outC * 4;
  for (let t0 = p0; t0 < p1; t0 += DOT_BLOCK) {
    const n = min(DOT_BLOCK, p1 - t0);
    originTable(table, x, t0, n, outH, outW, sH, sW, rowB, imgB, pixB);
    const last = load<i32>(table + <usize>(n - 1) * 4);
    for (let q = n; q < n + 6; q++) store<i32>(table + <usize>q * 4, last);
    for (let q = 0; q < n; q += 6) {
      const rows = min(6, n - q);
      const tq = table + <usize>q * 4;
      const a0 = <usize>load<i32>(tq), a1 = <usize>load<i32>(tq, 4), a2 = <usize>load<i32>(tq, 8);
      const a3 = <usize>load<i32>(tq, 12), a4 = <usize>load<i32>(tq, 16), a5 = <usize>load<i32>(tq, 20);
      const o = out + <usize>(t0 + q) * ldo;
      for (let j = 0; j < outC; j++) {
        let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
        let s3 = f32x4.splat(0), s4 = f32x4.splat(0), s5 = f32x4.splat(0);
        let wp = wt + <usize>j * <usize>K * 4;
        for (let ky = 0; ky < kH; ky++) {
          for (let r = 0; r < runsPerRow; r++) {
            let f = <usize>ky * rowStep + <usize>r * runStep;
            const end = f + runB;
            do {
              const w0 = v128.load(wp);
              s0 = madd(v128.load(a0 + f), w0, s0);
              s1 = madd(v128.load(a1 + f), w0, s1);
              s2 = madd(v128.load(a2 + f), w0, s2);
              s3 = madd(v128.load(a3 + f), w0, s3);
              s4 = madd(v128.load(a4 + f), w0, s4);
              s5 = madd(v128.load(a5 + f), w0, s5);
              f += 16;
              wp += 16;
            } while (f < end);
          }
        }
        const oj = o + <usize>j * 4;
        store<f32>(oj, hsum(s0));
        if (rows > 1) store<f32>(oj + ldo, hsum(s1));
        if (rows > 2) store<f32>(oj + 2 * ldo, hsum(s2));
        if (rows > 3) store<f32>(oj + 3 * ldo, hsum(s3));
        if (rows > 4) store<f32>(oj + 4 * ldo, hsum(s4));
        if (rows > 5) store<f32>(oj + 5 * ldo, hsum(s5));
      }
    }
  }
}

/**
 * Prepares convBackpropInput's chunks of window elements, 8 at a time. Run chunks (spanning 0)
 * split each run into 8-float pieces, scattered with vector adds; spanning chunks take elements
 * 8c .. 8c+7 in K order across runs (better for short runs such as conv1's 3), scattered lane by
 * lane through the offset table `offs` (K i32s). For chunk c: desc[4c ..] = (byte offset from the
 * window origin, or the address of its offsets; elements; 1 if through offsets), and at wt, outC
 * rows of 8 floats w[i, j] for its elements i (zero for missing ones).
 */
export function packConvChunks(prm: usize, wt: usize, desc: usize, offs: usize, spanning: bool): void {
  const inW = prmAt(prm, P_IN_W), inC = prmAt(prm, P_IN_C), outC = prmAt(prm, P_OUT_C), kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const w = <usize>prmAt(prm, P_W);
  const pixB = <usize>inC * 4, rowB = <usize>inW * pixB;
  const K = kH * kW * inC;
  const runLen = dW == 1 ? kW * inC : inC;
  let d = wt, dp = desc;
  for (let i0 = 0; i0 < K; i0 += spanning ? 8 : 0) {
    // Elements i0 .. i0 + n - 1 form this chunk.
    let n = min(8, K - i0);
    if (spanning) {
      for (let l = 0; l < n; l++) store<i32>(offs + <usize>(i0 + l) * 4, <i32>windowOffset(i0 + l, kW, inC, dH, dW, rowB, pixB));
      store<i32>(dp, <i32>(offs + <usize>i0 * 4));
    } else {
      n = min(n, runLen - i0 % runLen);
      store<i32>(dp, <i32>windowOffset(i0, kW, inC, dH, dW, rowB, pixB));
    }
    store<i32>(dp, n, 4);
    store<i32>(dp, spanning ? 1 : 0, 8);
    dp += 16;
    for (let j = 0; j < outC; j++) {
      for (let l = 0; l < 8; l++) store<f32>(d + <usize>l * 4, l < n ? load<f32>(w + (<usize>(i0 + l) * <usize>outC + <usize>j) * 4) : 0);
      d += 32;
    }
    if (!spanning) i0 += n;
  }
}

@inline function addAt(p: usize, v: f32): void {
  store<f32>(p, load<f32>(p) + v);
}

/** Adds lane l of v0:v1 (l < n <= 8) to the float at o + offs[l]. */
function scatter8(o: usize, offs: usize, v0: v128, v1: v128, n: i32): void {
  addAt(o + <usize>load<i32>(offs), f32x4.extract_lane(v0, 0));
  if (n > 1) addAt(o + <usize>load<i32>(offs, 4), f32x4.extract_lane(v0, 1));
  if (n > 2) addAt(o + <usize>load<i32>(offs, 8), f32x4.extract_lane(v0, 2));
  if (n > 3) addAt(o + <usize>load<i32>(offs, 12), f32x4.extract_lane(v0, 3));
  if (n > 4) addAt(o + <usize>load<i32>(offs, 16), f32x4.extract_lane(v1, 0));
  if (n > 5) addAt(o + <usize>load<i32>(offs, 20), f32x4.extract_lane(v1, 1));
  if (n > 6) addAt(o + <usize>load<i32>(offs, 24), f32x4.extract_lane(v1, 2));
  if (n > 7) addAt(o + <usize>load<i32>(offs, 28), f32x4.extract_lane(v1, 3));
}

/**
 * conv2d input gradient for output pixels [p0, p1), which must cover whole images: zeroes those
 * images of dx (padded like convForward's x), then adds dy[p, :] @ w^T to each pixel's window.
 * `wt` and `desc` (`chunks` chunks) are packConvChunks' output; `table` is scratch for
 * CONV_BLOCK + 4 i32s. Tiles: 4 pixels x one chunk.
 */
export function convBackpropInput(prm: usize, p0: i32, p1: i32, wt: usize, desc: usize, chunks: i32, table: usize): void {
  const inW = prmAt(prm, P_IN_W), inC = prmAt(prm, P_IN_C), inH = prmAt(prm, P_IN_H);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W), outC = prmAt(prm, P_OUT_C);
  const sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dx = <usize>prmAt(prm, P_OUT), dy = <usize>prmAt(prm, P_DY);
  const pixB = <usize>inC * 4, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  const pix = outH * outW;
  if (p1 <= p0) return;
  memory.fill(dx + <usize>(p0 / pix) * imgB, 0, <usize>((p1 - p0) / pix) * imgB);
  const ldy = <usize>outC * 4;
  const chunkB = <usize>outC * 32, descEnd = desc + <usize>chunks * 16;
  // Tiles start at multiples of 4, cut short only at p0 and p1 (image boundaries). Cutting a tile
  // between images keeps the order of the adds into every dx element, so the result does not
  // depend on how threads split the images.
  for (let p = p0, rows = 0, t0 = p0, t1 = p0; p < p1; p += rows) {
    if (p == t1) {
      // Next block of window origins; blocks end on multiples of 4, like tiles.
      t0 = p;
      t1 = min((p & ~3) + CONV_BLOCK, p1);
      originTable(table, dx, t0, t1 - t0, outH, outW, sH, sW, rowB, imgB, pixB);
    }
    rows = min((p & ~3) + 4, p1) - p;
    const d0 = dy + <usize>p * ldy;
    const d1 = dy + <usize>(p + min(1, rows - 1)) * ldy;
    const d2 = dy + <usize>(p + min(2, rows - 1)) * ldy;
    const d3 = dy + <usize>(p + min(3, rows - 1)) * ldy;
    const tq = table + <usize>(p - t0) * 4;
    const o0 = <usize>load<i32>(tq);
    const o1 = <usize>load<i32>(tq + <usize>min(1, rows - 1) * 4);
    const o2 = <usize>load<i32>(tq + <usize>min(2, rows - 1) * 4);
    const o3 = <usize>load<i32>(tq + <usize>min(3, rows - 1) * 4);
    let wp = wt;
    for (let dp = desc; dp < descEnd; dp += 16) {
      let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
      let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
      let o: usize = 0;
      const end = wp + chunkB;
      do {
        const b0 = v128.load(wp);
        const b1 = v128.load(wp, 16);
        let av = v128.load32_splat(d0 + o);
        c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
        av = v128.load32_splat(d1 + o);
        c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
        av = v128.load32_splat(d2 + o);
        c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
        av = v128.load32_splat(d3 + o);
        c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
        o += 4;
        wp += 32;
      } while (wp < end);
      const off = <usize>load<i32>(dp), n = load<i32>(dp, 4);
      // Row by row: windows of neighbouring pixels overlap, so each add sees the previous ones.
      if (load<i32>(dp, 8) == 0) {
        add8(o0 + off, c00, c01, n);
        if (rows > 1) add8(o1 + off, c10, c11, n);
        if (rows > 2) add8(o2 + off, c20, c21, n);
        if (rows > 3) add8(o3 + off, c30, c31, n);
      } else {
        scatter8(o0, off, c00, c01, n);
        if (rows > 1) scatter8(o1, off, c10, c11, n);
        if (rows > 2) scatter8(o2, off, c20, c21, n);
        if (rows > 3) scatter8(o3, off, c30, c31, n);
      }
    }
  }
}

/** dw row += sum over the block's pixels of x[origin + f] * dy[pixel, :] (one window element, every output channel). */
function filterRow(x: usize, table: usize, tEnd: usize, dyBlock: usize, f: usize, c: usize, outC: i32): void {
  const ldc = <usize>outC * 4;
  for (let j = 0; j < outC; j += 8) {
    const nc = min(8, outC - j);
    let c0 = v128.load(c + <usize>j * 4), c1 = v128.load(c + <usize>j * 4, 16);
    let tp = table;
    let bp = dyBlock + <usize>j * 4;
    do {
      const av = v128.load32_splat(<usize>load<i32>(tp) + f);
      c0 = madd(av, v128.load(bp), c0);
      c1 = madd(av, v128.load(bp, 16), c1);
      tp += 4;
      bp += ldc;
    } while (tp < tEnd);
    store8(c + <usize>j * 4, c0, c1, nc);
  }
}

/**
 * conv2d filter gradient over output pixels [p0, p1): dw[i, j] = sum_p x[origin(p) + off(i)] * dy[p, j],
 * written (not added) to `dw` [K, outC]. x padded as in convForward. `table` holds FILTER_BLOCK
 * i32s of scratch. Tiles: 4 window elements x 8 output channels, accumulated over pixel blocks.
 */
export function convBackpropFilter(prm: usize, p0: i32, p1: i32, dw: usize, table: usize): void {
  const inW = prmAt(prm, P_IN_W), inC = prmAt(prm, P_IN_C), inH = prmAt(prm, P_IN_H);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W), outC = prmAt(prm, P_OUT_C);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const x = <usize>prmAt(prm, P_X), dy = <usize>prmAt(prm, P_DY);
  const pixB = <usize>inC * 4, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  const K = kH * kW * inC;
  const ldc = <usize>outC * 4;
  memory.fill(dw, 0, <usize>K * ldc);
  for (let t0 = p0; t0 < p1; t0 += FILTER_BLOCK) {
    const n = min(FILTER_BLOCK, p1 - t0);
    originTable(table, x, t0, n, outH, outW, sH, sW, rowB, imgB, pixB);
    const tEnd = table + <usize>n * 4;
    const dyBlock = dy + <usize>t0 * ldc;
    // Tiles of 4 window elements; a remainder of 1 or 2 elements goes row by row (filterRow).
    const K4 = (K & 3) == 3 ? K : K & ~3;
    for (let i = K4; i < K; i++) filterRow(x, table, tEnd, dyBlock, windowOffset(i, kW, inC, dH, dW, rowB, pixB), dw + <usize>i * ldc, outC);
    for (let i = 0; i < K4; i += 4) {
      const rows = min(4, K4 - i);
      const f0 = windowOffset(i, kW, inC, dH, dW, rowB, pixB);
      const f1 = windowOffset(i + min(1, rows - 1), kW, inC, dH, dW, rowB, pixB);
      const f2 = windowOffset(i + min(2, rows - 1), kW, inC, dH, dW, rowB, pixB);
      const f3 = windowOffset(i + min(3, rows - 1), kW, inC, dH, dW, rowB, pixB);
      for (let j = 0; j < outC; j += 8) {
        const nc = min(8, outC - j);
        // Rows past K repeat the last row and lanes past outC read neighbours: never stored.
        const c = dw + <usize>i * ldc + <usize>j * 4;
        const cr1 = c + <usize>min(1, rows - 1) * ldc, cr2 = c + <usize>min(2, rows - 1) * ldc, cr3 = c + <usize>min(3, rows - 1) * ldc;
        let c00 = v128.load(c), c01 = v128.load(c, 16);
        let c10 = v128.load(cr1), c11 = v128.load(cr1, 16);
        let c20 = v128.load(cr2), c21 = v128.load(cr2, 16);
        let c30 = v128.load(cr3), c31 = v128.load(cr3, 16);
        let tp = table;
        let bp = dyBlock + <usize>j * 4;
        do {
          const xo = <usize>load<i32>(tp);
          const b0 = v128.load(bp);
          const b1 = v128.load(bp, 16);
          let av = v128.load32_splat(xo + f0);
          c00 = madd(av, b0, c00); c01 = madd(av, b1, c01);
          av = v128.load32_splat(xo + f1);
          c10 = madd(av, b0, c10); c11 = madd(av, b1, c11);
          av = v128.load32_splat(xo + f2);
          c20 = madd(av, b0, c20); c21 = madd(av, b1, c21);
          av = v128.load32_splat(xo + f3);
          c30 = madd(av, b0, c30); c31 = madd(av, b1, c31);
          tp += 4;
          bp += ldc;
        } while (tp < tEnd);
        store8(c, c00, c01, nc);
        if (rows > 1) store8(cr1, c10, c11, nc);
        if (rows > 2) store8(cr2, c20, c21, nc);
        if (rows > 3) store8(cr3, c30, c31, nc);
      }
    }
  }
}

/**
 * Filter gradients as partial sums over pixel slabs: slab s covers pixels [bounds[s], bounds[s+1])
 * and writes its partial dw at partials + s * outFloats floats. Runs slabs [s0, s1); `kind` 0 is
 * convBackpropFilter, 1 depthwiseBackpropFilter; `table` is their scratch.
 */
export function filterSlabs(kind: i32, prm: usize, bounds: usize, s0: i32, s1: i32, partials: usize, outFloats: i32, table: usize): void {
  for (let s = s0; s < s1; s++) {
    const p0 = load<i32>(bounds + <usize>s * 4), p1 = load<i32>(bounds + <usize>s * 4, 4);
    const part = partials + <usize>s * <usize>outFloats * 4;
    if (kind == 0) convBackpropFilter(prm, p0, p1, part, table);
    else depthwiseBackpropFilter(prm, p0, p1, part, table);
  }
}

/** dst[i] = sum over parts of src[part * n + i], parts summed in order (the filter gradient's slabs). */
export function sumParts(src: usize, parts: i32, n: i32, dst: usize): void {
  const n4 = n & ~3;
  const stride = <usize>n * 4;
  let i = 0;
  for (; i < n4; i += 4) {
    const o = <usize>i * 4;
    let s = v128.load(src + o);
    for (let p = 1; p < parts; p++) s = f32x4.add(s, v128.load(src + <usize>p * stride + o));
    v128.store(dst + o, s);
  }
  for (; i < n; i++) {
    const o = <usize>i * 4;
    let s = load<f32>(src + o);
    for (let p = 1; p < parts; p++) s += load<f32>(src + <usize>p * stride + o);
    store<f32>(dst + o, s);
  }
}

// ---------------------------------------------------------------------------------------------
// Depthwise conv and pooling: direct loops over the valid taps of each window (no padded copy),
// vectorised over the contiguous channel axis with a scalar tail for channel counts not a
// multiple of 4. Same parameter block; pooling uses inC = outC = channels and dilation 1.
// ---------------------------------------------------------------------------------------------

/** First tap k with o*s + k*d - pad >= 0 (inside the input). */
@inline function tapBegin(o: i32, s: i32, d: i32, pad: i32): i32 {
  const t = pad - o * s;
  return t <= 0 ? 0 : (t + d - 1) / d;
}

/** One past the last tap k < size with o*s + k*d - pad < inSize. */
@inline function tapEnd(o: i32, s: i32, d: i32, pad: i32, inSize: i32, size: i32): i32 {
  const t = inSize - 1 + pad - o * s;
  return t < 0 ? 0 : min(size, t / d + 1);
}

/** Input cell index (b, iy, ix) of tap (ky, kx) of the window at row y0, column x0 of image img. */
@inline function cellAt(img: i32, inH: i32, inW: i32, y0: i32, x0: i32, ky: i32, kx: i32, dH: i32, dW: i32): usize {
  return <usize>((img * inH + y0 + ky * dH) * inW + x0 + kx * dW);
}

// Pooling works on groups of 8 channels; in the last group of a pixel the lanes past the channel
// count read the next pixel (or the block's padding) and are never stored.

/**
 * The first maximum's index update for maxPoolGrad: v replaces best where v > best, or where v is
 * NaN and best is not (the reference's rule: NaN wins, the first NaN stays).
 */
@inline function maxWins(v: v128, best: v128): v128 {
  return v128.and(v128.or(f32x4.gt(v, best), f32x4.ne(v, v)), f32x4.eq(best, best));
}

/**
 * maxPool over output pixels [p0, p1): the maximum of each window, NaN if it holds one;
 * -Infinity for a window over padding only. (pmax keeps the first of equal values, as the
 * reference does with -0 and +0.)
 */
export function maxPool(prm: usize, p0: i32, p1: i32): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const padTop = prmAt(prm, P_PAD_TOP), padLeft = prmAt(prm, P_PAD_LEFT);
  const pixB = <usize>ch * 4, rowB = <usize>inW * pixB;
  const pix = outH * outW;
  const x = <usize>prmAt(prm, P_X), out = <usize>prmAt(prm, P_OUT);
  // (img, oy, ox) of pixel p, stepped rather than divided (divisions cost as much as a 2x2 window).
  let img = p0 / pix, oy = (p0 - img * pix) / outW, ox = p0 - img * pix - oy * outW;
  for (let p = p0; p < p1; p++, ox++) {
    if (ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        img++;
      }
    }
    const y0 = oy * sH - padTop, x0 = ox * sW - padLeft;
    const ky0 = tapBegin(oy, sH, 1, padTop), ky1 = tapEnd(oy, sH, 1, padTop, inH, kH);
    const kx0 = tapBegin(ox, sW, 1, padLeft), kx1 = tapEnd(ox, sW, 1, padLeft, inW, kW);
    // The window's input cells: rows [first, rowEnd) step rowB, each colB bytes wide.
    const first = cellAt(img, inH, inW, y0, x0, ky0, kx0, 1, 1) * pixB;
    const rowEnd = first + <usize>(ky1 - ky0) * rowB, colB = <usize>(kx1 - kx0) * pixB;
    const o = out + <usize>p * pixB;
    if (ky0 >= ky1 || kx0 >= kx1) {
      for (let c = 0; c < ch; c++) store<f32>(o + <usize>c * 4, -Infinity);
      continue;
    }
    for (let c = 0; c < ch; c += 8) {
      const co = <usize>c * 4;
      let b0 = v128.load(x + first + co), b1 = v128.load(x + first + co, 16);
      let n0 = f32x4.splat(0), n1 = f32x4.splat(0);
      for (let r = x + first + co, re = x + rowEnd + co; r < re; r += rowB) {
        for (let q = r, e = r + colB; q < e; q += pixB) {
          const v0 = v128.load(q), v1 = v128.load(q, 16);
          b0 = f32x4.pmax(b0, v0);
          b1 = f32x4.pmax(b1, v1);
          n0 = v128.or(n0, f32x4.ne(v0, v0));
          n1 = v128.or(n1, f32x4.ne(v1, v1));
        }
      }
      // A NaN anywhere in the window makes the maximum NaN (all bits set).
      store8(o + co, v128.or(b0, n0), v128.or(b1, n1), min(8, ch - c));
    }
  }
}

/**
 * maxPool gradient for output pixels [p0, p1), which must cover whole images: each dy goes to
 * the input cell maxPool took its window's maximum from; every other cell of those images is 0.
 * Windows that do not overlap (stride >= size) are written, not added, and when they also tile
 * the input nothing needs zeroing first.
 */
export function maxPoolGrad(prm: usize, p0: i32, p1: i32): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const padTop = prmAt(prm, P_PAD_TOP), padLeft = prmAt(prm, P_PAD_LEFT);
  const pixB = <usize>ch * 4, rowB = <usize>inW * pixB;
  const pix = outH * outW;
  const x = <usize>prmAt(prm, P_X), dx = <usize>prmAt(prm, P_OUT), dy = <usize>prmAt(prm, P_DY);
  const imgB = <usize>inH * rowB;
  if (p1 <= p0) return;
  const disjoint = sH >= kH && sW >= kW;
  const tiles = sH == kH && sW == kW && outH * sH - padTop >= inH && outW * sW - padLeft >= inW;
  if (!tiles) memory.fill(dx + <usize>(p0 / pix) * imgB, 0, <usize>((p1 - p0) / pix) * imgB);
  // (img, oy, ox) of pixel p, stepped rather than divided (divisions cost as much as a 2x2 window).
  let img = p0 / pix, oy = (p0 - img * pix) / outW, ox = p0 - img * pix - oy * outW;
  for (let p = p0; p < p1; p++, ox++) {
    if (ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        img++;
      }
    }
    const y0 = oy * sH - padTop, x0 = ox * sW - padLeft;
    const ky0 = tapBegin(oy, sH, 1, padTop), ky1 = tapEnd(oy, sH, 1, padTop, inH, kH);
    const kx0 = tapBegin(ox, sW, 1, padLeft), kx1 = tapEnd(ox, sW, 1, padLeft, inW, kW);
    // The window's input cells: rows [first, rowEnd) step rowB, each colB bytes wide.
    const first = cellAt(img, inH, inW, y0, x0, ky0, kx0, 1, 1) * pixB;
    const rowEnd = first + <usize>(ky1 - ky0) * rowB, colB = <usize>(kx1 - kx0) * pixB;
    if (ky0 >= ky1 || kx0 >= kx1) continue;
    const g = dy + <usize>p * pixB;
    for (let c = 0; c < ch; c += 8) {
      const co = <usize>c * 4, nc = min(8, ch - c);
      // Pass 1: the maximum (as maxPool); NaN lanes marked.
      let b0 = v128.load(x + first + co), b1 = v128.load(x + first + co, 16);
      let n0 = f32x4.splat(0), n1 = f32x4.splat(0);
      for (let r = first + co; r < rowEnd + co; r += rowB) {
        for (let q = r, e = r + colB; q < e; q += pixB) {
          const v0 = v128.load(x + q), v1 = v128.load(x + q, 16);
          b0 = f32x4.pmax(b0, v0);
          b1 = f32x4.pmax(b1, v1);
          n0 = v128.or(n0, f32x4.ne(v0, v0));
          n1 = v128.or(n1, f32x4.ne(v1, v1));
        }
      }
      // Pass 2: in window order, the first cell equal to the maximum (the first NaN in a NaN
      // lane) takes dy; `t` marks the lanes already taken.
      const g0 = v128.load(g + co), g1 = v128.load(g + co, 16);
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0);
      for (let r = first + co; r < rowEnd + co; r += rowB) {
        for (let q = r, e = r + colB; q < e; q += pixB) {
          const v0 = v128.load(x + q), v1 = v128.load(x + q, 16);
          const h0 = v128.andnot(v128.bitselect(f32x4.ne(v0, v0), f32x4.eq(v0, b0), n0), t0);
          const h1 = v128.andnot(v128.bitselect(f32x4.ne(v1, v1), f32x4.eq(v1, b1), n1), t1);
          t0 = v128.or(t0, h0);
          t1 = v128.or(t1, h1);
          if (disjoint) store8(dx + q, v128.and(g0, h0), v128.and(g1, h1), nc);
          else add8(dx + q, v128.and(g0, h0), v128.and(g1, h1), nc);
        }
      }
    }
  }
}

/** avgPool over output pixels [p0, p1): the mean over each window's input cells (padding not counted); 0 if none. */
export function avgPool(prm: usize, p0: i32, p1: i32): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const padTop = prmAt(prm, P_PAD_TOP), padLeft = prmAt(prm, P_PAD_LEFT);
  const pixB = <usize>ch * 4, rowB = <usize>inW * pixB;
  const pix = outH * outW;
  const x = <usize>prmAt(prm, P_X), out = <usize>prmAt(prm, P_OUT);
  // (img, oy, ox) of pixel p, stepped rather than divided (divisions cost as much as a 2x2 window).
  let img = p0 / pix, oy = (p0 - img * pix) / outW, ox = p0 - img * pix - oy * outW;
  for (let p = p0; p < p1; p++, ox++) {
    if (ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        img++;
      }
    }
    const y0 = oy * sH - padTop, x0 = ox * sW - padLeft;
    const ky0 = tapBegin(oy, sH, 1, padTop), ky1 = tapEnd(oy, sH, 1, padTop, inH, kH);
    const kx0 = tapBegin(ox, sW, 1, padLeft), kx1 = tapEnd(ox, sW, 1, padLeft, inW, kW);
    // The window's input cells: rows [first, rowEnd) step rowB, each colB bytes wide.
    const first = cellAt(img, inH, inW, y0, x0, ky0, kx0, 1, 1) * pixB;
    const rowEnd = first + <usize>(ky1 - ky0) * rowB, colB = <usize>(kx1 - kx0) * pixB;
    const count = <f32>(max(ky1 - ky0, 0) * max(kx1 - kx0, 0));
    const n = f32x4.splat(count > 0 ? count : 1);
    const o = out + <usize>p * pixB;
    for (let c = 0; c < ch; c += 8) {
      const co = <usize>c * 4;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      if (count > 0) {
        for (let r = x + first + co, re = x + rowEnd + co; r < re; r += rowB) {
          for (let q = r, e = r + colB; q < e; q += pixB) {
            s0 = f32x4.add(s0, v128.load(q));
            s1 = f32x4.add(s1, v128.load(q, 16));
          }
        }
      }
      store8(o + co, f32x4.div(s0, n), f32x4.div(s1, n), min(8, ch - c));
    }
  }
}

/** avgPool gradient for output pixels [p0, p1) covering whole images: zeroes them in dx, adds dy / count to each window cell. */
export function avgPoolGrad(prm: usize, p0: i32, p1: i32): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const padTop = prmAt(prm, P_PAD_TOP), padLeft = prmAt(prm, P_PAD_LEFT);
  const pixB = <usize>ch * 4, rowB = <usize>inW * pixB;
  const pix = outH * outW;
  const dx = <usize>prmAt(prm, P_OUT), dy = <usize>prmAt(prm, P_DY);
  const imgB = <usize>inH * rowB;
  if (p1 <= p0) return;
  memory.fill(dx + <usize>(p0 / pix) * imgB, 0, <usize>((p1 - p0) / pix) * imgB);
  // (img, oy, ox) of pixel p, stepped rather than divided (divisions cost as much as a 2x2 window).
  let img = p0 / pix, oy = (p0 - img * pix) / outW, ox = p0 - img * pix - oy * outW;
  for (let p = p0; p < p1; p++, ox++) {
    if (ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        img++;
      }
    }
    const y0 = oy * sH - padTop, x0 = ox * sW - padLeft;
    const ky0 = tapBegin(oy, sH, 1, padTop), ky1 = tapEnd(oy, sH, 1, padTop, inH, kH);
    const kx0 = tapBegin(ox, sW, 1, padLeft), kx1 = tapEnd(ox, sW, 1, padLeft, inW, kW);
    // The window's input cells: rows [first, rowEnd) step rowB, each colB bytes wide.
    const first = cellAt(img, inH, inW, y0, x0, ky0, kx0, 1, 1) * pixB;
    const rowEnd = first + <usize>(ky1 - ky0) * rowB, colB = <usize>(kx1 - kx0) * pixB;
    if (ky0 >= ky1 || kx0 >= kx1) continue;
    const n = f32x4.splat(<f32>((ky1 - ky0) * (kx1 - kx0)));
    const g = dy + <usize>p * pixB;
    for (let c = 0; c < ch; c += 8) {
      const co = <usize>c * 4, nc = min(8, ch - c);
      const g0 = f32x4.div(v128.load(g + co), n), g1 = f32x4.div(v128.load(g + co, 16), n);
      for (let r = dx + first + co, re = dx + rowEnd + co; r < re; r += rowB) {
        for (let q = r, e = r + colB; q < e; q += pixB) add8(q, g0, g1, nc);
      }
    }
  }
}

// Depthwise conv with multiplier 1 (outC = inC; wasm/conv.ts reduces multiplier M > 1 to it with
// repeatChannels and sumChannelGroups). Forward and filter gradient read a padded x like the conv
// kernels; the input gradient gathers from dy, so every dx element is written once.

/** dst[p, ic*M + m] = x[p, ic] for n pixels of inC channels. */
export function repeatChannels(x: usize, n: i32, inC: i32, mult: i32, dst: usize): void {
  let d = dst;
  const end = x + <usize>n * <usize>inC * 4;
  for (let s = x; s < end; s += 4) {
    const v = load<f32>(s);
    for (let m = 0; m < mult; m++) {
      store<f32>(d, v);
      d += 4;
    }
  }
}

/** dst[p, ic] = sum over m of src[p, ic*M + m] for n pixels of inC channels. */
export function sumChannelGroups(src: usize, n: i32, inC: i32, mult: i32, dst: usize): void {
  let q = src;
  const end = dst + <usize>n * <usize>inC * 4;
  for (let d = dst; d < end; d += 4) {
    let acc: f32 = 0;
    for (let m = 0; m < mult; m++) {
      acc += load<f32>(q);
      q += 4;
    }
    store<f32>(d, acc);
  }
}

/**
 * depthwiseConv2d (multiplier 1) over output pixels [p0, p1): out[p, c] = sum over taps of
 * x[origin(p) + tap, c] * w[tap, c], x padded as in convForward (with stride 1 this is also the
 * input gradient: dy padded, w flipped). Tiles of 4 pixels x 8 channels; the last channel group
 * may be partial (its extra lanes read neighbours and are not stored). `table`: CONV_BLOCK + 4 i32s.
 */
export function depthwiseForward(prm: usize, p0: i32, p1: i32, table: usize): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const x = <usize>prmAt(prm, P_X), w = <usize>prmAt(prm, P_W), out = <usize>prmAt(prm, P_OUT);
  const pixB = <usize>ch * 4, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  // Tap offsets from a window origin, after the origins in `table`.
  const taps = kH * kW;
  const offs = table + (CONV_BLOCK + 4) * 4, offEnd = offs + <usize>taps * 4;
  for (let t = 0; t < taps; t++) store<i32>(offs + <usize>t * 4, <i32>(<usize>(t / kW * dH) * rowB + <usize>(t % kW * dW) * pixB));
  for (let t0 = p0; t0 < p1; t0 += CONV_BLOCK) {
    const n = min(CONV_BLOCK, p1 - t0);
    originTable(table, x, t0, n, outH, outW, sH, sW, rowB, imgB, pixB);
    for (let q = 0; q < n; q += 4) {
      const rows = min(4, n - q);
      const o = out + <usize>(t0 + q) * pixB;
      for (let c = 0; c < ch; c += 8) {
        const nc = min(8, ch - c), co = <usize>c * 4;
        const tq = table + <usize>q * 4;
        const a0 = <usize>load<i32>(tq) + co, a1 = <usize>load<i32>(tq, 4) + co, a2 = <usize>load<i32>(tq, 8) + co, a3 = <usize>load<i32>(tq, 12) + co;
        let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
        let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
        let wp = w + co;
        let op = offs;
        do {
          const f = <usize>load<i32>(op);
          const w0 = v128.load(wp), w1 = v128.load(wp, 16);
          c00 = madd(v128.load(a0 + f), w0, c00); c01 = madd(v128.load(a0 + f, 16), w1, c01);
          c10 = madd(v128.load(a1 + f), w0, c10); c11 = madd(v128.load(a1 + f, 16), w1, c11);
          c20 = madd(v128.load(a2 + f), w0, c20); c21 = madd(v128.load(a2 + f, 16), w1, c21);
          c30 = madd(v128.load(a3 + f), w0, c30); c31 = madd(v128.load(a3 + f, 16), w1, c31);
          op += 4;
          wp += pixB;
        } while (op < offEnd);
        store8(o + co, c00, c01, nc);
        if (rows > 1) store8(o + pixB + co, c10, c11, nc);
        if (rows > 2) store8(o + 2 * pixB + co, c20, c21, nc);
        if (rows > 3) store8(o + 3 * pixB + co, c30, c31, nc);
      }
    }
  }
}

/**
 * depthwiseConv2d (multiplier 1) input gradient for input pixels [p0, p1) (unpadded dx), for
 * strides > 1: each dx[b, y, x, c] gathers dy[b, oy, ox, c] * w[ky, kx, c] over the taps whose
 * window covers it (listed once per pixel in `taps`, scratch for 2 * kH * kW i32s).
 */
export function depthwiseBackpropInput(prm: usize, p0: i32, p1: i32, taps: usize): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const padTop = prmAt(prm, P_PAD_TOP), padLeft = prmAt(prm, P_PAD_LEFT);
  const w = <usize>prmAt(prm, P_W), dx = <usize>prmAt(prm, P_OUT), dy = <usize>prmAt(prm, P_DY);
  const pixB = <usize>ch * 4;
  const hw = inH * inW;
  let img = p0 / hw, y = (p0 - img * hw) / inW, xx = p0 - img * hw - y * inW;
  for (let p = p0; p < p1; p++, xx++) {
    if (xx == inW) {
      xx = 0;
      if (++y == inH) {
        y = 0;
        img++;
      }
    }
    // The (dy pixel, filter tap) pairs that reach this input pixel, as byte offsets.
    let tEnd = taps;
    for (let ky = 0; ky < kH; ky++) {
      const ty = y + padTop - ky * dH;
      if (ty < 0 || ty % sH != 0 || ty / sH >= outH) continue;
      for (let kx = 0; kx < kW; kx++) {
        const tx = xx + padLeft - kx * dW;
        if (tx < 0 || tx % sW != 0 || tx / sW >= outW) continue;
        store<i32>(tEnd, <i32>(<usize>((img * outH + ty / sH) * outW + tx / sW) * pixB));
        store<i32>(tEnd, <i32>(<usize>(ky * kW + kx) * pixB), 4);
        tEnd += 8;
      }
    }
    const o = dx + <usize>p * pixB;
    for (let c = 0; c < ch; c += 8) {
      const nc = min(8, ch - c), co = <usize>c * 4;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      for (let t = taps; t < tEnd; t += 8) {
        const g = dy + <usize>load<i32>(t) + co, wp = w + <usize>load<i32>(t, 4) + co;
        a0 = madd(v128.load(g), v128.load(wp), a0);
        a1 = madd(v128.load(g, 16), v128.load(wp, 16), a1);
      }
      store8(o + co, a0, a1, nc);
    }
  }
}

/**
 * depthwiseConv2d (multiplier 1) filter gradient over output pixels [p0, p1), written (not added)
 * to dw [kH * kW, ch]: dw[tap, c] = sum_p x[origin(p) + tap, c] * dy[p, c], x padded as in
 * convForward. Tiles of 4 taps x 8 channels over pixel blocks. `table`: FILTER_BLOCK + 4 i32s.
 */
export function depthwiseBackpropFilter(prm: usize, p0: i32, p1: i32, dw: usize, table: usize): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), ch = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W);
  const x = <usize>prmAt(prm, P_X), dy = <usize>prmAt(prm, P_DY);
  const pixB = <usize>ch * 4, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  const taps = kH * kW;
  memory.fill(dw, 0, <usize>taps * pixB);
  for (let t0 = p0; t0 < p1; t0 += FILTER_BLOCK) {
    const n = min(FILTER_BLOCK, p1 - t0);
    originTable(table, x, t0, n, outH, outW, sH, sW, rowB, imgB, pixB);
    const tEnd = table + <usize>n * 4;
    const dyBlock = dy + <usize>t0 * pixB;
    for (let t = 0; t < taps; t += 4) {
      // Taps past the last repeat it: computed, never stored.
      const rows = min(4, taps - t);
      const t1 = t + min(1, rows - 1), t2 = t + min(2, rows - 1), t3 = t + min(3, rows - 1);
      const f0 = <usize>(t / kW * dH) * rowB + <usize>(t % kW * dW) * pixB;
      const f1 = <usize>(t1 / kW * dH) * rowB + <usize>(t1 % kW * dW) * pixB;
      const f2 = <usize>(t2 / kW * dH) * rowB + <usize>(t2 % kW * dW) * pixB;
      const f3 = <usize>(t3 / kW * dH) * rowB + <usize>(t3 % kW * dW) * pixB;
      for (let c = 0; c < ch; c += 8) {
        const nc = min(8, ch - c), co = <usize>c * 4;
        const d0 = dw + <usize>t * pixB + co, d1 = dw + <usize>t1 * pixB + co, d2 = dw + <usize>t2 * pixB + co, d3 = dw + <usize>t3 * pixB + co;
        let c00 = v128.load(d0), c01 = v128.load(d0, 16), c10 = v128.load(d1), c11 = v128.load(d1, 16);
        let c20 = v128.load(d2), c21 = v128.load(d2, 16), c30 = v128.load(d3), c31 = v128.load(d3, 16);
        let tp = table;
        let g = dyBlock + co;
        do {
          const xo = <usize>load<i32>(tp) + co;
          const g0 = v128.load(g), g1 = v128.load(g, 16);
          c00 = madd(v128.load(xo + f0), g0, c00); c01 = madd(v128.load(xo + f0, 16), g1, c01);
          c10 = madd(v128.load(xo + f1), g0, c10); c11 = madd(v128.load(xo + f1, 16), g1, c11);
          c20 = madd(v128.load(xo + f2), g0, c20); c21 = madd(v128.load(xo + f2, 16), g1, c21);
          c30 = madd(v128.load(xo + f3), g0, c30); c31 = madd(v128.load(xo + f3, 16), g1, c31);
          tp += 4;
          g += pixB;
        } while (tp < tEnd);
        store8(d0, c00, c01, nc);
        if (rows > 1) store8(d1, c10, c11, nc);
        if (rows > 2) store8(d2, c20, c21, nc);
        if (rows > 3) store8(d3, c30, c31, nc);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Int8 inference (compress/): activations quantised to 0..127 ("u7": a zero point keeps signed
// values), weights int8 with one row of k per output unit, products summed exactly in i32 and
// turned into floats per unit. The GEMM runs along k, 16 bytes at a time: relaxed SIMD's
// i8 x i7 dot product where the host validates it; otherwise both operands are widened to i16 and
// multiplied with i32x4.dot_i16x8_s. x is 0..127, so both are exact and give identical results.
// ---------------------------------------------------------------------------------------------

/**
 * One vector quantised: clamp(nearest(x / scale) + zp, 0, 127) as i32 lanes. pmax(0, v) and pmin(127, v)
 * are single instructions (min/max with NaN propagation are not) and send NaN to 0, so the integer
 * conversion only ever sees 0..127 and the relaxed one is exact.
 */
@inline function quantizeV(v: v128, vs: v128, vz: v128, lo: v128, hi: v128): v128 {
  const c = f32x4.pmin(hi, f32x4.pmax(lo, f32x4.add(f32x4.nearest(f32x4.div(v, vs)), vz)));
  if (ASC_FEATURE_RELAXED_SIMD) return i32x4.relaxed_trunc_f32x4_s(c);
  return i32x4.trunc_sat_f32x4_s(c);
}

/** q = clamp(nearest(x / scale) + zp, 0, 127) over n floats at x into n bytes at out (NaN -> 0). */
export function quantizeU7(x: usize, out: usize, n: i32, scale: f32, zp: i32): void {
  const vs = f32x4.splat(scale), vz = f32x4.splat(<f32>zp), lo = f32x4.splat(0), hi = f32x4.splat(127);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + <usize>i * 4;
    const q0 = quantizeV(v128.load(p), vs, vz, lo, hi), q1 = quantizeV(v128.load(p, 16), vs, vz, lo, hi);
    const q2 = quantizeV(v128.load(p, 32), vs, vz, lo, hi), q3 = quantizeV(v128.load(p, 48), vs, vz, lo, hi);
    v128.store(out + <usize>i, i8x16.narrow_i16x8_s(i16x8.narrow_i32x4_s(q0, q1), i16x8.narrow_i32x4_s(q2, q3)));
  }
  for (; i < n; i++) {
    const v = nearest<f32>(load<f32>(x + <usize>i * 4) / scale) + <f32>zp;
    store<i8>(out + <usize>i, v >= 127 ? 127 : v >= 0 ? <i8>(<i32>v) : 0);
  }
}

/** dst[j] = zp * sum_q w[j, q] over n rows of k bytes: the zero point's share of each unit's sum. */
export function rowSumsI8(w: usize, n: i32, k: i32, zp: i32, dst: usize): void {
  const ones = i16x8.splat(1);
  for (let j = 0; j < n; j++) {
    const row = w + <usize>j * <usize>k;
    let acc = i32x4.splat(0);
    let q = 0;
    for (; q + 16 <= k; q += 16) {
      const v = v128.load(row + <usize>q);
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(v), ones));
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(v), ones));
    }
    let s = i32x4.extract_lane(acc, 0) + i32x4.extract_lane(acc, 1) + i32x4.extract_lane(acc, 2) + i32x4.extract_lane(acc, 3);
    for (; q < k; q++) s += <i32>load<i8>(row + <usize>q);
    store<i32>(dst + <usize>j * 4, zp * s);
  }
}

/** [sum a, sum b, sum c, sum d] of four i32x4 vectors. */
@inline function hsum4i(a: v128, b: v128, c: v128, d: v128): v128 {
  const ab = i32x4.add(v128.shuffle<i32>(a, b, 0, 4, 1, 5), v128.shuffle<i32>(a, b, 2, 6, 3, 7));
  const cd = i32x4.add(v128.shuffle<i32>(c, d, 0, 4, 1, 5), v128.shuffle<i32>(c, d, 2, 6, 3, 7));
  return i32x4.add(v128.shuffle<i32>(ab, cd, 0, 1, 4, 5), v128.shuffle<i32>(ab, cd, 2, 3, 6, 7));
}

/** Lanes 0..15, to build the mask of a row's last, partial 16 bytes. */
@inline function iota8(): v128 {
  return i8x16(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
}

/**
 * Four units' sums (i32x4 s) to floats: act(f32(s - corr) * mult + bias), the first nc (1..4) stored at
 * o. mult, bias and corr are read 4 at a time (the JS side pads them); bias 0 = none; act 1 = relu.
 */
@inline function epilogueU7(s: v128, o: usize, j: i32, nc: i32, mult: usize, bias: usize, corr: usize, act: i32): void {
  const jo = <usize>j * 4;
  let v = f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(s, v128.load(corr + jo))), v128.load(mult + jo));
  if (bias) v = f32x4.add(v, v128.load(bias + jo));
  if (act == 1) v = f32x4.max(v, f32x4.splat(0));
  storeLanes(o, v, nc);
}

/**
 * How gemmU7 multiplies 16 bytes: widening to i16; relaxed SIMD's i8 x i7 dot-and-add with w first or x
 * first; or relaxed SIMD's i8 x i7 dot into i16 pairs, then a pairwise widening add (no fused add).
 */
const DOT_I16 = 0, DOT_RELAXED_WX = 1, DOT_RELAXED_XW = 2, DOT_RELAXED_PAIRS = 3;

/**
 * One 16-byte step of a 2-row x 4-unit tile would need eight accumulators in and out; AssemblyScript has no
 * multi-value returns, so the tile is written once per dot mode by gemmTileU7 below (mode is a constant
 * after inlining, and the branches on it fold away).
 */
@inline function dotU7(mode: i32, w: v128, x: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (mode == DOT_RELAXED_WX) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, x, acc);
    if (mode == DOT_RELAXED_XW) return i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w, acc);
    // |w x + w' x'| <= 2 * 128 * 127 fits an i16 pair sum.
    if (mode == DOT_RELAXED_PAIRS) return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, x)));
  }
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), i16x8.extend_low_i8x16_s(x));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), i16x8.extend_high_i8x16_s(x));
  return i32x4.add(acc, i32x4.add(lo, hi));
}

/**
 * out[i, j] = act(f32(sum_q x[i, q] w[j, q] - corr[j]) * mult[j] + bias[j]) for rows [i0, i1): x rows of
 * 0..127 at stride ldx bytes, w [n, k] int8, out rows of n floats. Tiles of 2 rows x 4 units; a row
 * or unit past the end repeats the last one (computed, never stored). The last partial 16 bytes of
 * each x row are masked to zero, so the bytes read past the end of a row (of x or w) add nothing.
 */
@inline function gemmTileU7(mode: i32, x: usize, ldx: i32, w: usize, k: i32, n: i32, out: usize, mult: usize, bias: usize, corr: usize, act: i32, i0: i32, i1: i32): void {
  const kFull = <usize>(k & ~15);
  const kb = <usize>k, kb2 = 2 * kb, kb3 = 3 * kb;
  const ldo = <usize>n * 4;
  for (let i = i0; i < i1; i += 2) {
    const x0 = x + <usize>i * <usize>ldx;
    const x1 = i + 1 < i1 ? x0 + <usize>ldx : x0;
    for (let j = 0; j < n; j += 4) {
      // Units past the end repeat the last one: offsets of units j + 1..3 from unit j's row.
      const o1 = j + 1 < n ? kb : 0, o2 = j + 2 < n ? kb2 : (j + 1 < n ? kb : 0), o3 = j + 3 < n ? kb3 : (j + 2 < n ? kb2 : (j + 1 < n ? kb : 0));
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a02 = i32x4.splat(0), a03 = i32x4.splat(0);
      let a10 = i32x4.splat(0), a11 = i32x4.splat(0), a12 = i32x4.splat(0), a13 = i32x4.splat(0);
      // One pointer walks the four units' rows, two walk the x rows: few registers, so V8 spills nothing.
      let pw = w + <usize>j * kb;
      let pa = x0, pb = x1;
      const end = x0 + kFull;
      while (pa < end) {
        const xa = v128.load(pa), xb = v128.load(pb);
        let wv = v128.load(pw);
        a00 = dotU7(mode, wv, xa, a00); a10 = dotU7(mode, wv, xb, a10);
        wv = v128.load(pw + o1);
        a01 = dotU7(mode, wv, xa, a01); a11 = dotU7(mode, wv, xb, a11);
        wv = v128.load(pw + o2);
        a02 = dotU7(mode, wv, xa, a02); a12 = dotU7(mode, wv, xb, a12);
        wv = v128.load(pw + o3);
        a03 = dotU7(mode, wv, xa, a03); a13 = dotU7(mode, wv, xb, a13);
        pa += 16;
        pb += 16;
        pw += 16;
      }
      if (kFull < kb) {
        // The last partial 16 bytes: x masked to zero past the row's end, so whatever w holds there adds nothing.
        const mask = i8x16.gt_s(i8x16.splat(<i8>(kb - kFull)), iota8());
        const xa = v128.and(v128.load(pa), mask), xb = v128.and(v128.load(pb), mask);
        let wv = v128.load(pw);
        a00 = dotU7(mode, wv, xa, a00); a10 = dotU7(mode, wv, xb, a10);
        wv = v128.load(pw + o1);
        a01 = dotU7(mode, wv, xa, a01); a11 = dotU7(mode, wv, xb, a11);
        wv = v128.load(pw + o2);
        a02 = dotU7(mode, wv, xa, a02); a12 = dotU7(mode, wv, xb, a12);
        wv = v128.load(pw + o3);
        a03 = dotU7(mode, wv, xa, a03); a13 = dotU7(mode, wv, xb, a13);
      }
      const nc = min(4, n - j);
      epilogueU7(hsum4i(a00, a01, a02, a03), out + <usize>i * ldo + <usize>j * 4, j, nc, mult, bias, corr, act);
      if (i + 1 < i1) epilogueU7(hsum4i(a10, a11, a12, a13), out + <usize>(i + 1) * ldo + <usize>j * 4, j, nc, mult, bias, corr, act);
    }
  }
}

// gemmTileU7 once per dot mode, each its own export (one function holding every mode ran the i16 loop at
// half speed in V8). The relaxed modes exist in the relaxed builds only; the JS side probes which of them
// a host computes exactly (wasm/int8.ts): engines have shipped both operand orders, and V8 in Node 20
// miscompiles the fused dot-add.
export function gemmU7I16(x: usize, ldx: i32, w: usize, k: i32, n: i32, out: usize, mult: usize, bias: usize, corr: usize, act: i32, i0: i32, i1: i32): void {
  gemmTileU7(DOT_I16, x, ldx, w, k, n, out, mult, bias, corr, act, i0, i1);
}

export function gemmU7RelaxedWX(x: usize, ldx: i32, w: usize, k: i32, n: i32, out: usize, mult: usize, bias: usize, corr: usize, act: i32, i0: i32, i1: i32): void {
  gemmTileU7(ASC_FEATURE_RELAXED_SIMD ? DOT_RELAXED_WX : DOT_I16, x, ldx, w, k, n, out, mult, bias, corr, act, i0, i1);
}

export function gemmU7RelaxedXW(x: usize, ldx: i32, w: usize, k: i32, n: i32, out: usize, mult: usize, bias: usize, corr: usize, act: i32, i0: i32, i1: i32): void {
  gemmTileU7(ASC_FEATURE_RELAXED_SIMD ? DOT_RELAXED_XW : DOT_I16, x, ldx, w, k, n, out, mult, bias, corr, act, i0, i1);
}

export function gemmU7RelaxedPairs(x: usize, ldx: i32, w: usize, k: i32, n: i32, out: usize, mult: usize, bias: usize, corr: usize, act: i32, i0: i32, i1: i32): void {
  gemmTileU7(ASC_FEATURE_RELAXED_SIMD ? DOT_RELAXED_PAIRS : DOT_I16, x, ldx, w, k, n, out, mult, bias, corr, act, i0, i1);
}

// Parameter block of convU7: the conv fields P_* above, then these.
const P8_MULT = 19, P8_BIAS = 20, P8_CORR = 21, P8_ACT = 22, P8_ZP = 23;
/** Output pixels per im2col block of convU7 (their patches stay in L1/L2 while every unit passes them). */
const U7_BLOCK: i32 = 64;

/**
 * Patches of output pixels [p0, p0 + count) of a conv over u7 input x [batch, inH, inW, inC] (bytes):
 * row t (at dst + t * ldd) holds the kH x kW x inC window of pixel p0 + t (taps outside the input read as
 * zp), K = kH kW inC bytes, then zeros up to ldd. Runs of kW inC bytes are copied 16 bytes at a time, so
 * each row may spill up to 15 bytes into the next (written after) and dst needs 16 spare bytes.
 */
function im2colU7(prm: usize, p0: i32, count: i32, dst: usize, ldd: i32): void {
  const inH = prmAt(prm, P_IN_H), inW = prmAt(prm, P_IN_W), inC = prmAt(prm, P_IN_C);
  const outH = prmAt(prm, P_OUT_H), outW = prmAt(prm, P_OUT_W);
  const kH = prmAt(prm, P_K_H), kW = prmAt(prm, P_K_W), sH = prmAt(prm, P_STRIDE_H), sW = prmAt(prm, P_STRIDE_W);
  const dH = prmAt(prm, P_DIL_H), dW = prmAt(prm, P_DIL_W), padT = prmAt(prm, P_PAD_TOP), padL = prmAt(prm, P_PAD_LEFT);
  const x = <usize>prmAt(prm, P_X);
  const zp = <u8>prmAt(prm, P8_ZP);
  const pixB = <usize>inC, rowB = <usize>inW * pixB, imgB = <usize>inH * rowB;
  const runB = <usize>kW * pixB;
  const kK = <usize>kH * runB;
  // Pixel p0's image, row and column, then stepped (integer division is slow).
  let img = p0 / (outH * outW);
  let oy = (p0 - img * outH * outW) / outW;
  let ox = p0 - (img * outH + oy) * outW;
  for (let p = p0; p < p0 + count; p++) {
    let d = dst + <usize>(p - p0) * <usize>ldd;
    const ix0 = ox * sW - padL;
    const inside = dW == 1 && ix0 >= 0 && ix0 + kW <= inW;
    for (let ky = 0; ky < kH; ky++) {
      const iy = oy * sH + ky * dH - padT;
      if (iy < 0 || iy >= inH) {
        memory.fill(d, zp, runB);
      } else if (inside) {
        const src = x + <usize>img * imgB + <usize>iy * rowB + <usize>ix0 * pixB;
        v128.store(d, v128.load(src));
        for (let b: usize = 16; b < runB; b += 16) v128.store(d + b, v128.load(src + b));
      } else {
        for (let kx = 0; kx < kW; kx++) {
          const ix = ix0 + kx * dW;
          const dd = d + <usize>kx * pixB;
          if (ix < 0 || ix >= inW) memory.fill(dd, zp, pixB);
          else memory.copy(dd, x + <usize>img * imgB + <usize>iy * rowB + <usize>ix * pixB, pixB);
        }
      }
      d += runB;
    }
    // Bytes between K and the row stride (at most 3) are zero: the last run may have spilled into them. The
    // 4-byte store may reach into the next row, which is written after.
    if (kK < <usize>ldd) store<u32>(dst + <usize>(p - p0) * <usize>ldd + kK, 0);
    if (++ox == outW) {
      ox = 0;
      if (++oy == outH) {
        oy = 0;
        img++;
      }
    }
  }
}

/**
 * The broadcast form of dotU7, for filters packed by packU7Filter: w holds 4 taps of each of 4 channels,
 * x one pixel's 4 taps in every lane; the result adds each channel's 4 products into its lane.
 */
@inline function dotBcastU7(mode: i32, w: v128, x: v128, acc: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) {
    if (mode == DOT_RELAXED_WX) return i32x4.relaxed_dot_i8x16_i7x16_add_s(w, x, acc);
    if (mode == DOT_RELAXED_XW) return i32x4.relaxed_dot_i8x16_i7x16_add_s(x, w, acc);
    if (mode == DOT_RELAXED_PAIRS) return i32x4.add(acc, i32x4.extadd_pairwise_i16x8_s(i16x8.relaxed_dot_i8x16_i7x16_s(w, x)));
  }
  // Lanes of lo: channel 0 taps 0-1, channel 0 taps 2-3, channel 1 taps 0-1, 2-3; hi likewise for channels 2, 3.
  const lo = i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(w), i16x8.extend_low_i8x16_s(x));
  const hi = i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(w), i16x8.extend_high_i8x16_s(x));
  return i32x4.add(acc, i32x4.add(v128.shuffle<i32>(lo, hi, 0, 2, 4, 6), v128.shuffle<i32>(lo, hi, 1, 3, 5, 7)));
}

/**
 * Packs an int8 filter w [outC, K] for convU7: panels of 8 channels, each a run of ceil(K / 4) groups of
 * 32 bytes (channel c's taps 4g..4g+3 at byte 4c), taps past K and channels past outC zero.
 */
export function packU7Filter(w: usize, outC: i32, k: i32, dst: usize): void {
  const groups = (k + 3) >> 2;
  const panels = (outC + 7) >> 3;
  memory.fill(dst, 0, <usize>panels * <usize>groups * 32);
  for (let c = 0; c < outC; c++) {
    const panel = dst + <usize>(c >> 3) * <usize>groups * 32 + <usize>(c & 7) * 4;
    const src = w + <usize>c * <usize>k;
    for (let t = 0; t < k; t++) store<i8>(panel + <usize>(t >> 2) * 32 + <usize>(t & 3), load<i8>(src + <usize>t));
  }
}

/** act(f32(s - corr) * mult + bias) for 4 channels from j, the first nc (1..4) stored at o (as epilogueU7). */
@inline function bcastEpilogue(s: v128, o: usize, j: i32, nc: i32, mult: usize, bias: usize, corr: usize, act: i32): void {
  if (nc > 0) epilogueU7(s, o, j, nc, mult, bias, corr, act);
}

/**
 * out[p, c] for patch rows [0, rows) at x (stride ldx, a multiple of 4, zero past K) and a packed filter:
 * tiles of 4 pixels x 8 channels, each pixel's 4 taps splat across a vector; pixels past the end repeat
 * the last (computed, never stored).
 */
@inline function convTileU7(mode: i32, x: usize, ldx: i32, wp: usize, groups: i32, outC: i32, out: usize, mult: usize, bias: usize, corr: usize, act: i32, rows: i32): void {
  const ldo = <usize>outC * 4;
  const lx = <usize>ldx;
  for (let c0 = 0; c0 < outC; c0 += 8) {
    const panel = wp + <usize>(c0 >> 3) * <usize>groups * 32;
    const nc = min(8, outC - c0);
    for (let r = 0; r < rows; r += 4) {
      // Four row pointers walk the patches (rows past the end repeat the last one).
      let p0 = x + <usize>r * lx;
      let p1 = r + 1 < rows ? p0 + lx : p0;
      let p2 = r + 2 < rows ? p1 + lx : p1;
      let p3 = r + 3 < rows ? p2 + lx : p2;
      let a00 = i32x4.splat(0), a01 = i32x4.splat(0), a10 = i32x4.splat(0), a11 = i32x4.splat(0);
      let a20 = i32x4.splat(0), a21 = i32x4.splat(0), a30 = i32x4.splat(0), a31 = i32x4.splat(0);
      let pw = panel;
      const end = panel + <usize>groups * 32;
      while (pw < end) {
        const w0 = v128.load(pw), w1 = v128.load(pw, 16);
        let xs = v128.load32_splat(p0);
        a00 = dotBcastU7(mode, w0, xs, a00); a01 = dotBcastU7(mode, w1, xs, a01);
        xs = v128.load32_splat(p1);
        a10 = dotBcastU7(mode, w0, xs, a10); a11 = dotBcastU7(mode, w1, xs, a11);
        xs = v128.load32_splat(p2);
        a20 = dotBcastU7(mode, w0, xs, a20); a21 = dotBcastU7(mode, w1, xs, a21);
        xs = v128.load32_splat(p3);
        a30 = dotBcastU7(mode, w0, xs, a30); a31 = dotBcastU7(mode, w1, xs, a31);
        pw += 32;
        p0 += 4;
        p1 += 4;
        p2 += 4;
        p3 += 4;
      }
      const o = out + <usize>r * ldo + <usize>c0 * 4;
      bcastEpilogue(a00, o, c0, min(4, nc), mult, bias, corr, act);
      bcastEpilogue(a01, o + 16, c0 + 4, nc - 4, mult, bias, corr, act);
      if (r + 1 < rows) {
        bcastEpilogue(a10, o + ldo, c0, min(4, nc), mult, bias, corr, act);
        bcastEpilogue(a11, o + ldo + 16, c0 + 4, nc - 4, mult, bias, corr, act);
      }
      if (r + 2 < rows) {
        bcastEpilogue(a20, o + 2 * ldo, c0, min(4, nc), mult, bias, corr, act);
        bcastEpilogue(a21, o + 2 * ldo + 16, c0 + 4, nc - 4, mult, bias, corr, act);
      }
      if (r + 3 < rows) {
        bcastEpilogue(a30, o + 3 * ldo, c0, min(4, nc), mult, bias, corr, act);
        bcastEpilogue(a31, o + 3 * ldo + 16, c0 + 4, nc - 4, mult, bias, corr, act);
      }
    }
  }
}

/**
 * Output pixels [p0, p1) of an int8 conv (parameter block prm, layout P_* then P8_*; P_W is the filter packed
 * by packU7Filter): blocks of U7_BLOCK pixels are unfolded into patches at scratch (U7_BLOCK rows of K rounded
 * up to 4, + 16 bytes) and multiplied by the filter with gemmU7's epilogue, into out [pixels, outC]. Threads
 * pass disjoint pixel ranges and their own scratch.
 */
@inline function convBodyU7(mode: i32, prm: usize, p0: i32, p1: i32, scratch: usize): void {
  const kK = prmAt(prm, P_K_H) * prmAt(prm, P_K_W) * prmAt(prm, P_IN_C);
  const ldx = (kK + 3) & ~3;
  const outC = prmAt(prm, P_OUT_C);
  const wp = <usize>prmAt(prm, P_W), out = <usize>prmAt(prm, P_OUT);
  const mult = <usize>prmAt(prm, P8_MULT), bias = <usize>prmAt(prm, P8_BIAS), corr = <usize>prmAt(prm, P8_CORR), act = prmAt(prm, P8_ACT);
  for (let p = p0; p < p1; p += U7_BLOCK) {
    const count = min(U7_BLOCK, p1 - p);
    im2colU7(prm, p, count, scratch, ldx);
    convTileU7(mode, scratch, ldx, wp, ldx >> 2, outC, out + <usize>p * <usize>outC * 4, mult, bias, corr, act, count);
  }
}

// convBodyU7 once per dot mode, each its own export (as gemmU7: one function holding every mode runs slowly in V8).
export function convU7I16(prm: usize, p0: i32, p1: i32, scratch: usize): void {
  convBodyU7(DOT_I16, prm, p0, p1, scratch);
}

export function convU7RelaxedWX(prm: usize, p0: i32, p1: i32, scratch: usize): void {
  convBodyU7(ASC_FEATURE_RELAXED_SIMD ? DOT_RELAXED_WX : DOT_I16, prm, p0, p1, scratch);
}

export function convU7RelaxedXW(prm: usize, p0: i32, p1: i32, scratch: usize): void {
  convBodyU7(ASC_FEATURE_RELAXED_SIMD ? DOT_RELAXED_XW : DOT_I16, prm, p0, p1, scratch);
}

export function convU7RelaxedPairs(prm: usize, p0: i32, p1: i32, scratch: usize): void {
  convBodyU7(ASC_FEATURE_RELAXED_SIMD ? DOT_RELAXED_PAIRS : DOT_I16, prm, p0, p1, scratch);
}
