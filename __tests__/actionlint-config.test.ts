/**
 * .github/actionlint.yaml declares every self-hosted runner label that a workflow of the project
 * or an example uses, so actionlint reports none of them as unknown.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { asWorkflow, yamlBlocks } from '../scripts/lint-workflows.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');

function workflows(): { name: string; content: string }[] {
  const files = ['.github/workflows', 'examples/workflows'].flatMap((dir) =>
    readdirSync(path.join(ROOT, dir))
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => `${dir}/${f}`),
  );
  return [
    ...files.map((name) => ({ name, content: read(name) })),
    ...yamlBlocks('README.md', read('README.md')).map((b) => ({
      ...b,
      content: asWorkflow(b.content),
    })),
  ];
}

/** The labels of `runs-on: [self-hosted, ...]`: those actionlint cannot know. */
function selfHostedLabels(content: string): string[] {
  const jobs = ((parse(content) as { jobs?: unknown }).jobs ?? {}) as Record<
    string,
    { 'runs-on'?: unknown }
  >;
  return Object.values(jobs).flatMap((job) => {
    const runsOn = job['runs-on'];
    const labels = (Array.isArray(runsOn) ? runsOn : [runsOn]).filter(
      (l): l is string => typeof l === 'string',
    );
    return labels.includes('self-hosted') ? labels.filter((l) => l !== 'self-hosted') : [];
  });
}

describe('.github/actionlint.yaml', () => {
  it('declares every self-hosted runner label the workflows and examples use', () => {
    const config = parse(read('.github/actionlint.yaml')) as {
      'self-hosted-runner'?: { labels?: string[] };
    };
    const declared = new Set(config['self-hosted-runner']?.labels ?? []);
    const used = workflows().flatMap((w) =>
      selfHostedLabels(w.content).map((label) => ({ label, where: w.name })),
    );
    expect(used.length).toBeGreaterThan(0);
    expect(used.filter((u) => !declared.has(u.label))).toEqual([]);
  });
});
