import './test-relaxed-simd.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Queue } from 'bullmq';
import '../backend/js/index.js';
import '../backend/wasm/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Dense } from '../nn/dense.js';
import { sequential, type Sequential } from '../train/sequential.js';
import { Rng, setSeed } from '../util/random.js';
import { runExplainer } from '../explain/run.js';
import { saveModel } from '../io/save-load.js';
import { distributed } from './explain-distributed.js';
import { glassboxProcess, startTestRedis, startTestWorker, stopProcess, testCertificates, type TestProcess, type TestRedis } from './test-redis.js';

const M = 64;
function smallModel(inputs = M): Sequential {
  setSeed(5);
  return sequential({ layers: [new Dense({ units: 32, activation: 'relu', inputShape: [inputs] }), new Dense({ units: 3, activation: 'softmax' })] });
}
function rows(n: number, seed: number, width = M): Tensor {
  const rng = new Rng(seed);
  return new Tensor(Float32Array.from({ length: n * width }, () => rng.normal()), [n, width]);
}
const json = (e: { toJSON(): unknown }) => JSON.stringify(e.toJSON());
/** A client of the test's own (BullMQ does not close connections it was given); disconnected after the tests. */
const clients: Redis[] = [];
function client(url: string, blocking = false): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: blocking ? null : 1 });
  r.on('error', () => {});
  clients.push(r);
  return r;
}
/** Jobs of the queue not finished yet, once the count settles at 0 (a failing job is 'active' until BullMQ moves it). */
async function queued(url: string): Promise<number> {
  const q = new Queue('glassbox', { connection: client(url) });
  let n = -1;
  for (let tries = 0; tries < 50 && n !== 0; tries++) {
    if (tries > 0) await new Promise((r) => setTimeout(r, 100));
    n = Object.values(await q.getJobCounts('wait', 'delayed', 'active', 'prioritized')).reduce((a, b) => a + b, 0);
  }
  await q.close();
  return n;
}
async function runKeys(url: string): Promise<string[]> {
  return client(url).keys('glassbox:*:run:*');
}

describe('distributed explanations on a real redis-server', () => {
  let redis: TestRedis;
  const workers: TestProcess[] = [];
  const model = smallModel();
  const x = rows(9, 1);
  const background = rows(30, 2);

  beforeAll(async () => {
    redis = await startTestRedis();
    workers.push(await startTestWorker(redis.url));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    clients.forEach((c) => c.disconnect());
    await redis?.stop();
  });

  it('gives exactly the local result with 1 worker and with 3, whatever the shard size', async () => {
    const opts = { background, seed: 7, nSamples: 500 };
    const local = await runExplainer('kernel-shap', model, x, opts);
    const one = await distributed('kernel-shap', model, x, { ...opts, redis: redis.url, shardRows: 4 });
    expect(json(one)).toBe(json(local));
    // One more worker with the default threads, one with a single thread: a row's numbers do not depend on threads.
    workers.push(...(await Promise.all([startTestWorker(redis.url), startTestWorker(redis.url, ['--threads', '1'])])));
    const before = workers.map((w) => (w.log().match(/done in/g) ?? []).length);
    const progress: number[] = [];
    const three = await distributed('kernel-shap', model, x, { ...opts, redis: redis.url, shardRows: 2, onProgress: (p) => progress.push(p.done) });
    expect(json(three)).toBe(json(local));
    const busy = workers.filter((w, i) => (w.log().match(/done in/g) ?? []).length > before[i]);
    expect(busy.length).toBeGreaterThanOrEqual(2);
    expect(progress[progress.length - 1]).toBe(9);
    // Another method through the same path: sampling SHAP, one row per shard.
    const sampled = { background, seed: 3, nPermutations: 8 };
    expect(json(await distributed('sampling-shap', model, x, { ...sampled, redis: redis.url, shardRows: 1 }))).toBe(json(await runExplainer('sampling-shap', model, x, sampled)));
  });

  it('a worker SIGKILLed mid-shard loses nothing: the shard is retried elsewhere and the result is identical', async () => {
    const opts = { background, seed: 11, nSamples: 3000 };
    const xs = rows(18, 4);
    const local = await runExplainer('kernel-shap', model, xs, opts);
    const seen = workers.map((w) => w.log().length);
    const run = distributed('kernel-shap', model, xs, { ...opts, redis: redis.url, shardRows: 6 });
    // The first worker to start a shard of this run is killed while it works on it.
    const victim = await Promise.race(workers.map((w, i) => w.waitFor('started', 30_000, seen[i]).then(() => w)));
    await new Promise((r) => setTimeout(r, 200));
    victim.child.kill('SIGKILL');
    const result = await run;
    expect(json(result)).toBe(json(local));
    expect(victim.log().slice(seen[workers.indexOf(victim)])).not.toMatch(/done in/);
    expect(workers.some((w) => w !== victim && /stalled|attempt 2/.test(w.log()))).toBe(true);
    workers.splice(workers.indexOf(victim), 1);
  });

  it('rejects malformed and oversized payloads with a message, without retrying them', async () => {
    const q = new Queue('glassbox', { connection: client(redis.url) });
    const bad = [
      { data: { runId: '../../etc', shard: 0, start: 0, end: 1, rows: 'x', predictions: '' }, message: /runId/ },
      { data: { runId: 'abcdefgh-1', shard: 0, start: 0, end: 1, rows: 'a'.repeat(64), predictions: '', extra: 1 }, message: /unknown field 'extra'/ },
      { data: { runId: 'abcdefgh-1', shard: 0, start: 0, end: 1, rows: 'a'.repeat(64), predictions: 'A'.repeat(5_000_000) }, message: /over 4194304 bytes/ },
      { data: { runId: 'abcdefgh-1', shard: 0, start: 0, end: 1, rows: 'a'.repeat(64), predictions: '' }, message: /gone from Redis/ },
    ];
    const jobs = await Promise.all(bad.map((b, i) => q.add('explain-shard', b.data, { jobId: `bad-${i}`, attempts: 3 })));
    const events = await import('bullmq').then(({ QueueEvents }) => new QueueEvents('glassbox', { connection: client(redis.url, true) }));
    for (const [i, job] of jobs.entries()) {
      await expect(job.waitUntilFinished(events, 20_000)).rejects.toThrow(bad[i].message);
      const done = await q.getJob(job.id!);
      expect(done!.attemptsMade).toBe(1);
    }
    await events.close();
    await q.close();
    // The submitting side refuses what cannot travel before anything is queued.
    await expect(distributed('kernel-shap', model, x, { background, redis: redis.url, shard: { firstRow: 0 } })).rejects.toThrow(/option 'shard' cannot be sent/);
    await expect(distributed('lime', model, x, { background, redis: redis.url })).rejects.toThrow(/lime does not distribute yet/);
    await expect(distributed('kernel-shap', (t: Tensor) => t, x, { background, redis: redis.url })).rejects.toThrow(/must be a glassbox model/);
  });

  it('Ctrl-C on explain --redis removes the queued jobs and stops the shard being worked on', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gb-dist-'));
    const mnistModel = smallModel(784);
    mnistModel.metadata = { dataset: 'mnist', imageShape: [28, 28] };
    await saveModel(mnistModel, dir);
    const worker = workers[0];
    const seen = worker.log().length;
    const submit = glassboxProcess(['explain', '--model', dir, '--data', 'mnist', '--rows', '0:12', '--patch', '2', '--samples', '20000', '--shard-rows', '1', '--format', 'none', '--redis', redis.url]);
    await submit.waitFor('on workers');
    for (const w of workers.slice(1)) await stopProcess(w);
    workers.splice(1);
    await worker.waitFor('started', 60_000, seen);
    submit.child.kill('SIGINT');
    expect(await submit.exited).toBe(130);
    expect(submit.log()).toMatch(/Interrupted: cancelled; the run's queued jobs were removed/);
    await worker.waitFor(/run cancelled or gone from Redis/, 10_000, seen);
    expect(await queued(redis.url)).toBe(0);
    expect(await runKeys(redis.url)).toEqual([]);
  });

  it('a Redis restart that loses the run is a clear error, never a partial result', async () => {
    const seen = workers[0].log().length;
    const run = distributed('kernel-shap', model, rows(40, 9), { background, seed: 1, nSamples: 3000, redis: redis.url, shardRows: 2 });
    const failed = expect(run).rejects.toThrow(/Redis no longer holds this run|Redis lost/);
    await workers[0].waitFor('started', 60_000, seen);
    await redis.restart();
    await failed;
  });
});

describe('Redis URLs with a password', () => {
  it('names a wrong password in one line; with the right one a run works', async () => {
    const redis = await startTestRedis(['--requirepass', 'sesame'], ':sesame@');
    try {
      const model = smallModel(6);
      const x = rows(3, 1, 6);
      const background = rows(10, 2, 6);
      const wrong = redis.url.replace('sesame', 'nope');
      await expect(distributed('exact-shapley', model, x, { background, redis: wrong })).rejects.toThrow(/redis:\/\/:\*\*\*@127\.0\.0\.1:\d+: WRONGPASS.*give the password in the URL/);
      const { startWorker } = await import('./worker.js');
      const worker = await startWorker({ redis: redis.url, log: () => {} });
      try {
        const local = await runExplainer('exact-shapley', model, x, { background });
        expect(json(await distributed('exact-shapley', model, x, { background, redis: redis.url }))).toBe(json(local));
      } finally {
        await worker.stop();
      }
    } finally {
      await redis.stop();
    }
  });
});

describe('Redis over TLS (rediss://)', () => {
  it('works with the server\'s CA trusted (NODE_EXTRA_CA_CERTS), and says what to do without it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gb-tls-'));
    const c = testCertificates(dir);
    const redis = await startTestRedis(['--tls-cert-file', c.cert, '--tls-key-file', c.key, '--tls-ca-cert-file', c.ca, '--tls-auth-clients', 'no'], '', true);
    const env = { NODE_EXTRA_CA_CERTS: c.ca };
    let worker: TestProcess | null = null;
    try {
      await expect(distributed('exact-shapley', smallModel(6), rows(2, 1, 6), { background: rows(5, 2, 6), redis: redis.url })).rejects.toThrow(/cannot use Redis at rediss:.*trust the server's CA \(NODE_EXTRA_CA_CERTS=ca.pem\)/);
      const model = smallModel(784);
      model.metadata = { dataset: 'mnist', imageShape: [28, 28] };
      await saveModel(model, join(dir, 'model'));
      const args = ['explain', '--model', join(dir, 'model'), '--data', 'mnist', '--rows', '0:4', '--patch', '7', '--samples', '300', '--format', 'none', '--json'];
      const local = glassboxProcess([...args, '--out', join(dir, 'local.html')]);
      worker = await startTestWorker(redis.url, [], env);
      const remote = glassboxProcess([...args, '--out', join(dir, 'remote.html'), '--redis', redis.url, '--shard-rows', '3'], env);
      expect(await remote.exited).toBe(0);
      expect(await local.exited).toBe(0);
      const result = (p: TestProcess) => JSON.parse(p.stdout().trim().split('\n').pop()!);
      const [a, b] = [result(local), result(remote)];
      delete a.report;
      delete b.report;
      expect(b).toEqual(a);
    } finally {
      if (worker) await stopProcess(worker);
      await redis.stop();
    }
  });
});
