/**
 * Lints every workflow the project shows or runs: .github/workflows, examples/workflows, the
 * install and main action.yml, and every YAML block of README.md (a step list or a `jobs:` block
 * is wrapped into a workflow first). The schema check is GitHub's own parser
 * (@actions/workflow-parser, the one behind the Actions language service); on top of it:
 * - `github.event.schedule == '...'` must name a cron the workflow declares, or the job never runs;
 * - official actions (`actions/*`) are pinned by a full commit SHA with the version in a comment;
 * - jobs of the repository's own workflows set `timeout-minutes`.
 *
 * Run with `npm run lint:workflows`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { registerHooks } from 'node:module';
import { parse } from 'yaml';

// The parser imports its JSON schemas without `with { type: 'json' }`, which Node refuses.
registerHooks({
  load: (url, context, next) =>
    next(url, url.endsWith('.json') ? { ...context, importAttributes: { type: 'json' } } : context),
});
const { parseWorkflow, NoOperationTraceWriter } = await import('@actions/workflow-parser');
const { parseAction } = await import('@actions/workflow-parser/actions/action-parser');

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPTS =
  (
    JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts?: Record<string, string>;
    }
  ).scripts ?? {};

export interface Source {
  name: string;
  content: string;
  /** A workflow of this repository (not an example): every job needs timeout-minutes. */
  own?: boolean;
}

/** A README block as a whole workflow: a step list or a `jobs:` map gets what it lacks. */
export function asWorkflow(block: string): string {
  if (/^on:/m.test(block)) return block;
  if (/^jobs:/m.test(block)) return `on: workflow_dispatch\n${block}`;
  const steps = block.replace(/^(?=.)/gm, '      ');
  return `on: workflow_dispatch\njobs:\n  example:\n    runs-on: ubuntu-latest\n    steps:\n${steps}`;
}

/** The ```yaml blocks of a Markdown text, each named by its first line number. */
export function yamlBlocks(name: string, markdown: string): Source[] {
  const blocks: Source[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```yaml') continue;
    const start = i + 1;
    while (i + 1 < lines.length && lines[i + 1]?.trim() !== '```') i++;
    blocks.push({ name: `${name}:${start + 1}`, content: lines.slice(start, i + 1).join('\n') });
    i++;
  }
  return blocks;
}

/** npm's own commands that run a package.json script by the name that follows them. */
const NPM_RUNNERS = new Set(['run', 'run-script', 'rum', 'urn']);
/** npm commands that are shorthand for a script of the same name. */
const NPM_SHORTHANDS = new Set(['test', 't', 'tst', 'start', 'stop', 'restart']);
/** Scripts npm runs without a package.json entry: `npm start` runs `node server.js`. */
const NPM_BUILTIN = new Set(['start', 'restart']);

/**
 * Every `npm run X` (or `npm test`, `npm start`, ...) in a text whose X is not a script of
 * package.json: a workflow that runs one fails on GitHub with "Missing script".
 */
export function missingScripts(text: string, scripts: Record<string, string>): string[] {
  const problems: string[] = [];
  for (const [, verb, name] of text.matchAll(
    /\bnpm\s+([\w-]+)(?:\s+(?:--?[\w-]+\s+)*([\w:.-]+))?/g,
  )) {
    if (!verb) continue;
    const script = NPM_RUNNERS.has(verb)
      ? name
      : NPM_SHORTHANDS.has(verb)
        ? verb.replace(/^(t|tst)$/, 'test')
        : undefined;
    if (script === undefined || script in scripts || NPM_BUILTIN.has(script)) continue;
    problems.push(
      `runs 'npm ${NPM_RUNNERS.has(verb) ? `${verb} ${script}` : verb}', but package.json has no script '${script}'`,
    );
  }
  return problems;
}

const SHA_PIN = /^actions\/[\w.-]+(\/[\w./-]+)?@[0-9a-f]{40} # v\d+(\.\d+){0,2}$/;

/** The project's own rules, beyond the schema. */
function houseRules(source: Source, workflow: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const on = workflow.on as { schedule?: { cron: string }[] } | undefined;
  const crons = new Set((typeof on === 'object' ? (on.schedule ?? []) : []).map((s) => s.cron));
  for (const [, cron] of source.content.matchAll(/github\.event\.schedule\s*[!=]=\s*'([^']*)'/g)) {
    if (!crons.has(cron ?? ''))
      problems.push(`github.event.schedule is compared with '${cron}', which no schedule declares`);
  }
  for (const line of source.content.split('\n')) {
    const uses = /^\s*-?\s*uses:\s*(actions\/.*?)\s*$/.exec(line)?.[1];
    if (uses && !SHA_PIN.test(uses))
      problems.push(`${uses}: pin official actions by commit SHA, with '# vX.Y.Z' after it`);
  }
  problems.push(...missingScripts(source.content, SCRIPTS));
  if (source.own) {
    const jobs = (workflow.jobs ?? {}) as Record<string, Record<string, unknown>>;
    for (const [id, job] of Object.entries(jobs))
      if (!('timeout-minutes' in job) && !('uses' in job))
        problems.push(`job ${id} has no timeout-minutes`);
  }
  return problems;
}

export function lintWorkflow(source: Source): string[] {
  const content = asWorkflow(source.content);
  const result = parseWorkflow({ name: source.name, content }, new NoOperationTraceWriter());
  const problems = result.context.errors.getErrors().map((e) => e.message);
  if (problems.length > 0) return problems;
  return houseRules(source, parse(content) as Record<string, unknown>).map(
    (p) => `${source.name}: ${p}`,
  );
}

export function lintAction(source: Source): string[] {
  const result = parseAction(source, new NoOperationTraceWriter());
  const problems = result.context.errors.getErrors().map((e) => e.message);
  return [...problems, ...houseRules(source, {}).map((p) => `${source.name}: ${p}`)];
}

function read(relative: string, own = false): Source {
  return { name: relative, content: readFileSync(path.join(ROOT, relative), 'utf8'), own };
}

function yamlFiles(folder: string): string[] {
  const dir = path.join(ROOT, folder);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => `${folder}/${f}`);
}

function main(): number {
  const workflows = [
    ...yamlFiles('.github/workflows').map((f) => read(f, true)),
    ...yamlFiles('examples/workflows').map((f) => read(f)),
    ...yamlBlocks('README.md', read('README.md').content),
  ];
  const actions = ['action.yml', 'install/action.yml'].filter((f) =>
    existsSync(path.join(ROOT, f)),
  );
  // Shell text that runs npm scripts outside YAML: the README's commands and CI's own script.
  const texts = ['README.md', '.ci/run', 'CONTRIBUTING.md'].filter((f) =>
    existsSync(path.join(ROOT, f)),
  );
  const problems = [
    ...texts.flatMap((f) => missingScripts(read(f).content, SCRIPTS).map((p) => `${f}: ${p}`)),
    ...workflows.flatMap(lintWorkflow),
    ...actions.map((f) => read(f)).flatMap(lintAction),
  ];
  for (const p of problems) console.error(p);
  console.log(
    `${workflows.length} workflows and ${actions.length} actions checked, ${problems.length} problems`,
  );
  return problems.length > 0 ? 1 : 0;
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) process.exitCode = main();
