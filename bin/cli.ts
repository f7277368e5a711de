/**
 * `bifrost <command> [options]`. Each command lives in bin/commands/<command>.ts and exports
 * `run(args, io)` returning an exit code; COMMANDS below names it with a one-line summary for the
 * help text, and loads its module only when it runs (the help loads none of them).
 */

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface Command {
  run(args: string[], io: CommandIo): Promise<number>;
}

/** Every command, by name. Static imports (not a directory listing) so that a bundle can hold them. */
export const COMMANDS: Record<string, { summary: string; load: () => Promise<Command> }> = {
  analyze: { summary: 'analyze SQL read as JSON lines {id, sql} on stdin: statement kind, tables with their access, columns', load: () => import('./commands/analyze.js') },
  check: { summary: 'decide SQL read as JSON lines {id, sql} on stdin against access rules: allowed, and why not', load: () => import('./commands/check.js') },
  route: { summary: 'explain how a query would be routed: routing group, target, every rule and target considered (nothing runs)', load: () => import('./commands/route.js') },
  users: { summary: 'manage password users in the DynamoDB users table (add, passwd, disable, enable, unlock, groups, list)', load: () => import('./commands/users.js') },
};

export async function main(argv: string[], io: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...args] = argv;
  const names = Object.keys(COMMANDS).sort();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = names.map((n) => `  ${n.padEnd(10)} ${COMMANDS[n]!.summary}`);
    io.stdout.write(`usage: bifrost <command> [options]\n\ncommands:\n${lines.join('\n')}\n`);
    return name ? 0 : 2;
  }
  if (!Object.hasOwn(COMMANDS, name)) {
    io.stderr.write(`bifrost: unknown command '${name}'; run 'bifrost help' for the list\n`);
    return 2;
  }
  const command = await COMMANDS[name]!.load();
  try {
    return await command.run(args, io);
  } catch (error) {
    io.stderr.write(`bifrost ${name}: ${(error as Error).message}\n`);
    return 1;
  }
}

/** Parses `--name value` and `--flag` options; repeated options keep the last value. */
export function parseOptions(args: string[], spec: Record<string, 'string' | 'boolean'>): Record<string, string | boolean | undefined> {
  const out: Record<string, string | boolean | undefined> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}'`);
    const [key, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
    const kind = spec[key];
    if (!kind) throw new Error(`unknown option --${key}`);
    if (kind === 'boolean') out[key] = true;
    else {
      const value = inline ?? args[++i];
      if (value === undefined) throw new Error(`option --${key} needs a value`);
      out[key] = value;
    }
  }
  return out;
}
