// Redis connections for the queue: URL checks (redis://, rediss:// for TLS, passwords), a fast first probe, clear errors.

import type { Redis, RedisOptions } from 'ioredis';

/** How long the first connection may take before the command gives up with a message. */
const CONNECT_TIMEOUT_MS = 5000;

/** Checks a Redis URL and returns it; throws a one-line message naming the problem and the form that works. */
export function checkRedisUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`--redis ${url}: not a URL; use redis://HOST:PORT (password: redis://:PASSWORD@HOST:PORT, TLS: rediss://...)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') {
    throw new Error(`--redis ${redactUrl(url)}: the scheme must be redis:// or rediss:// (TLS), got ${u.protocol}//`);
  }
  if (!u.hostname) throw new Error(`--redis ${redactUrl(url)}: no host; use redis://HOST:PORT`);
  if (u.pathname.length > 1 && !/^\/\d{1,2}$/.test(u.pathname)) {
    throw new Error(`--redis ${redactUrl(url)}: the path must be a database number (redis://HOST:PORT/0), got ${u.pathname}`);
  }
  return url;
}

/** The URL with its password replaced by ***, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

/**
 * A connected client. `blocking` clients (workers, event listeners) retry commands forever while Redis is away,
 * as BullMQ requires; the others fail a command after a few retries so a submitting command can report it.
 */
export async function connectRedis(url: string, opts: { blocking?: boolean } = {}): Promise<Redis> {
  checkRedisUrl(url);
  const { Redis } = await import('ioredis');
  await probe(Redis, url);
  const options: RedisOptions = {
    maxRetriesPerRequest: opts.blocking ? null : 3,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(200 * times, 2000),
  };
  const client = new Redis(url, options);
  // Connection errors are reported by the commands that fail; the client itself keeps reconnecting.
  client.on('error', () => {});
  return client;
}

/** One connection attempt without retries, so a wrong address or password fails at once with a message. */
async function probe(RedisClass: typeof Redis, url: string): Promise<void> {
  const client = new RedisClass(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS });
  // The error event carries the server's reason (WRONGPASS, ECONNREFUSED); the rejected promise often only 'Connection is closed'.
  let reason: Error | null = null;
  client.on('error', (e: Error) => (reason ??= e));
  try {
    await client.connect();
    await client.ping();
  } catch (e) {
    throw new Error(`cannot use Redis at ${redactUrl(url)}: ${explainConnectError(reason ?? (e as Error))}`);
  } finally {
    client.disconnect();
  }
}

function explainConnectError(e: Error): string {
  const m = e.message;
  if (/NOAUTH|WRONGPASS|invalid password|invalid username/i.test(m)) return `${m}; give the password in the URL: redis://:PASSWORD@HOST:PORT (or redis://USER:PASSWORD@...)`;
  if (/ECONNREFUSED|ENOTFOUND|ETIMEDOUT|timeout|EHOSTUNREACH|Connection is closed/i.test(m)) {
    return `${m}; is redis-server running there? (start one: redis-server --port 6379 --save '' --appendonly no)`;
  }
  if (/certificate|SSL|TLS|EPROTO/i.test(m)) return `${m}; for TLS use rediss:// and trust the server's CA (NODE_EXTRA_CA_CERTS=ca.pem)`;
  return m;
}
