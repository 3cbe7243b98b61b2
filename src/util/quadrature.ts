// Gauss-Legendre quadrature on [0, 1]: integrated gradients and DeepLIFT's softmax rule integrate along paths.

const cache = new Map<number, [Float64Array, Float64Array]>();

/** Gauss-Legendre nodes and weights on [0, 1] (weights sum to 1). */
export function gaussLegendreNodes(n: number): [Float64Array, Float64Array] {
  const hit = cache.get(n);
  if (hit) return hit;
  const a = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 1;
    for (let it = 0; it < 100; it++) {
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-15) break;
    }
    a[i] = (1 - z) / 2;
    w[i] = 1 / ((1 - z * z) * dp * dp);
  }
  cache.set(n, [a, w]);
  return [a, w];
}

