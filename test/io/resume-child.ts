// Child process for the SIGKILL-and-resume test: trains a small model, optionally slowly (to be killed), or resumes.
// Usage: node --import tsx test/io/resume-child.ts <full|killable|interruptible|resume> <outDir> <js|wasm>

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import '../../src/backend/js/index.js';
import '../../src/backend/wasm/index.js';
import { setBackend } from '../../src/backend/backend.js';
import { Callback } from '../../src/train/callbacks.js';
import { installInterruptCheckpoint, modelCheckpoint, resumeTraining, saveModel } from '../../src/io/index.js';
import { smallClassifier, toyData } from '../../src/io/test-models.js';

const [mode, out, backend] = process.argv.slice(2);
setBackend(backend);
mkdirSync(out, { recursive: true });
const { x, y } = toyData(200);
const FIT = { epochs: 3, batchSize: 8, verbose: 0 } as const; // 25 batches per epoch
const checkpointDir = join(out, 'checkpoint');

/** Reports progress on stdout and (in killable mode) sleeps a little per batch so the parent can kill mid-epoch. */
class Progress extends Callback {
  private epoch = 0;
  onEpochBegin(epoch: number): void {
    this.epoch = epoch;
  }
  async onBatchEnd(batch: number): Promise<void> {
    process.stdout.write(`batch ${this.epoch} ${batch}\n`);
    if (mode !== 'full') await new Promise((r) => setTimeout(r, 15));
  }
}

async function main(): Promise<void> {
  const checkpoint = modelCheckpoint({ dir: checkpointDir, everyBatches: 4 });
  if (mode === 'resume') {
    const { model } = await resumeTraining(checkpointDir, x, y, { ...FIT, callbacks: [checkpoint] });
    await saveModel(model, join(out, 'final'));
  } else {
    const model = smallClassifier(42);
    model.compile({ optimizer: { name: 'adam', learningRate: 0.01 }, loss: 'sparseCategoricalCrossentropy' });
    const interrupt = mode === 'interruptible' ? installInterruptCheckpoint(checkpoint, undefined, { onSignal: () => undefined }) : null;
    await model.fit(x, y, { ...FIT, callbacks: [checkpoint, new Progress()] });
    if (interrupt?.interrupted) process.exit(130);
    await saveModel(model, join(out, 'final'));
  }
  process.stdout.write('done\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack}\n`);
  process.exit(1);
});
