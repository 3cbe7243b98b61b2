// For tests: relaxed SIMD on, as the glassbox command turns it on for Node 20, so in-process results match CLI workers'.
// Import it before anything that loads the wasm kernels.

import { setFlagsFromString } from 'node:v8';

if (Number(process.versions.node.split('.')[0]) < 22) setFlagsFromString('--experimental-wasm-relaxed-simd');
