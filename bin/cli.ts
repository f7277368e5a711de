/**
 * `bifrost <command> [options]`. Each command lives in bin/commands/<command>.ts and exports
 * `run(args, io)` returning an exit code, plus a one-line `summary` for the help text.
 */
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

export interface CommandIo {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: Record<string, string | undefined>;
}

export interface Command {
  summary: string;
  run(args: string[], io: CommandIo): Promise<number>;
}

const commandsDir = join(dirname(fileURLToPath(import.meta.url)), 'commands');

async function commandNames(): Promise<string[]> {
  const files = await readdir(commandsDir);
  return files.filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort();
}

export async function main(argv: string[], io: CommandIo = { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const [name, ...args] = argv;
  const names = await commandNames();
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    const lines = await Promise.all(names.map(async (n) => `  ${n.padEnd(10)} ${((await import(join(commandsDir, `${n}.ts`))) as Command).summary}`));
    io.stdout.write(`usage: bifrost <command> [options]\n\ncommands:\n${lines.join('\n')}\n`);
    return name ? 0 : 2;
  }
  if (!names.includes(name)) {
    io.stderr.write(`bifrost: unknown command '${name}'; run 'bifrost help' for the list\n`);
    return 2;
  }
  const command = (await import(join(commandsDir, `${name}.ts`))) as Command;
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
