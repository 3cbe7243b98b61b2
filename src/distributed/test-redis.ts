// For tests: a real redis-server on a free local port (no persistence), started and stopped by the test.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

export interface TestRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
  /** Stops and starts the server on the same port; it comes back empty (no persistence). */
  restart(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

function launch(port: number, extra: string[], tls: boolean): Promise<ChildProcess> {
  const ports = tls ? ['--port', '0', '--tls-port', String(port)] : ['--port', String(port)];
  const child = spawn('redis-server', [...ports, '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start on port ${port}: ${out}`)), 10_000);
    child.on('error', (e) => reject(new Error(`cannot run redis-server (${e.message}); install it: apt-get install redis-server`)));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.on('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${out}`)));
  });
}

function halt(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** Starts redis-server; `extra` are more server flags (e.g. ['--requirepass', 'secret']); `tls` serves TLS only. */
export async function startTestRedis(extra: string[] = [], auth = '', tls = false): Promise<TestRedis> {
  const port = await freePort();
  let child = await launch(port, extra, tls);
  return {
    url: `${tls ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}`,
    port,
    stop: () => halt(child),
    async restart() {
      await halt(child);
      child = await launch(port, extra, tls);
    },
  };
}

/** A throwaway CA and a certificate for 127.0.0.1 it signed (openssl), for a TLS-only test server. */
export function testCertificates(dir: string): { ca: string; cert: string; key: string } {
  const f = (name: string) => join(dir, name);
  const run = (args: string[]) => {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr}`);
  };
  run(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=test-ca', '-keyout', f('ca.key'), '-out', f('ca.pem')]);
  run(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server.key'), '-out', f('server.csr')]);
  writeFileSync(f('san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-days', '1', '-extfile', f('san.ext'), '-out', f('server.pem')]);
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server.key') };
}

const ROOT = new URL('../..', import.meta.url).pathname;
/** `node --import tsx` runs the CLI in this very process, so a signal reaches the worker itself. */
const CLI = ['--import', 'tsx', `${ROOT}src/cli/main.ts`];

export interface TestProcess {
  child: ChildProcess;
  /** Everything written to stderr so far. */
  log(): string;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Resolves once stderr from offset `from` on contains `text` (rejects after `ms`). */
  waitFor(text: string | RegExp, ms?: number, from?: number): Promise<void>;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
}

/** Runs `glassbox ...args` from source, collecting stderr; `env` adds environment variables. */
export function glassboxProcess(args: string[], env: Record<string, string> = {}): TestProcess {
  const child = spawn(process.execPath, [...CLI, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let err = '';
  const waiters: (() => void)[] = [];
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    waiters.forEach((w) => w());
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string>((r) => child.on('exit', (code, signal) => r(code ?? signal ?? -1)));
  return {
    child,
    log: () => err,
    stdout: () => out,
    exited,
    waitFor(text, ms = 60_000, from = 0) {
      const hit = () => (typeof text === 'string' ? err.slice(from).includes(text) : text.test(err.slice(from)));
      return new Promise((resolve, reject) => {
        if (hit()) return resolve();
        const timer = setTimeout(() => reject(new Error(`no '${text}' within ${ms} ms; stderr so far:\n${err}`)), ms);
        waiters.push(() => hit() && (clearTimeout(timer), resolve()));
        void exited.then(() => !hit() && (clearTimeout(timer), reject(new Error(`exited before '${text}'; stderr:\n${err}`))));
      });
    },
  };
}

/** A `glassbox worker` process, ready once it says it waits for jobs. */
export async function startTestWorker(url: string, extra: string[] = [], env: Record<string, string> = {}): Promise<TestProcess> {
  const p = glassboxProcess(['worker', '--redis', url, '--lock-seconds', '2', ...extra], env);
  await p.waitFor('waiting for jobs');
  return p;
}

/** SIGTERM (or `signal`) and wait for the exit. */
export async function stopProcess(p: TestProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | string> {
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  return p.exited;
}
