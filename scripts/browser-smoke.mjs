// Builds test/browser with Vite, serves it on 127.0.0.1 and runs it in headless Chromium (playwright-core):
// glassbox's browser entry must load, pick the wasm backend and train a small model in the page.
// Usage: npm run test:browser   (needs Debian's chromium: apt-get install chromium)
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { build } from 'vite';
import { chromium } from 'playwright-core';

const root = join(import.meta.dirname, '..', 'test', 'browser');
const outDir = join(root, '..', '.generated', 'browser');
await build({ root, logLevel: 'warn', build: { outDir, emptyOutDir: true } });

const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
const server = createServer(async (req, res) => {
  const path = normalize(join(outDir, new URL(req.url, 'http://x').pathname === '/' ? 'index.html' : new URL(req.url, 'http://x').pathname));
  if (!path.startsWith(outDir) || !existsSync(path)) return void res.writeHead(404).end();
  res.writeHead(200, { 'content-type': types[extname(path)] ?? 'application/octet-stream' }).end(await readFile(path));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${server.address().port}/`;

const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
const browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
let failed = false;
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => {
    failed = true;
    console.error('page error:', e.stack);
  });
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('out')?.textContent !== 'running', null, { timeout: 60_000 });
  const text = await page.textContent('#out');
  console.log('browser:', text);
  const m = /backend=(\w+) acc=([\d.]+)/.exec(text ?? '');
  if (!m || m[1] !== 'wasm' || Number(m[2]) < 0.9) failed = true;
} finally {
  await browser.close();
  server.close();
}
console.log(failed ? '0 passed, 1 failed' : '1 passed, 0 failed');
process.exit(failed ? 1 : 0);
