// vfleet hosts add NAME ADDRESS ...: registers a host; passwords and passphrases are asked for.
import path from 'node:path';
import { lastValue, listValue, numberValue, positional, UsageError } from '../../../shared/cli/argv';
import type { HostInput } from '../../../shared/api/hosts';
import { EXIT_OK, type VfleetCommand } from '../cliContext';
import { askSecret } from '../secretPrompt';

export const hostsAddCommand: VfleetCommand = {
  spec: {
    name: 'hosts add',
    args: 'NAME ADDRESS',
    summary: 'Registers a host (log in with ssh-agent unless told otherwise).',
    options: [
      { name: '--port', value: 'N', help: 'SSH port (default 22)' },
      { name: '--user', value: 'U', help: 'SSH user (default root)' },
      { name: '--key', value: 'FILE', help: 'log in with this private key' },
      { name: '--passphrase', help: 'the key has a passphrase: ask for it' },
      { name: '--password', help: 'log in with a password: ask for it' },
      { name: '--jump', value: 'HOST', help: 'reach the host through this registered host' },
      { name: '--tag', value: 'T', help: 'a tag for --hosts filters; repeat or separate with commas' },
      { name: '--sudo', help: 'run the agent with sudo (the default unless the user is root)' },
      { name: '--no-sudo', help: 'run the agent as the login user' },
    ],
  },
  run: async (context, args) => {
    const name = positional(args, 0, 'host name');
    const address = positional(args, 1, 'address');
    const keyPath = lastValue(args, 'key');
    const port = numberValue(args, 'port');
    const user = lastValue(args, 'user');
    const jump = lastValue(args, 'jump');
    const input: HostInput = {
      name,
      address,
      ...(port !== undefined ? { port } : {}),
      ...(user ? { user } : {}),
      ...(jump ? { jump } : {}),
      tags: listValue(args, 'tag') ?? [],
      // Without either flag the registry decides: sudo unless the user is root.
      ...(args.flags.has('sudo') ? { sudo: true } : {}),
      ...(args.flags.has('no-sudo') ? { sudo: false } : {}),
      auth: args.flags.has('password')
        ? { kind: 'password' }
        : keyPath ? { kind: 'keyFile', keyPath: path.resolve(keyPath), hasPassphrase: args.flags.has('passphrase') } : { kind: 'agent' },
    };
    if (args.flags.has('password')) input.password = await required(name, 'password', `Password for ${name}: `);
    if (args.flags.has('passphrase')) input.passphrase = await required(name, 'passphrase', `Passphrase for ${keyPath ?? 'the key'}: `);
    const host = await context.core.invoke('hosts.add', input);
    context.out(`added ${host.name} (${host.user}@${host.address}:${host.port}); connect it with: vfleet hosts connect ${host.name}\n`);
    return EXIT_OK;
  },
};

async function required(host: string, kind: string, prompt: string): Promise<string> {
  const answer = await askSecret(host, kind, prompt);
  if (!answer) throw new UsageError(`${kind} wanted, but no terminal to ask on`);
  return answer;
}
