/**
 * Build-time stand-in for `@actions/http-client`, mapped by `paths` in tsconfig.json, which ncc
 * follows when bundling. `@actions/core` imports the HTTP client only for `getIDToken`
 * (lib/oidc-utils.js, `OidcClient.createHttpClient`), which this action never calls; the real
 * client pulls in undici (about 0.9 MB), and evaluating it at every start-up tripled the action's
 * start-up time. Only the bundle uses this module: tests and `tsc` of `@actions/core` see the real
 * package.
 */

// A class, as `@actions/core` constructs it (`new HttpClient(...)`).
// eslint-disable-next-line @typescript-eslint/no-extraneous-class
export class HttpClient {
  constructor() {
    throw new Error(
      '@actions/http-client is not bundled (see src/action/shims/http-client.ts): this action makes no HTTP requests',
    );
  }
}
