/**
 * Lets Node run a script that imports `src/`: its `./x.js` imports resolve to `./x.ts`, as tsc's
 * NodeNext resolution maps them. Used as `node --import ./scripts/module-hooks.ts`.
 */
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { fileURLToPath } from 'node:url';

registerHooks({
  resolve(specifier, context, next) {
    const parent = context.parentURL ?? '';
    if (specifier.startsWith('.') && specifier.endsWith('.js') && parent.endsWith('.ts')) {
      const ts = new URL(specifier.replace(/\.js$/, '.ts'), parent);
      if (!existsSync(new URL(specifier, parent)) && existsSync(fileURLToPath(ts)))
        return next(ts.href, context);
    }
    return next(specifier, context);
  },
});
