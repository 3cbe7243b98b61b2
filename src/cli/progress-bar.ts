// One progress bar on stderr for long runs (distributed explanations, sweeps): live on a terminal, a line per 10% otherwise;
// Ctrl-C cancels the run cleanly.

import type cliProgress from 'cli-progress';

export interface ProgressBar {
  update(done: number, total: number): void;
  stop(): void;
}

export async function progressBar(label: string): Promise<ProgressBar> {
  if (!process.stderr.isTTY) {
    let shown = -1;
    return {
      update(done, total) {
        const tenth = Math.floor((10 * done) / Math.max(total, 1));
        if (tenth === shown) return;
        shown = tenth;
        process.stderr.write(`${label}: ${done}/${total}\n`);
      },
      stop() {},
    };
  }
  const bars: typeof cliProgress = (await import('cli-progress')).default;
  const bar = new bars.SingleBar(
    { format: `${label} [{bar}] {value}/{total} ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 20 },
    bars.Presets.shades_classic,
  );
  let started = false;
  return {
    update(done, total) {
      if (!started) bar.start(total, 0);
      started = true;
      bar.setTotal(total);
      bar.update(done);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

/**
 * Runs a long command with one progress bar; Ctrl-C or SIGTERM fire the signal it gets, and once the run has cleaned up
 * and rejected, the command prints why and exits 130.
 */
export async function interruptible<T>(label: string, run: (signal: AbortSignal, progress: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const bar = await progressBar(label);
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await run(controller.signal, (done, total) => bar.update(done, total));
  } catch (e) {
    if (controller.signal.aborted) {
      bar.stop();
      process.stderr.write(`Interrupted: ${(e as Error).message}\n`);
      process.exit(130);
    }
    throw e;
  } finally {
    bar.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
