#!/usr/bin/env node
// Builds the `bifrost` command into one esbuild bundle (dist/cli/, ignored by git and ESLint), so
// that it starts in a fraction of the time the TypeScript sources take through tsx.
//
// `npm ci` and `npm install` run this (the `prepare` script); bin/bifrost-cli.mjs runs it again
// when a source the bundle was built from has changed since, so an edited command is never stale.
// Each build goes to a folder of its own and the manifest naming it is replaced in one rename:
// two commands started at once never read a half-written bundle.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Where builds go, each in a folder of its own, beside manifest.json naming the current one. */
export const OUT_DIR = join(ROOT, 'dist', 'cli');

/** Files outside the bundle's inputs whose change means a rebuild: dependencies and this build. */
const ALSO_WATCHED = ['package.json', 'package-lock.json', 'tsconfig.json', 'bin/build-cli.mjs'];

/** CommonJS dependencies inside an ES module bundle call `require`: give them a real one. */
const REQUIRE_BANNER = "import { createRequire as bifrostCreateRequire } from 'node:module'; const require = bifrostCreateRequire(import.meta.url);";

/** Builds older than this are removed by the next build (a command still running may use one). */
const KEEP_OLD_BUILDS_MS = 10 * 60 * 1000;

function readManifest(outDir) {
  try {
    return JSON.parse(readFileSync(join(outDir, 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * The built entry module (an absolute path) when every source it was built from is older than
 * the build; undefined when there is none or it is stale.
 */
export function freshCli({ root = ROOT, outDir = OUT_DIR } = {}) {
  const manifest = readManifest(outDir);
  if (!manifest || !Array.isArray(manifest.watched) || typeof manifest.entry !== 'string' || typeof manifest.startedAt !== 'number') return undefined;
  const entry = join(outDir, manifest.entry);
  if (!existsSync(entry)) return undefined;
  for (const file of manifest.watched) {
    let stat;
    try {
      stat = statSync(join(root, file));
    } catch {
      return undefined; // a source was removed or renamed
    }
    if (stat.mtimeMs >= manifest.startedAt) return undefined;
  }
  return entry;
}

/** Builds the bundle and returns its entry module (an absolute path). Needs esbuild (a devDependency). */
export async function buildCli({ root = ROOT, outDir = OUT_DIR } = {}) {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  const name = `build-${startedAt}-${process.pid}`;
  mkdirSync(outDir, { recursive: true });
  const result = await build({
    absWorkingDir: root,
    entryPoints: { cli: 'bin/cli.ts' },
    outdir: join(outDir, name),
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunks/[name]-[hash]',
    banner: { js: REQUIRE_BANNER },
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs)
    .map((file) => relative(root, resolve(root, file)).split('\\').join('/'))
    .filter((file) => !file.startsWith('node_modules/') && !file.startsWith('..'));
  const watched = [...new Set([...inputs, ...ALSO_WATCHED])].filter((file) => existsSync(join(root, file))).sort();
  const manifest = { entry: `${name}/cli.mjs`, startedAt, watched };
  const temporary = join(outDir, `manifest.json.${process.pid}.tmp`);
  writeFileSync(temporary, `${JSON.stringify(manifest, null, 1)}\n`);
  renameSync(temporary, join(outDir, 'manifest.json'));
  removeOldBuilds(outDir, name);
  return join(outDir, manifest.entry);
}

function removeOldBuilds(outDir, current) {
  for (const entry of readdirSync(outDir, { withFileTypes: true })) {
    if (!entry.isDirectory() || !entry.name.startsWith('build-') || entry.name === current) continue;
    const path = join(outDir, entry.name);
    try {
      if (Date.now() - statSync(path).mtimeMs > KEEP_OLD_BUILDS_MS) rmSync(path, { recursive: true, force: true });
    } catch {
      // another build removed it first
    }
  }
}

// `node bin/build-cli.mjs`: build now. Without esbuild (an install without devDependencies) there
// is nothing to build with; the command then runs from its sources, so that is not an error.
if (process.argv[1] && pathToFileURL(resolve(process.argv[1])).href === import.meta.url) {
  try {
    const entry = await buildCli();
    process.stdout.write(`bifrost command built: ${relative(ROOT, entry)}\n`);
  } catch (error) {
    if (error?.code === 'ERR_MODULE_NOT_FOUND') process.stdout.write('bifrost command not built (esbuild is not installed); it will run from its sources\n');
    else throw error;
  }
}
