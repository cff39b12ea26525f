/** The workflow lint refuses an `npm run X` for a script package.json lacks (GitHub fails it). */
import { describe, expect, it } from 'vitest';
import { lintWorkflow, missingScripts } from '../scripts/lint-workflows.js';

const scripts = { test: 'vitest', lint: 'eslint', 'docs:check': 'vitest docs' };

describe('missingScripts', () => {
  it('names each npm script that does not exist', () => {
    expect(missingScripts('npm run docs:check && npm run nope', scripts)).toEqual([
      "runs 'npm run nope', but package.json has no script 'nope'",
    ]);
    expect(missingScripts('npm run-script --silent gone', scripts)).toHaveLength(1);
  });
  it('knows the shorthands and what npm runs without a script', () => {
    expect(missingScripts('npm test\nnpm t\nnpm start\nnpm ci\nnpm pack', scripts)).toEqual([]);
    expect(missingScripts('npm stop', scripts)).toEqual([
      "runs 'npm stop', but package.json has no script 'stop'",
    ]);
  });
});

describe('lintWorkflow', () => {
  it('fails a workflow that runs a script package.json lacks', () => {
    const problems = lintWorkflow({
      name: 'w.yml',
      content:
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm run no-such-script\n',
    });
    expect(problems.join('\n')).toMatch(/no script 'no-such-script'/);
  });
  it('passes the scripts package.json has', () => {
    const problems = lintWorkflow({
      name: 'w.yml',
      content:
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: npm run docs:check && npm test\n',
    });
    expect(problems).toEqual([]);
  });
});
