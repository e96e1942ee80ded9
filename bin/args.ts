import { parseArgs } from 'node:util';

/** Options of each command; anything else is refused with the usage. */
const COMMAND_OPTIONS = {
  'create-user': {
    login: { type: 'string' },
    password: { type: 'string' },
    roles: { type: 'string' },
    name: { type: 'string' },
    organisation: { type: 'string' },
    region: { type: 'string' },
  },
} as const;

export type CreateUserArgs = { login?: string; password?: string; roles?: string; name?: string; organisation?: string; region?: string };

/** `fuhua <command> [positionals] [--options]`, parsed with node:util parseArgs (strict: unknown options fail). */
export function parseCommandLine(argv: string[]): { command: string | undefined; positionals: string[]; values: CreateUserArgs & { help?: boolean } } {
  const command = argv[0]?.startsWith('-') ? undefined : argv[0];
  const rest = command === undefined ? argv : argv.slice(1);
  const options = { ...(COMMAND_OPTIONS[command as keyof typeof COMMAND_OPTIONS] ?? {}), help: { type: 'boolean', short: 'h' } } as const;
  const { values, positionals } = parseArgs({ args: rest, options, allowPositionals: true, strict: true });
  return { command, positionals, values: values as CreateUserArgs & { help?: boolean } };
}

