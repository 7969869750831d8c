import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

// The budget of issue #8: at most 200 KB of gzipped JavaScript on first load — every script index.html loads
// (the entry and its preloaded chunks; lazily loaded pages such as admin are not part of the first load).
const dist = join(import.meta.dirname, '..', 'dist');
const BUDGET = 200 * 1024;

describe.skipIf(!existsSync(join(dist, 'index.html')))('bundle (npm run build first)', () => {
  it('loads at most 200 KB of gzipped JavaScript first', () => {
    const html = readFileSync(join(dist, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/<(?:script[^>]+src|link[^>]+rel="modulepreload"[^>]+href)="([^"]+\.js)"/g)].map((m) => m[1]);
    expect(scripts.length).toBeGreaterThan(0);
    const bytes = scripts.reduce((sum, src) => sum + gzipSync(readFileSync(join(dist, src))).length, 0);
    console.log(`first-load JavaScript: ${(bytes / 1024).toFixed(1)} KB gzipped (${scripts.join(', ')})`);
    expect(bytes).toBeLessThanOrEqual(BUDGET);
  });
});
