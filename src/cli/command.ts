/**
 * The shape every `ts-tls` subcommand shares: its options (node:util parseArgs), its help text with
 * examples, and the exit-code rule: 0 ok, 1 the work failed, 2 the command line was wrong.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** The command line was wrong: exit 2 and point at --help. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The work failed for a reason the user can act on: exit 1 with this message, no stack. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(message: string, readonly code = 'ERR_TS_TLS_CLI') {
    super(message);
  }
}

export type OptionSpec = NonNullable<ParseArgsConfig['options']>[string] & { help?: string; arg?: string };

/** Where a command writes: stdout for results, stderr for progress and diagnostics. */
export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Longer description and examples, printed by --help. */
  details: string;
  options: Record<string, OptionSpec>;
  /** Positional arguments allowed (default 0). */
  maxPositionals?: number;
  run(args: ParsedArgs, io: Io): Promise<number> | number;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', help: 'show this help' },
};

export function parseCommandLine(cmd: Command, argv: string[]): ParsedArgs {
  const options: ParseArgsConfig['options'] = {};
  for (const [name, spec] of Object.entries({ ...COMMON, ...cmd.options })) {
    const { help: _h, arg: _a, ...o } = spec;
    options[name] = o;
  }
  try {
    const { values, positionals } = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
    if (!values.help && positionals.length > (cmd.maxPositionals ?? 0)) {
      throw new UsageError(`unexpected argument "${positionals[cmd.maxPositionals ?? 0]}"`);
    }
    return { values: values as ParsedArgs['values'], positionals };
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

export function helpText(cmd: Command): string {
  const rows = Object.entries({ ...cmd.options, ...COMMON }).map(([name, o]) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'string' ? ` ${o.arg ?? 'VALUE'}` : ''}`;
    return `  ${flag.padEnd(30)} ${o.help ?? ''}${o.multiple ? ' (repeatable)' : ''}`;
  });
  return `${cmd.summary}\n\nUsage: ts-tls ${cmd.usage}\n\nOptions:\n${rows.join('\n')}\n\n${cmd.details.trim()}\n`;
}

// Typed accessors: parseArgs gives strings; these check and convert with usage errors.

export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  if (Array.isArray(v)) return v[v.length - 1];
  return typeof v === 'string' ? v : undefined;
}

export function list(args: ParsedArgs, name: string): string[] {
  const v = args.values[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [String(v)]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.values[name] === true;
}

export function int(args: ParsedArgs, name: string, dflt: number, min: number, max: number): number {
  const s = str(args, name);
  if (s === undefined) return dflt;
  if (!/^\d+$/.test(s)) throw new UsageError(`--${name} must be a whole number, got "${s}"`);
  const n = Number(s);
  if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max}, got ${n}`);
  return n;
}

export function oneOf<T extends string>(args: ParsedArgs, name: string, allowed: readonly T[], dflt: T): T {
  const s = str(args, name);
  if (s === undefined) return dflt;
  const hit = allowed.find((a) => a.toLowerCase() === s.toLowerCase());
  if (!hit) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${s}"`);
  return hit;
}
