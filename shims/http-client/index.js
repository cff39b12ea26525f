// @actions/core imports this only for getIDToken (OIDC), which the action never calls.
export class HttpClient {
  constructor() {
    throw new Error('@actions/http-client is not bundled with this action: getIDToken is not available');
  }
}
