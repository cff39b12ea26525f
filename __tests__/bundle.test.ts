/**
 * The bundle (`npm run build` first): only what runs is in it, and its licence list names exactly
 * the packages bundled.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HttpClient } from '../src/action/shims/http-client.js';

const dist = path.resolve(import.meta.dirname, '..', 'dist');
const read = (file: string): string => readFileSync(path.join(dist, file), 'utf8');

describe('dist/index.js', () => {
  it('leaves out the HTTP client and undici, which only getIDToken would use', () => {
    const bundle = read('index.js');
    // The stand-in itself is dropped too (webpack sees getIDToken unused); size tells the story.
    expect(bundle.length).toBeLessThan(400_000);
    expect(bundle).not.toMatch(/undici|tunnel-agent|class ProxyAgent/);
    // No source-map-register: it cost more start-up than the action; the maps stay for Node.
    expect(bundle).not.toContain('sourcemap-register');
  });

  it('lists the licence of each bundled package and of no other', () => {
    const names = [...read('licenses.txt').matchAll(/^(@?[a-z0-9-]+(?:\/[a-z0-9-]+)?)$/gm)].map(
      (m) => m[1],
    );
    expect(names).toEqual([
      '@actions/core',
      '@actions/exec',
      '@actions/http-client',
      '@actions/io',
      'ini',
    ]);
  });
});

describe('the @actions/http-client stand-in', () => {
  it('says so when anything asks it for a client', () => {
    expect(() => new HttpClient()).toThrow(/not bundled/);
  });
});
