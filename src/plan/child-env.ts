/**
 * The environment hooks and Rekkord inherit: the runner's, without what belongs to the runner
 * and this action only (its tokens, its inputs and saved state, the files through which a step
 * sets outputs, environment and state), so a hook can neither use nor forge them.
 */
const RUNNER_PRIVATE = [
  /^ACTIONS_RUNTIME_(TOKEN|URL)$/,
  /^ACTIONS_ID_TOKEN_REQUEST_(TOKEN|URL)$/,
  /^ACTIONS_CACHE_URL$/,
  /^ACTIONS_RESULTS_URL$/,
  /^INPUT_/,
  /^STATE_/,
];
/** The files of the step's workflow commands: kept only when hooks may issue them. */
const COMMAND_FILES = /^GITHUB_(ENV|PATH|OUTPUT|STATE|STEP_SUMMARY)$/;

export function childEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  allowWorkflowCommands: boolean,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (RUNNER_PRIVATE.some((p) => p.test(name))) continue;
    if (!allowWorkflowCommands && COMMAND_FILES.test(name)) continue;
    out[name] = value;
  }
  return out;
}
