// Lets timers, signals (Ctrl-C) and the page's event loop run during long computations.

/** Resolves after pending I/O and timers had a turn: setImmediate in Node, a zero timeout in browsers. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
}
