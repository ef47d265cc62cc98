// SSH exec takes one command string that the remote login shell parses; every argument is
// single-quoted here so no host, guest or user input is ever interpreted by that shell.

const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quoteShellArgument(argument: string): string {
  if (argument !== '' && SAFE_WORD.test(argument)) return argument;
  return `'${argument.replace(/'/g, `'\\''`)}'`;
}

export function remoteCommand(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('a remote command needs at least the program name');
  return argv.map(quoteShellArgument).join(' ');
}
