// Fails when kernels.generated.ts is stale: rebuild with `npm run build:wasm`.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { KERNELS_SOURCE_HASH, KERNELS_WASM } from './kernels.generated.js';

describe('kernels.generated.ts', () => {
  it('was built from the current kernels.as and build script', () => {
    const source = readFileSync(new URL('./kernels.as', import.meta.url), 'utf8');
    const script = readFileSync(new URL('../../../scripts/build-wasm.mjs', import.meta.url), 'utf8');
    const hash = createHash('sha256').update(source).update(script).digest('hex').slice(0, 16);
    expect(hash, 'kernels.generated.ts is stale: run `npm run build:wasm`').toBe(KERNELS_SOURCE_HASH);
  });

  it('holds a valid SIMD module', () => {
    expect(WebAssembly.validate(Buffer.from(KERNELS_WASM.simd, 'base64'))).toBe(true);
  });
});
