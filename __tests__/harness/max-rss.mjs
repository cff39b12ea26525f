// Preloaded with `node --import`: writes the process's peak resident memory (KiB) to $MAX_RSS_FILE
// at exit, for the memory tests and benchmarks.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.MAX_RSS_FILE)
    writeFileSync(process.env.MAX_RSS_FILE, String(process.resourceUsage().maxRSS));
});
