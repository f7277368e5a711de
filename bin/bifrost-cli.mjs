#!/usr/bin/env node
// The `bifrost` command: runs the TypeScript CLI through tsx, so `npx bifrost ...` works from a
// fresh clone after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

// Bifrost supports Node 20 and newer (the Lambdas run the newest runtime): the AWS SDK's notice
// about its own future Node floor is noise in this command's output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

register();
const { main } = await import('./cli.ts');
process.exitCode = await main(process.argv.slice(2));
