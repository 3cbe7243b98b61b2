// End-to-end: the CNN preset on a slice of MNIST, explained by every CNN-specific method through the CLI.

import { describe, expect, it, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { glassbox } from './cli-run.js';

describe('glassbox CLI on the CNN preset', () => {
  const dir = mkdtempSync(join(tmpdir(), 'glassbox-cnn-'));
  const out = join(dir, 'cnn');
  let convLayers: string[] = [];

  beforeAll(() => {
    const r = glassbox('train', '--data', 'mnist', '--arch', 'cnn', '--train-limit', '600', '--test-limit', '40', '--epochs', '1', '--seed', '2', '--out', out, '--json', '--explain');
    expect(r.code, r.stderr).toBe(0);
    // --explain on a conv net: DeepSHAP, integrated gradients and Grad-CAM, one row per digit in the report.
    expect(r.stderr).toMatch(/deep-shap: 5 rows in/);
    const report = readFileSync(join(out, 'report.html'), 'utf8');
    expect((report.match(/<div class="digit">/g) ?? []).length).toBe(5);
    expect(report).toMatch(/Grad-CAM \(1 = /);
    const saved = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8')) as { modelConfig: { layers: { className: string; config: { name: string } }[] } };
    const layers = saved.modelConfig.layers;
    convLayers = layers.filter((l) => l.className === 'Conv2D').map((l) => l.config.name);
    expect(convLayers.length).toBe(2);
  }, 180_000);

  it('grad-cam, occlusion, layer-integrated-gradients and deep-shap explain rows and write reports', () => {
    const cam = glassbox('explain', '--model', out, '--method', 'grad-cam', '--rows', '0:2', '--out', join(dir, 'cam.html'), '--json');
    expect(cam.code, cam.stderr).toBe(0);
    expect(cam.last().shape).toEqual([2, 784, 10]);
    expect(readFileSync(join(dir, 'cam.html'), 'utf8')).toMatch(/Grad-CAM \(1 = /);
    const occ = glassbox('explain', '--model', out, '--method', 'occlusion', '--rows', '0', '--window', '7', '--out', join(dir, 'occ.html'), '--json');
    expect(occ.code, occ.stderr).toBe(0);
    expect(occ.last().diagnostics.windowsPerRow).toBe(16);
    const lig = glassbox('explain', '--model', out, '--method', 'layer-integrated-gradients', '--layer', convLayers[1], '--rows', '0', '--steps', '32', '--out', join(dir, 'lig.html'), '--json');
    expect(lig.code, lig.stderr).toBe(0);
    expect(lig.last().shape).toEqual([1, 8 * 8 * 32, 10]);
    const noLayer = glassbox('explain', '--model', out, '--method', 'layer-integrated-gradients', '--rows', '0', '--out', join(dir, 'x.html'));
    expect(noLayer.code).toBe(1);
    expect(noLayer.stderr).toMatch(/needs --layer <name>; this model's layers: .*conv2d/);
    const deep = glassbox('explain', '--model', out, '--method', 'deep-shap', '--rows', '0', '--background', '10', '--out', join(dir, 'deep.html'), '--json');
    expect(deep.code, deep.stderr).toBe(0);
    expect(deep.last().diagnostics.additivityGap).toBeLessThan(1e-4);
  }, 180_000);
});
