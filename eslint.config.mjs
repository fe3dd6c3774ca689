// Type-aware lint for the whole monorepo. Dependency direction is enforced here:
// libs/domain imports no framework or driver, apps never import each other.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// NOTE: a later no-restricted-imports replaces an earlier one, so every block repeats this.
const crossPackage = {
  group: ['../../*/src/*', '../../../*'],
  message: 'import another package through its @fleetscope/* alias',
};

const drivers = [
  '@nestjs/*',
  'pg',
  'kafkajs',
  'node-rdkafka',
  'bullmq',
  'ioredis',
  'fastify',
  'ws',
  '@electric-sql/*',
];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '.local/**',
      'data/**',
      'test-results/**',
      'infra/**',
      'apps/dashboard/dev-dist/**',
      // Type-checked on its own (tsconfig.sw.json: the WebWorker lib, not the DOM).
      'apps/dashboard/src/sw.ts',
      'bench/results/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false } },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // JSON from the wire is `unknown` and narrowed with zod; these rules fire on the
      // driver typings (pg rows, rdkafka callbacks) more than on our code.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/require-await': 'off',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['../../*/src/*', '../../../*'],
              message: 'import another package through its @fleetscope/* alias',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/domain/src/**/*.ts'],
    ignores: ['libs/domain/src/**/*.spec.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            crossPackage,
            {
              group: [...drivers, '@fleetscope/*', 'node:*'],
              message: 'libs/domain is pure TypeScript + zod',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/domain/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            crossPackage,
            {
              group: ['@fleetscope/api', '@fleetscope/stream-workers', '@fleetscope/dashboard'],
              message: 'libs never import apps',
            },
          ],
        },
      ],
    },
  },
  {
    // The dashboard: typed rules on .ts and .tsx; it may import only TYPES from the server's
    // packages, so no server code (zod schemas, drivers) reaches the browser bundle.
    files: ['apps/dashboard/**/*.ts', 'apps/dashboard/**/*.tsx'],
    extends: [...tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      '@typescript-eslint/no-misused-promises': [
        'error',
        { checksVoidReturn: { arguments: false, attributes: false } },
      ],
      // As for the server: JSON from the wire is narrowed where it is used.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@fleetscope/*', '!@fleetscope/domain'],
              message: 'the dashboard talks to the server over HTTP and WebSocket only',
            },
          ],
          paths: [
            {
              name: '@fleetscope/domain',
              allowTypeImports: true,
              message: 'import types only from @fleetscope/domain (no server code in the bundle)',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/api/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            crossPackage,
            {
              group: ['@fleetscope/stream-workers', '@fleetscope/dashboard'],
              message: 'apps never import each other',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['apps/stream-workers/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            crossPackage,
            {
              group: ['@fleetscope/api', '@fleetscope/dashboard', '@nestjs/platform-*'],
              message: 'apps never import each other',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        performance: 'readonly',
      },
    },
  },
);
