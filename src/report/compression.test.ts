// The report's compression section: the trade-off table, the explanation shift and its chart, every string escaped.

import { describe, expect, it } from 'vitest';
import { buildReportHtml } from './index.js';

describe('compression section', () => {
  it('shows the table, the rank correlation and a chart of both models\' importances, escaping user strings', async () => {
    const html = await buildReportHtml({
      explanations: [],
      compression: {
        technique: 'int8 <script>alert(1)</script>',
        table: [['', 'accuracy'], ['before', '97.57%'], ['after', '97.48%'], ['change', '-0.09 pt']],
        notes: ['timed in one process'],
        shift: { method: 'permutation-importance', names: ['r0c0', 'r<4>c4'], before: [0.1, 0.02], after: [0.09, 0.03], spearman: 1, topOverlap: 1, k: 2, rows: 100 },
      },
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('Compression — int8 &lt;script&gt;');
    expect(html).toContain('<td>-0.09 pt</td>');
    expect(html).toContain('Spearman rank correlation of the two models&#39; importances 1.000');
    expect(html).toContain('2 of the original&#39;s top 2 inputs');
    expect(html).toMatch(/<svg[\s\S]*r&lt;4&gt;c4/);
  });
});
