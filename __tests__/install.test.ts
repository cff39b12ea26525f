/**
 * install/install.sh against a real signed repository on loopback, with apt and dpkg in a private
 * root (REKKORD_INSTALL_ROOT): the same apt-get update / download / install path a runner takes,
 * and the machine's own /etc/apt and dpkg database untouched.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildDeb,
  buildRepository,
  debArch,
  fingerprint,
  makeSigningKey,
  missingTools,
  runInstall,
  serve,
  type Served,
  type SigningKey,
} from './helpers/apt-repo.js';
import { scratch, writeFile } from './helpers/fixtures.js';

const INSTALL_DIR = path.resolve(import.meta.dirname, '../install');
const SCRIPT = path.join(INSTALL_DIR, 'install.sh');

const missing = process.platform === 'linux' ? missingTools() : ['Linux'];
if (missing.length > 0) {
  console.warn(
    `\n*** install.test.ts SKIPPED: this machine lacks ${missing.join(', ')} ` +
      '(Debian packages dpkg, apt, apt-utils, gnupg, curl). The install script is NOT tested. ***\n',
  );
}

// On a Linux CI machine the skip would hide an untested install: there it is a failure.
describe.runIf(missing.length > 0 && process.platform === 'linux' && process.env.CI)(
  'install tools',
  () => {
    it('are all present on Linux CI', () => {
      expect(missing).toEqual([]);
    });
  },
);

describe.skipIf(missing.length > 0)('install/install.sh on a signed loopback repository', () => {
  const arch = missing.length > 0 ? 'amd64' : debArch();
  const machineApt = (): string[] => [
    ...fingerprint('/etc/apt'),
    ...fingerprint('/var/lib/dpkg/status'),
    ...fingerprint('/var/lib/apt/lists'),
  ];
  let before: string[];
  let key: SigningKey;
  let otherKey: SigningKey;
  let served: Served;
  let repoDir: string;
  const cleanups: (() => unknown)[] = [];

  beforeAll(async () => {
    before = machineApt();
    // Not scratch(): that is emptied after each test, and the repository serves them all.
    repoDir = mkdtempSync(path.join(os.tmpdir(), 'rekkord-apt-repo-'));
    cleanups.push(() => {
      rmSync(repoDir, { recursive: true, force: true });
    });
    key = makeSigningKey('rekkord-test-repo');
    cleanups.push(() => {
      key.dispose();
    });
    otherKey = makeSigningKey('someone-else');
    cleanups.push(() => {
      otherKey.dispose();
    });
    const debs = ['1.0.0-1', '1.1.0-1'].map((v) => buildDeb(path.join(repoDir, 'build'), v, arch));
    buildRepository(path.join(repoDir, 'debian'), debs, arch, key);
    writeFileSync(path.join(repoDir, 'debian/other-keyring.gpg'), otherKey.keyring);
    served = await serve(repoDir);
    cleanups.push(() => served.close());
  }, 120_000);

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
    // The point of the private root: nothing of the machine's apt setup changed.
    expect(machineApt()).toEqual(before);
  });

  const envFor = (root: string, toolCache: string, extra: Record<string, string> = {}) => ({
    REKKORD_INSTALL_ROOT: root,
    REKKORD_INSTALL_REPOSITORY_URL: `${served.url}/debian`,
    RUNNER_TOOL_CACHE: toolCache,
    REKKORD_VERSION: '',
    ...extra,
  });

  it('adds the repository as rekkord.org documents and installs the newest rekkord', async () => {
    const root = scratch('rekkord-install-root-');
    const toolCache = scratch('rekkord-tool-cache-');
    const run = await runInstall(SCRIPT, envFor(root, toolCache));
    expect(run.output).not.toContain('::error');
    expect(run.code).toBe(0);

    const keyring = path.join(root, 'etc/apt/keyrings/koromix-archive-keyring.gpg');
    expect(readFileSync(keyring)).toEqual(key.keyring);
    expect(
      readFileSync(path.join(root, 'etc/apt/sources.list.d/koromix.dev-stable.list'), 'utf8'),
    ).toBe(`deb [signed-by=${keyring}] ${served.url}/debian stable main\n`);
    expect(run.outputs).toEqual({ version: '1.1.0-1', path: path.join(root, 'usr/bin/rekkord') });
    expect(run.output).toContain('rekkord 1.1.0');
    // Installed through dpkg (its database under the root), the .deb kept in the tool cache.
    expect(readFileSync(path.join(root, 'var/lib/dpkg/status'), 'utf8')).toMatch(
      /Package: rekkord\nStatus: install ok installed\n[^]*Version: 1\.1\.0-1\n/,
    );
    expect(
      existsSync(path.join(toolCache, `rekkord/1.1.0-1/${arch}/rekkord_1.1.0-1_${arch}.deb`)),
    ).toBe(true);
    expect(existsSync(path.join(toolCache, `rekkord/1.1.0-1/${arch}.complete`))).toBe(true);
    // The signed index was used, not an unsigned fallback.
    expect(served.requests).toContain('/debian/dists/stable/InRelease');
  });

  it('installs a pinned version, then installs it again from the tool cache without the network', async () => {
    const toolCache = scratch('rekkord-tool-cache-');
    const first = await runInstall(
      SCRIPT,
      envFor(scratch('rekkord-install-root-'), toolCache, { REKKORD_VERSION: '1.0.0-1' }),
    );
    expect(first.code).toBe(0);
    expect(first.outputs.version).toBe('1.0.0-1');
    expect(first.output).toContain('rekkord 1.0.0');
    expect(first.output).toContain('downloaded to the tool cache');

    const root = scratch('rekkord-install-root-');
    const mark = served.requests.length;
    const again = await runInstall(SCRIPT, envFor(root, toolCache, { REKKORD_VERSION: '1.0.0-1' }));
    expect(again.code).toBe(0);
    expect(again.outputs).toEqual({ version: '1.0.0-1', path: path.join(root, 'usr/bin/rekkord') });
    expect(again.output).toContain('found in the tool cache');
    // Only the key was fetched: no index, no .deb.
    expect(served.requests.slice(mark)).toEqual(['/debian/koromix-archive-keyring.gpg']);
  });

  it('fails with the available versions when the pinned one is not in the repository', async () => {
    const run = await runInstall(
      SCRIPT,
      envFor(scratch('rekkord-install-root-'), scratch('rekkord-tool-cache-'), {
        REKKORD_VERSION: '9.9.9-1',
      }),
    );
    expect(run.code).toBe(1);
    expect(run.output).toMatch(
      /::error title=Rekkord install::Rekkord 9\.9\.9-1 is not in .*Available: 1\.1\.0-1 1\.0\.0-1/,
    );
  });

  it('refuses a repository whose signature does not match the key', async () => {
    const root = scratch('rekkord-install-root-');
    const run = await runInstall(
      SCRIPT,
      envFor(root, scratch('rekkord-tool-cache-'), {
        REKKORD_INSTALL_KEY_URL: `${served.url}/debian/other-keyring.gpg`,
      }),
    );
    expect(run.code).toBe(1);
    expect(run.output).toContain('NO_PUBKEY');
    expect(run.output).toContain('::error title=Rekkord install::apt-get update failed');
    expect(existsSync(path.join(root, 'usr/bin/rekkord'))).toBe(false);
    expect(run.outputs).toEqual({});
  });
});

describe('install/install.sh off Debian', () => {
  /** A folder holding a fake `uname` that names `system`. */
  function fakePath(system: string): string {
    const bin = scratch('rekkord-install-bin-');
    writeFile(path.join(bin, 'uname'), `#!/bin/sh\necho ${system}\n`, 0o755);
    return bin;
  }

  it.each(['Darwin', 'MINGW64_NT-10.0'])('fails on %s with the download page', async (system) => {
    const bin = fakePath(system);
    const run = await runInstall(SCRIPT, { PATH: `${bin}:/usr/bin:/bin` });
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      `::error title=Rekkord install::Installing Rekkord is automated on Debian and Ubuntu runners only. On ${system}`,
    );
    expect(run.output).toContain('https://rekkord.org/download');
  });

  it('fails on a Linux without apt with the download page', async () => {
    const bin = fakePath('Linux');
    // bash itself is found by absolute path; the script sees only the fake bin.
    const run = await runInstall(SCRIPT, { PATH: bin });
    expect(run.code).toBe(1);
    expect(run.output).toContain('has no apt-get/dpkg (not Debian or Ubuntu)');
    expect(run.output).toContain('https://rekkord.org/download');
  });
});

describe('install/action.yml', () => {
  const text = readFileSync(path.join(INSTALL_DIR, 'action.yml'), 'utf8');

  it('is a composite action whose one step runs the script tested above', () => {
    expect(text).toMatch(/^runs:\n {2}using: composite\n {2}steps:\n/m);
    const runs = [...text.matchAll(/^ {6}run: (.+)$/gm)].map((m) => m[1]);
    expect(runs).toEqual(['bash "$GITHUB_ACTION_PATH/install.sh"']);
    expect(text).toMatch(/^ {6}id: install$/m);
    expect(text).toMatch(/^ {6}shell: bash$/m);
    expect(text).toMatch(/^ {8}REKKORD_VERSION: \$\{\{ inputs\.version \}\}$/m);
  });

  it('exposes the outputs the script writes', () => {
    expect(text).toMatch(
      /^ {2}version:\n(?: {4}.*\n)*? {4}value: \$\{\{ steps\.install\.outputs\.version \}\}$/m,
    );
    expect(text).toMatch(
      /^ {2}path:\n(?: {4}.*\n)*? {4}value: \$\{\{ steps\.install\.outputs\.path \}\}$/m,
    );
  });

  it('never sets the test-only overrides', () => {
    expect(text).not.toMatch(/REKKORD_INSTALL_(ROOT|REPOSITORY_URL|KEY_URL)/);
  });
});
