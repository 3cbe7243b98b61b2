// Vega-Lite specs compiled and rendered to SVG in Node (no browser, no network), and HTML escaping.

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** Renders a Vega-Lite spec to an SVG string (Vega escapes every text it draws). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vgSpec = compile(spec).spec;
  const view = new vega.View(vega.parse(vgSpec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Accessibility labels repeat each mark's data; dropping them keeps image reports small.
    return svg.replace(/ aria-(?:label|roledescription)="[^"]*"/g, '').replace(/ role="graphics-symbol"/g, '');
  } finally {
    view.finalize();
  }
}
