/**
 * A real signed Debian repository for tests: tiny `rekkord` packages built with dpkg-deb, indexed
 * with apt-ftparchive, signed with a throwaway gpg key (its own GNUPGHOME), served over HTTP on
 * 127.0.0.1. Laid out like download.koromix.dev/debian: dists/stable/{InRelease,Release,
 * Release.gpg}, dists/stable/main/binary-<arch>/Packages, the keyring at the top. Plus a runner
 * for install/install.sh and a fingerprint of a folder, to show the machine's apt is untouched.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  accessSync,
  constants,
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { scratch, writeFile } from './fixtures.js';

/** The tools the repository and the install script need, that this machine lacks. */
export function missingTools(): string[] {
  const tools = ['dpkg-deb', 'dpkg', 'apt-get', 'apt-ftparchive', 'gpg', 'gpgconf', 'curl'];
  return tools.filter((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0);
}

export function debArch(): string {
  return execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
}

/** A `rekkord` package whose executable answers `--version` as Rekkord does. */
export function buildDeb(outDir: string, version: string, arch: string): string {
  const tree = mkdtempSync(path.join(os.tmpdir(), 'rekkord-deb-'));
  try {
    mkdirSync(path.join(tree, 'DEBIAN'));
    mkdirSync(path.join(tree, 'usr/bin'), { recursive: true });
    writeFileSync(
      path.join(tree, 'DEBIAN/control'),
      [
        'Package: rekkord',
        `Version: ${version}`,
        `Architecture: ${arch}`,
        'Maintainer: Test <test@example.invalid>',
        'Description: Rekkord stand-in for install tests',
        '',
      ].join('\n'),
    );
    const upstream = version.replace(/^\d+:/, '').replace(/-[^-]*$/, '');
    writeFileSync(
      path.join(tree, 'usr/bin/rekkord'),
      `#!/bin/sh\necho "rekkord ${upstream}"\necho "Compiler: test"\n`,
      { mode: 0o755 },
    );
    mkdirSync(outDir, { recursive: true });
    const deb = path.join(outDir, `rekkord_${version}_${arch}.deb`);
    execFileSync('dpkg-deb', ['--root-owner-group', '--build', tree, deb], { stdio: 'pipe' });
    return deb;
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

export interface SigningKey {
  gnupgHome: string;
  /** The public key as a binary keyring, like koromix-archive-keyring.gpg. */
  keyring: Buffer;
  dispose(): void;
}

export function makeSigningKey(name: string): SigningKey {
  const gnupgHome = mkdtempSync(path.join(os.tmpdir(), 'rekkord-gpg-'));
  const env = { ...process.env, GNUPGHOME: gnupgHome };
  const gpg = (...args: string[]): Buffer =>
    execFileSync('gpg', ['--batch', '--quiet', '--pinentry-mode', 'loopback', ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const uid = `${name} <${name}@example.invalid>`;
  gpg('--passphrase', '', '--quick-generate-key', uid, 'ed25519', 'sign', 'never');
  const keyring = gpg('--export', uid);
  return {
    gnupgHome,
    keyring,
    dispose() {
      spawnSync('gpgconf', ['--kill', 'all'], { env, stdio: 'ignore' });
      rmSync(gnupgHome, { recursive: true, force: true });
    },
  };
}

/** Indexes `debs` into `root` (pool + dists/stable/main) and signs the Release with `key`. */
export function buildRepository(root: string, debs: string[], arch: string, key: SigningKey): void {
  const pool = path.join(root, 'pool/main/r/rekkord');
  mkdirSync(pool, { recursive: true });
  for (const deb of debs) execFileSync('cp', [deb, pool]);
  const binary = path.join(root, 'dists/stable/main', `binary-${arch}`);
  mkdirSync(binary, { recursive: true });
  const packages = execFileSync('apt-ftparchive', ['packages', 'pool'], { cwd: root });
  writeFileSync(path.join(binary, 'Packages'), packages);
  const release = execFileSync(
    'apt-ftparchive',
    [
      '-o',
      'APT::FTPArchive::Release::Suite=stable',
      '-o',
      'APT::FTPArchive::Release::Codename=stable',
      '-o',
      'APT::FTPArchive::Release::Components=main',
      '-o',
      `APT::FTPArchive::Release::Architectures=${arch}`,
      'release',
      '.',
    ],
    { cwd: path.join(root, 'dists/stable') },
  );
  const dist = path.join(root, 'dists/stable');
  writeFileSync(path.join(dist, 'Release'), release);
  const sign = (...args: string[]): void => {
    execFileSync('gpg', ['--batch', '--yes', '--pinentry-mode', 'loopback', ...args], {
      env: { ...process.env, GNUPGHOME: key.gnupgHome },
      cwd: dist,
      stdio: 'pipe',
    });
  };
  sign('--clearsign', '-o', 'InRelease', 'Release');
  sign('--armor', '--detach-sign', '-o', 'Release.gpg', 'Release');
  writeFileSync(path.join(root, 'koromix-archive-keyring.gpg'), key.keyring);
}

export interface Served {
  url: string;
  /** Paths asked for, in order. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `root` read-only on 127.0.0.1 (any free port). */
export async function serve(root: string): Promise<Served> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const urlPath = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(urlPath);
    const file = path.join(root, path.normalize(urlPath));
    let size = -1;
    try {
      const st = statSync(file);
      if (file.startsWith(root + path.sep) && st.isFile()) size = st.size;
    } catch {
      // Not there: 404 below.
    }
    if (size < 0) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-length': size, 'content-type': 'application/octet-stream' });
    if (req.method === 'HEAD') res.end();
    else createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export interface InstallRun {
  code: number | null;
  output: string;
  outputs: Record<string, string>;
}

/** Runs `script` as the composite action does, with `env` over this process's environment. */
export function runInstall(script: string, env: Record<string, string>): Promise<InstallRun> {
  const dir = scratch('rekkord-install-run-');
  const outputFile = writeFile(path.join(dir, 'output'), '');
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/bash', [script], {
      env: { ...process.env, GITHUB_OUTPUT: outputFile, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const outputs: Record<string, string> = {};
      for (const line of readFileSync(outputFile, 'utf8').split('\n')) {
        const eq = line.indexOf('=');
        if (eq > 0) outputs[line.slice(0, eq)] = line.slice(eq + 1);
      }
      resolve({ code, output, outputs });
    });
  });
}

function canRead(file: string, mode = constants.R_OK | constants.X_OK): boolean {
  try {
    accessSync(file, mode);
    return true;
  } catch {
    return false;
  }
}

/** Every entry under `dir` with its mode, size and content hash: what "unchanged" means. */
export function fingerprint(dir: string): string[] {
  if (!existsSync(dir)) return [`${dir} absent`];
  const lines: string[] = [];
  const walk = (p: string): void => {
    const st = lstatSync(p);
    let what = `${p} ${st.mode.toString(8)} ${st.size}`;
    // What this user cannot read (apt's lock, lists/partial as non-root): mode and size only.
    if (st.isFile() && canRead(p, constants.R_OK)) {
      what += ` ${createHash('sha256').update(readFileSync(p)).digest('hex')}`;
    }
    lines.push(what);
    if (st.isDirectory() && canRead(p)) {
      for (const name of readdirSync(p).sort()) walk(path.join(p, name));
    }
  };
  walk(dir);
  return lines;
}
