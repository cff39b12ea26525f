/**
 * Build-time stand-in for `@actions/exec`, mapped by `paths` in tsconfig.json like the HTTP client's.
 * `@actions/core` imports it only for `platform.getDetails()` (lib/platform.js), which this action
 * never calls; the real package brings `@actions/io` and with it `assert`, whose loading cost about
 * a tenth of the action's start-up. Only the bundle uses this module.
 */

export function getExecOutput(): never {
  throw new Error(
    '@actions/exec is not bundled (see src/action/shims/exec.ts): this action starts its processes itself',
  );
}
