/** Entry point of the bundled action (`dist/index.js`), for both the main and the post step. */
import * as core from '@actions/core';
import { STATE } from './actions-reporter.js';
import { runMain, runPost } from './main.js';

// The main step saves this state, so only the post step sees it.
if (core.getState(STATE.isPost)) await runPost();
else await runMain();
