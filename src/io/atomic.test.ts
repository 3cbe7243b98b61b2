import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, readdir, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.js';

describe('writeFileAtomic', () => {
  it('creates folders, replaces the file and leaves no temp files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gb-atomic-'));
    const path = join(dir, 'sub', 'model.json');
    await writeFileAtomic(path, 'one');
    await writeFileAtomic(path, new Uint8Array([116, 119, 111]));
    expect(await readFile(path, 'utf8')).toBe('two');
    expect(await readdir(join(dir, 'sub'))).toEqual(['model.json']);
  });

  it('keeps the old file and cleans up when the write fails', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gb-atomic-'));
    const path = join(dir, 'model.json');
    await writeFile(path, 'good');
    // Renaming a file over a folder fails: the old content must survive.
    await expect(writeFileAtomic(dir, 'x')).rejects.toThrow();
    expect(await readFile(path, 'utf8')).toBe('good');
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    if (process.getuid?.() !== 0) {
      await chmod(dir, 0o500);
      await expect(writeFileAtomic(path, 'bad')).rejects.toThrow();
      await chmod(dir, 0o700);
      expect(await readFile(path, 'utf8')).toBe('good');
    }
  });
});
