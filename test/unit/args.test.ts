import { parseCommandLine } from '../../bin/args';

describe('the fuhua command line (node:util parseArgs)', () => {
  test('a command with its options gives the command, its positionals and typed values', () => {
    expect(parseCommandLine(['create-user', '--login', 'li', '--password', 'long-enough-pw', '--roles', 'officer,reviewer', '--name=Li Hua'])).toEqual({
      command: 'create-user',
      positionals: [],
      values: { login: 'li', password: 'long-enough-pw', roles: 'officer,reviewer', name: 'Li Hua' },
    });
    expect(parseCommandLine(['migrate', 'status'])).toEqual({ command: 'migrate', positionals: ['status'], values: {} });
  });

  test('when an option is unknown to the command, or a value is missing, it is refused', () => {
    expect(() => parseCommandLine(['create-user', '--login'])).toThrow(/--login/);
    expect(() => parseCommandLine(['create-user', '--admin'])).toThrow(/--admin/);
    expect(() => parseCommandLine(['start', '--login', 'x'])).toThrow(/--login/);
  });

  test('no command, help, -h or --help asks for the usage', () => {
    expect(parseCommandLine([]).command).toBeUndefined();
    expect(parseCommandLine(['--help']).values.help).toBe(true);
    expect(parseCommandLine(['start', '-h']).values.help).toBe(true);
  });
});
