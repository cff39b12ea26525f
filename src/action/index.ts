/** Entry point of the main step's bundle (`dist/index.js`, `runs.main`). */
import { run } from './main.js';

await run();
