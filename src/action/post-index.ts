/** Entry point of the post step's bundle (`dist/post/index.js`, `runs.post`). */
import { run } from './post.js';

await run();
