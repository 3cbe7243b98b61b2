// Training progress: a live bar with ETA, loss and metrics on a TTY; one line per epoch otherwise.

import type cliProgress from 'cli-progress';
import { Callback, type Logs } from './callbacks.js';

type CliProgress = typeof cliProgress;

/** Node with a terminal on stderr (browsers have no process, and logs go to the console there). */
function stderrIsTTY(): boolean {
  return typeof process !== 'undefined' && Boolean(process.stderr?.isTTY);
}

function defaultWrite(line: string): void {
  if (typeof process !== 'undefined' && process.stderr) process.stderr.write(line + '\n');
  else console.log(line);
}

function formatLogs(logs: Logs): string {
  return Object.entries(logs)
    .filter(([k]) => k !== 'batch' && k !== 'size') // bookkeeping, not metrics
    .map(([k, v]) => `${k}=${Math.abs(v) >= 1000 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4)}`)
    .join(' ');
}

export class ProgressLogger extends Callback {
  private bar: cliProgress.SingleBar | null = null;
  /** Loaded only for a terminal, so the library itself never pulls in the terminal package (browsers). */
  private bars: CliProgress | null = null;
  private epochStart = 0;
  private lastUpdate = 0;

  constructor(
    private readonly write: (line: string) => void = defaultWrite,
    private readonly tty: boolean = stderrIsTTY(),
  ) {
    super();
  }

  async onTrainBegin(): Promise<void> {
    if (this.tty && !this.bars) this.bars = (await import('cli-progress')).default;
  }

  onEpochBegin(epoch: number): void {
    this.epochStart = performance.now();
    const cliProgress = this.bars;
    if (!this.tty || !this.params || !cliProgress) return;
    this.bar = new cliProgress.SingleBar(
      {
        format: `Epoch ${epoch + 1}/${this.params.epochs} [{bar}] {value}/{total} ETA {eta_formatted} {metrics}`,
        stream: process.stderr,
        hideCursor: true,
        clearOnComplete: true,
        etaBuffer: 50,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(this.params.stepsPerEpoch, 0, { metrics: '' });
  }

  onBatchEnd(batch: number, logs: Logs = {}): void {
    if (!this.bar) return;
    const now = performance.now();
    // Redrawing costs more than a training step; 10 updates a second is plenty.
    if (now - this.lastUpdate < 100 && batch + 1 < (this.params?.stepsPerEpoch ?? 0)) return;
    this.lastUpdate = now;
    this.bar.update(batch + 1, { metrics: formatLogs(logs) });
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    this.bar?.stop();
    this.bar = null;
    const seconds = (performance.now() - this.epochStart) / 1000;
    this.write(`Epoch ${epoch + 1}/${this.params?.epochs ?? '?'} - ${seconds.toFixed(2)}s - ${formatLogs(logs)}`);
  }
}
