import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The layers of src/, from the ground up: a folder imports only from folders below it.
const LAYERS = [
  ['kernel'],
  ['plan'],
  ['process', 'validate'],
  ['engine'],
  ['report'],
  ['cli', 'action'],
];
const ACTIONS = {
  group: ['@actions/*'],
  message: 'Only src/action/ talks to the runner: pass what you need in from there.',
};

/** For each folder: no `@actions/*` (outside action/), no import from its own or a higher layer. */
function layerRules() {
  return LAYERS.flatMap((layer, level) =>
    layer.map((folder) => {
      const above = LAYERS.slice(level)
        .flat()
        .filter((f) => f !== folder);
      const patterns = above.length
        ? [
            {
              group: above.map((f) => `../${f}/*`),
              message: `src/${folder}/ is below these layers.`,
            },
          ]
        : [];
      if (folder !== 'action') patterns.push(ACTIONS);
      return {
        files: [`src/${folder}/**/*.ts`],
        rules: { 'no-restricted-imports': ['error', { patterns }] },
      };
    }),
  );
}

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'build/'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      // A name is imported from the module that defines it: no module hands on another's names.
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ExportNamedDeclaration[source], ExportAllDeclaration',
          message: 'Import the name from the module that defines it; do not re-export it.',
        },
      ],
      'no-restricted-imports': ['error', { patterns: [ACTIONS] }],
    },
  },
  ...layerRules(),
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      globals: { process: 'readonly', console: 'readonly' },
    },
  },
);
