/** Short commands run to completion with Node's child_process: the command line's `Execute`. */
import { execFile } from 'node:child_process';
import { checkpoint } from '../kernel/faults.js';
import type { Execute } from '../plan/rekkord-probe.js';

export const executeFile: Execute = (file, args, env, cwd) =>
  new Promise((resolve, reject) => {
    checkpoint('probe');
    execFile(file, [...args], { env, cwd, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code: unknown = error?.code;
      // A string code (ENOENT, EACCES) means it did not start; a number is its exit code.
      if (error && typeof code === 'string') reject(new Error(error.message));
      else resolve({ exitCode: typeof code === 'number' ? code : error ? 1 : 0, stdout, stderr });
    });
  });
