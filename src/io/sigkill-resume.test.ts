import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import '../backend/js/index.js';
import { loadModel } from './save-load.js';
import { loadCheckpoint } from './checkpoint.js';
import { weightBits } from './test-models.js';

const line0 = (s: string) => s.startsWith('batch ');
const ROOT = resolve(import.meta.dirname, '../..');
const CHILD = join(ROOT, 'test/io/resume-child.ts');
// `node --import tsx` runs the script in this very process, so SIGKILL hits the trainer itself (the tsx CLI would fork).
const NODE_ARGS = ['--import', 'tsx', CHILD];

function runChild(mode: string, out: string, backend: string): Promise<void> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...NODE_ARGS, mode, out, backend], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`${mode} child exited with ${code}`))));
  });
}

/** Starts a slow training child and sends `signal` once it reports batch `killAt` of epoch 1; resolves with its last line. */
function runAndSignal(out: string, backend: string, killAt: number, signal: 'SIGKILL' | 'SIGINT' = 'SIGKILL'): Promise<{ last: string; code: number | null }> {
  const mode = signal === 'SIGKILL' ? 'killable' : 'interruptible';
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [...NODE_ARGS, mode, out, backend], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    let last = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        last = line;
        if (line === `batch 1 ${killAt}`) child.kill(signal);
      }
    });
    child.on('exit', (code, got) => {
      if (line0(last) && (got === 'SIGKILL' || code === 130)) done({ last, code });
      else fail(new Error(`child exited with ${code ?? got} before it was stopped`));
    });
  });
}

describe.each(['js', 'wasm'])('SIGKILL mid-epoch, then resume (%s backend)', (backend) => {
  it('ends with bit-identical weights to an uninterrupted run', async () => {
    const base = await mkdtemp(join(tmpdir(), `gb-kill-${backend}-`));
    const [uninterrupted, killed] = [join(base, 'full'), join(base, 'killed')];
    const reference = runChild('full', uninterrupted, backend);
    const { last } = await runAndSignal(killed, backend, 10);
    await reference;
    expect(last.startsWith('batch 1 ')).toBe(true);
    const ckpt = await loadCheckpoint(join(killed, 'checkpoint'));
    // Killed during epoch 1, after at least the checkpoint at batch 7 (every 4 batches), before the run ended.
    expect(ckpt.state.epoch).toBe(1);
    expect(ckpt.state.batch).toBeGreaterThanOrEqual(7);
    await runChild('resume', killed, backend);
    const expected = await loadModel(join(uninterrupted, 'final'));
    const resumed = await loadModel(join(killed, 'final'));
    expect(weightBits(resumed)).toEqual(weightBits(expected));
  }, 30_000);
});

describe('Ctrl-C during training', () => {
  it('saves a checkpoint after the current batch, exits 130, and the run resumes to the same weights', async () => {
    const base = await mkdtemp(join(tmpdir(), 'gb-int-'));
    const [uninterrupted, stopped] = [join(base, 'full'), join(base, 'stopped')];
    const reference = runChild('full', uninterrupted, 'js');
    const { code } = await runAndSignal(stopped, 'js', 6, 'SIGINT');
    await reference;
    expect(code).toBe(130);
    const ckpt = await loadCheckpoint(join(stopped, 'checkpoint'));
    expect(ckpt.state.reason).toBe('interrupt');
    expect(ckpt.state.epoch).toBe(1);
    expect(ckpt.state.batch).toBeGreaterThanOrEqual(6);
    await runChild('resume', stopped, 'js');
    expect(weightBits(await loadModel(join(stopped, 'final')))).toEqual(weightBits(await loadModel(join(uninterrupted, 'final'))));
  }, 30_000);
});
