// Superpixels for limeImage: a regular grid, or SLIC (k-means on intensity and position, connected by construction of its seeds).

import type { FeatureGroup } from './types.js';
import { patchGroups } from './groups.js';

/** Grid superpixels: square patches of `patch` pixels (all channels together). */
export function gridSegments(height: number, width: number, channels: number, patch: number): FeatureGroup[] {
  return patchGroups(height, width, patch, channels);
}

/**
 * SLIC (Achanta et al. 2012) on one image [height, width, channels]: about `segments` superpixels,
 * `compactness` trading colour against distance; segments that end up empty are dropped.
 */
export function slicSegments(image: Float32Array, height: number, width: number, channels: number, segments: number, compactness = 0.1, iterations = 10): FeatureGroup[] {
  const step = Math.max(1, Math.round(Math.sqrt((height * width) / segments)));
  const centres: { r: number; c: number; color: Float64Array }[] = [];
  for (let r = Math.floor(step / 2); r < height; r += step) {
    for (let c = Math.floor(step / 2); c < width; c += step) {
      centres.push({ r, c, color: Float64Array.from({ length: channels }, (_, k) => image[(r * width + c) * channels + k]) });
    }
  }
  const label = new Int32Array(height * width).fill(-1);
  const dist = new Float64Array(height * width);
  const m2 = compactness * compactness;
  for (let it = 0; it < iterations; it++) {
    dist.fill(Infinity);
    centres.forEach((ctr, k) => {
      for (let r = Math.max(0, Math.floor(ctr.r - step)); r < Math.min(height, Math.ceil(ctr.r + step + 1)); r++) {
        for (let c = Math.max(0, Math.floor(ctr.c - step)); c < Math.min(width, Math.ceil(ctr.c + step + 1)); c++) {
          let dc = 0;
          for (let ch = 0; ch < channels; ch++) dc += (image[(r * width + c) * channels + ch] - ctr.color[ch]) ** 2;
          const ds = ((r - ctr.r) ** 2 + (c - ctr.c) ** 2) / (step * step);
          const d = dc + m2 * ds;
          if (d < dist[r * width + c]) {
            dist[r * width + c] = d;
            label[r * width + c] = k;
          }
        }
      }
    });
    const acc = centres.map(() => ({ r: 0, c: 0, n: 0, color: new Float64Array(channels) }));
    for (let p = 0; p < height * width; p++) {
      const a = acc[label[p]];
      a.r += Math.floor(p / width);
      a.c += p % width;
      a.n++;
      for (let ch = 0; ch < channels; ch++) a.color[ch] += image[p * channels + ch];
    }
    acc.forEach((a, k) => {
      if (a.n === 0) return;
      centres[k].r = a.r / a.n;
      centres[k].c = a.c / a.n;
      for (let ch = 0; ch < channels; ch++) centres[k].color[ch] = a.color[ch] / a.n;
    });
  }
  const members: number[][] = centres.map(() => []);
  for (let p = 0; p < height * width; p++) for (let ch = 0; ch < channels; ch++) members[label[p]].push(p * channels + ch);
  return members.filter((m) => m.length > 0).map((indices, i) => ({ name: `segment ${i}`, indices }));
}
