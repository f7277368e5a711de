#!/usr/bin/env node
// The `bifrost` command. It runs the bundle that bin/build-cli.mjs makes (`npm ci` builds it, and
// this builds it again when a source changed since), and runs the TypeScript sources through tsx
// when there is no bundle to be had (no esbuild) or BIFROST_CLI_FROM_SOURCES=1 asks for them.

// Bifrost supports Node 20.19 and newer (the Lambdas run the newest runtime): the AWS SDK's notice
// about its own future Node floor is noise in this command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function bundledMain() {
  const { buildCli, freshCli } = await import('./build-cli.mjs');
  let entry = freshCli();
  if (!entry) {
    try {
      entry = await buildCli();
    } catch {
      return undefined; // the sources will say what is wrong, if anything is
    }
  }
  const { pathToFileURL } = await import('node:url');
  return (await import(pathToFileURL(entry).href)).main;
}

async function sourceMain() {
  const { register } = await import('tsx/esm/api');
  register();
  return (await import('./cli.ts')).main;
}

const main = (process.env.BIFROST_CLI_FROM_SOURCES !== '1' && (await bundledMain())) || (await sourceMain());
process.exitCode = await main(process.argv.slice(2));
