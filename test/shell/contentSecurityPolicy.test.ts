// The desktop window's Content-Security-Policy: what it allows, and that the renderer as built
// (dist/renderer, `npm run build`) runs under it: no inline script and nothing loaded from elsewhere.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DESKTOP_CONTENT_SECURITY_POLICY } from '../../electron/shell/contentSecurityPolicy';

const rendererDir = path.resolve(import.meta.dirname, '..', '..', 'dist', 'renderer');
const directives = new Map(DESKTOP_CONTENT_SECURITY_POLICY.split('; ').map((entry) => {
  const [name = '', ...values] = entry.split(' ');
  return [name, values] as const;
}));

describe('the Content-Security-Policy', () => {
  it('denies by default and lets scripts come only from the app itself', () => {
    expect(directives.get('default-src')).toEqual(["'none'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(DESKTOP_CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-eval|wasm-unsafe-eval|strict-dynamic|\*|https?:|ws:|blob:/);
  });

  it('connects nowhere and allows no frame, object, worker, form target or base', () => {
    for (const name of ['connect-src', 'object-src', 'frame-src', 'child-src', 'worker-src', 'frame-ancestors', 'form-action', 'base-uri', 'media-src', 'manifest-src']) {
      expect(directives.get(name), name).toEqual(["'none'"]);
    }
  });

  it('allows inline styles only (xterm.js and recharts write them), images and fonts from the app or data: URLs', () => {
    expect(directives.get('style-src')).toEqual(["'self'", "'unsafe-inline'"]);
    expect(directives.get('img-src')).toEqual(["'self'", 'data:']);
    expect(directives.get('font-src')).toEqual(["'self'", 'data:']);
  });

  it('fits the built renderer: every script is a file of its own, every reference relative', async () => {
    const html = await readFile(path.join(rendererDir, 'index.html'), 'utf8').catch(() => {
      throw new Error(`no ${rendererDir}/index.html: run npm run build first`);
    });
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBeGreaterThan(0);
    for (const [, attributes = '', body = ''] of scripts) {
      expect(body.trim(), 'inline script').toBe('');
      expect(attributes).toMatch(/\bsrc="\.\/assets\/[^"]+\.js"/);
    }
    expect(html).not.toMatch(/\bon[a-z]+=/i);
    expect(html).not.toMatch(/(src|href)="(https?:|\/\/|\/)/);
    const assets = await readdir(path.join(rendererDir, 'assets'));
    for (const [, src] of html.matchAll(/(?:src|href)="\.\/assets\/([^"]+)"/g)) expect(assets).toContain(src);
  });
});
