/**
 * The bundle (`npm run build` first): only what runs is in it, and its licence list names exactly
 * the packages bundled.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { getExecOutput } from '../src/action/shims/exec.js';
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

  it('leaves out @actions/exec and @actions/io, and loads node:v8 and node:vm only when needed', () => {
    const bundle = read('index.js');
    // Only platform.getDetails would use them; they load Node's assert at every start.
    expect(bundle).not.toMatch(/@actions\/io|\("assert"\)|\("node:assert"\)/);
    expect(bundle).not.toMatch(/\("node:v8"\)|\("node:vm"\)/);
  });

  it('lists the licence of each bundled package and of no other', () => {
    const names = [...read('licenses.txt').matchAll(/^(@?[a-z0-9-]+(?:\/[a-z0-9-]+)?)$/gm)].map(
      (m) => m[1],
    );
    expect(names).toEqual(['@actions/core', '@actions/http-client', 'ini']);
  });
});

describe('the @actions/http-client and @actions/exec stand-ins', () => {
  it('say so when anything asks them for a client or a process', () => {
    expect(() => new HttpClient()).toThrow(/not bundled/);
    expect(() => getExecOutput()).toThrow(/not bundled/);
  });
});
