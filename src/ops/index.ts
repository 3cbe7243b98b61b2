// Every op, in one place; importing this also installs the chainable Tensor methods.

export * from './creation.js';
export * from './elementwise.js';
export * from './reduce.js';
export * from './transform.js';
export * from './matmul.js';
export * from './activation.js';
export * from './losses.js';
export * from './moments.js';
import './chain.js';
export { runOp } from './run.js';
