import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The core is pure TypeScript: the doors (Lambda, node:http, CDK) are adapters around it.
const coreBoundary = {
  patterns: [
    { group: ['aws-lambda', '@types/aws-lambda'], message: 'lambdas/core must not depend on Lambda types: use GatewayRequest.' },
    { group: ['node:http', 'http', 'node:https', 'https', 'node:http2'], message: 'lambdas/core must not use node:http: adapters do.' },
    { group: ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs'], message: 'lambdas/core must not import CDK.' },
    { group: ['@aws-sdk/*'], message: 'lambdas/core takes AWS clients through ports; SDK code lives in lambdas/adapters/aws.' },
    { group: ['@middy/*', '@aws-lambda-powertools/*'], message: 'middleware belongs to handlers.' },
    { group: ['@duckdb/*', 'dynalite'], message: 'local-only dependencies never enter the core.' },
    { group: ['**/adapters/**', '**/handlers/**', '**/local/**'], message: 'the core never imports its doors.' },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'dist/', 'coverage/', 'lambdas/admin-ui/dist/', '.scratch/', 'test-results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', fetch: 'readonly', TextEncoder: 'readonly', TextDecoder: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', performance: 'readonly', structuredClone: 'readonly', globalThis: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The admin page runs in the browser.
    files: ['lambdas/admin-ui/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { document: 'readonly', location: 'readonly', history: 'readonly', addEventListener: 'readonly', removeEventListener: 'readonly', HTMLInputElement: 'readonly', HTMLTextAreaElement: 'readonly', HTMLSelectElement: 'readonly', URLSearchParams: 'readonly' } },
  },
  {
    files: ['lambdas/core/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', coreBoundary], 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'core code never reads process.env: configuration is passed in.' }] },
  },
  {
    files: ['lambdas/handlers/**/*.ts', 'lambdas/adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['@duckdb/*', 'dynalite'], message: 'local-only dependencies never enter a Lambda bundle.' }, ...coreBoundary.patterns.filter((p) => p.group[0] === 'aws-cdk-lib')] }] },
  },
  {
    files: ['lib/**/*.ts', 'bin/bifrost.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/lambdas/handlers/**', '**/lambdas/adapters/**', '**/lambdas/local/**'], message: 'lib/ is declarative: it wires handlers by path, never imports runtime code.' }] }] },
  },
);
