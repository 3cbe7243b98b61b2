// Reverse-mode differentiation: ops record their inputs and VJP while a gradient scope is open;
// backprop walks the recorded graph from the output in reverse topological order.

import type { Tensor } from '../tensor/tensor.js';
import type { Emitter } from '../ops/registry/types.js';
import type { GradNode } from './node.js';

/** Scope ids only grow, so a tensor marked by an earlier scope is never mistaken for a live one. */
let nextScope = 1;
let currentScope = 0;

export function isRecording(): boolean {
  return currentScope !== 0;
}

/** Marks `t` as an input whose gradient the current scope computes. */
export function watch(t: Tensor): void {
  if (currentScope !== 0) t.gradScope = currentScope;
}

/** Attaches an op's node to `out` if any input participates in the current gradient scope. */
export function record(out: Tensor, node: GradNode): Tensor {
  if (currentScope === 0) return out;
  for (const input of node.inputs) {
    if (input.gradScope === currentScope) {
      out.gradScope = currentScope;
      out.node = node;
      break;
    }
  }
  return out;
}

/** Runs fn inside a fresh gradient scope; returns its result and the scope id. */
export function inScope<T>(fn: (scope: number) => T): T {
  const saved = currentScope;
  currentScope = nextScope++;
  try {
    return fn(currentScope);
  } finally {
    currentScope = saved;
  }
}

/** Runs fn with recording switched off (inference, optimiser steps, VJPs themselves). */
export function noGrad<T>(fn: () => T): T {
  const saved = currentScope;
  currentScope = 0;
  try {
    return fn();
  } finally {
    currentScope = saved;
  }
}

/**
 * Propagates dy from y back through the graph of `scope`, applying each op's registry rule with
 * `e` (an emitter that runs ops eagerly). Returns the accumulated gradient for every tensor id
 * that received one.
 */
export function backprop(y: Tensor, dy: Tensor, scope: number, e: Emitter<Tensor>): Map<number, Tensor> {
  const order: Tensor[] = [];
  const seen = new Set<number>();
  // Iterative DFS post-order, so deep graphs cannot overflow the call stack.
  const stack: [Tensor, number][] = [[y, 0]];
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const [t, next] = top;
    if (next === 0) {
      if (seen.has(t.id)) {
        stack.pop();
        continue;
      }
      seen.add(t.id);
    }
    const inputs = t.node && t.gradScope === scope ? t.node.inputs : [];
    if (next < inputs.length) {
      top[1]++;
      const child = inputs[next];
      if (child.gradScope === scope && !seen.has(child.id)) stack.push([child, 0]);
    } else {
      stack.pop();
      order.push(t);
    }
  }
  const grads = new Map<number, Tensor>([[y.id, dy]]);
  noGrad(() => {
    for (let i = order.length - 1; i >= 0; i--) {
      const t = order[i];
      const g = grads.get(t.id);
      const node = t.node;
      if (!g || !node || t.gradScope !== scope) continue;
      if (node.vjp === 'none') {
        throw new Error(`gradient: op '${node.op}' has no gradient rule (higher-order gradients of it are not supported)`);
      }
      const needs = node.inputs.map((input) => input.gradScope === scope);
      const inputGrads = node.vjp(e, { inputs: node.inputs, output: t, dy: g, attrs: node.attrs, needs });
      node.inputs.forEach((input, k) => {
        const gi = inputGrads[k];
        if (!gi || !needs[k]) return;
        const prev = grads.get(input.id);
        grads.set(input.id, prev ? e.op('binary', [prev, gi], { fn: 'add' }) : gi);
      });
    }
  });
  return grads;
}
