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

// Inside the core, on top of the boundary: each part imports only what lies below it.
const notTheGateway = { regex: '^(\\.\\./)+gateway/', message: 'the gateway is the top of the core: nothing else in the core imports it.' };
/** protocol/ imports only what `allowed` (a regex of paths after ../) names, and itself. */
const protocolImports = (allowed) => ({ regex: `^\\.\\./(?!${allowed})`, message: 'protocol/ imports only ports/ and errors.ts (statements.ts also sql/).' });
const coreImports = (...patterns) => ({ patterns: [...coreBoundary.patterns, ...patterns] });
// Outside the core the gateway is one module: its parts are private to it.
const gatewayParts = { regex: 'core/gateway/(?!index\\.js$)', message: 'import the gateway from core/gateway/index.js: its parts are private.' };
const lambdaBundle = [{ group: ['@duckdb/*', 'dynalite'], message: 'local-only dependencies never enter a Lambda bundle.' }, ...coreBoundary.patterns.filter((p) => p.group[0] === 'aws-cdk-lib')];
// Ports are declarations: no code, and nothing imported for its value.
const portsDeclareTypesOnly = [
  'FunctionDeclaration',
  'ClassDeclaration',
  'VariableDeclaration',
  'TSEnumDeclaration',
  'ExpressionStatement',
  'ExportDefaultDeclaration',
  'ImportDeclaration[importKind!="type"]',
  'ExportAllDeclaration[exportKind!="type"]',
].map((selector) => ({ selector, message: 'ports declare types only: implementations live with the code that owns them.' }));

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
    rules: { 'no-restricted-imports': ['error', coreImports(notTheGateway)], 'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'core code never reads process.env: configuration is passed in.' }] },
  },
  // Import direction inside the core: errors.ts, then ports/, then protocol/, ..., the gateway on top.
  { files: ['lambdas/core/errors.ts'], rules: { 'no-restricted-imports': ['error', coreImports({ regex: '^\\.', message: 'errors.ts is the bottom of the core: it imports nothing from it.' })] } },
  {
    files: ['lambdas/core/ports/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', coreImports({ regex: '^\\.\\./(?!errors\\.js$|config/schema\\.js$)', message: 'a port imports only other ports, errors.ts and the config schema\'s types.' })],
      'no-restricted-syntax': ['error', ...portsDeclareTypesOnly],
    },
  },
  { files: ['lambdas/core/protocol/**/*.ts'], rules: { 'no-restricted-imports': ['error', coreImports(notTheGateway, protocolImports('ports/|errors\\.js$'))] } },
  // The statement planner reads EXECUTE with Trino's grammar: sql/ sits below protocol/ (it imports only ports).
  { files: ['lambdas/core/protocol/statements.ts'], rules: { 'no-restricted-imports': ['error', coreImports(notTheGateway, protocolImports('ports/|errors\\.js$|sql/'))] } },
  // The gateway is the top of the core: it may import all of it.
  { files: ['lambdas/core/gateway/**/*.ts'], rules: { 'no-restricted-imports': ['error', coreImports()] } },
  {
    // Functions stay readable in one sitting; a longer one says why beside it (eslint-disable with a reason).
    files: ['lambdas/core/**/*.ts'],
    rules: { 'max-lines-per-function': ['error', { max: 100, skipBlankLines: true, skipComments: true }] },
  },
  {
    files: ['lambdas/handlers/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...lambdaBundle, gatewayParts, { regex: '^(\\.\\./)+local/', message: 'handlers never import lambdas/local: the local server is a door of its own.' }] }] },
  },
  {
    files: ['lambdas/adapters/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...lambdaBundle, gatewayParts] }] },
  },
  {
    // The one composition is bundled into every function: nothing local-only, no local home.
    files: ['lambdas/compose/**/*.ts', 'lambdas/contract.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [...lambdaBundle, gatewayParts, { regex: '^(\\.\\./)+local/', message: 'the composition never imports lambdas/local: the local home hands its engines in.' }] }] },
  },
  { files: ['lambdas/local/**/*.ts', 'bench/**/*.ts'], rules: { 'no-restricted-imports': ['error', { patterns: [gatewayParts] }] } },
  {
    files: ['lib/**/*.ts', 'bin/bifrost.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/lambdas/handlers/**', '**/lambdas/adapters/**', '**/lambdas/local/**'], message: 'lib/ is declarative: it wires handlers by path, never imports runtime code.' }] }] },
  },
);
