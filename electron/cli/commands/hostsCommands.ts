// vfleet hosts add|list|remove|approve|connect, import-ssh-config, import-ansible.
import { homedir } from 'node:os';
import path from 'node:path';
import type { HostInput, ImportPreview } from '../../../shared/api/hosts';
import { listOption, numberOption, option, parseArgs, positional, UsageError } from '../cliArgs';
import { askSecret } from '../secretPrompt';
import { textTable } from '../textTable';
import { EXIT_FAILED, EXIT_OK, type CliContext } from '../cliContext';

export async function hostsCommand(context: CliContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  switch (sub) {
    case 'list': return listHosts(context, rest);
    case 'add': return addHost(context, rest);
    case 'remove': return removeHost(context, rest);
    case 'approve': return approveHost(context, rest);
    case 'connect': return connectHosts(context, rest);
    default: throw new UsageError(`unknown hosts command ${sub ?? '(none)'}: use add, list, remove, approve or connect`);
  }
}

async function listHosts(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['--json'] });
  const hosts = await context.core.invoke('hosts.list', {});
  if (args.flags.has('--json')) {
    context.out(`${JSON.stringify(hosts, null, 2)}\n`);
    return EXIT_OK;
  }
  context.out(textTable(['NAME', 'ADDRESS', 'USER', 'AUTH', 'JUMP', 'TAGS', 'KEY'], hosts.map((host) => [
    host.name, `${host.address}:${host.port}`, host.user, host.auth.kind, host.jump ?? '-', host.tags.join(',') || '-',
    host.trust.state === 'trusted' ? host.trust.accepted?.fingerprint ?? 'trusted' : `${host.trust.state}${host.trust.offered ? ` ${host.trust.offered.fingerprint}` : ''}`,
  ])));
  return EXIT_OK;
}

async function addHost(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, { values: ['--port', '--user', '--key', '--jump', '--tag'], flags: ['--password', '--passphrase', '--sudo', '--no-sudo'] });
  const name = positional(args, 0, 'host name');
  const address = positional(args, 1, 'address');
  const keyPath = option(args, '--key');
  const input: HostInput = {
    name,
    address,
    ...(numberOption(args, '--port') !== undefined ? { port: numberOption(args, '--port') } : {}),
    ...(option(args, '--user') ? { user: option(args, '--user') } : {}),
    ...(option(args, '--jump') ? { jump: option(args, '--jump') } : {}),
    tags: listOption(args, '--tag') ?? [],
    // Without either flag the registry decides: sudo unless the user is root.
    ...(args.flags.has('--sudo') ? { sudo: true } : {}),
    ...(args.flags.has('--no-sudo') ? { sudo: false } : {}),
    auth: args.flags.has('--password')
      ? { kind: 'password' }
      : keyPath ? { kind: 'keyFile', keyPath: path.resolve(keyPath), hasPassphrase: args.flags.has('--passphrase') } : { kind: 'agent' },
  };
  if (args.flags.has('--password')) input.password = await required(name, 'password', `Password for ${name}: `);
  if (args.flags.has('--passphrase')) input.passphrase = await required(name, 'passphrase', `Passphrase for ${keyPath ?? 'the key'}: `);
  const host = await context.core.invoke('hosts.add', input);
  context.out(`added ${host.name} (${host.user}@${host.address}:${host.port}); connect it with: vfleet hosts connect ${host.name}\n`);
  return EXIT_OK;
}

async function required(host: string, kind: string, prompt: string): Promise<string> {
  const answer = await askSecret(host, kind, prompt);
  if (!answer) throw new UsageError(`${kind} wanted, but no terminal to ask on`);
  return answer;
}

async function removeHost(context: CliContext, argv: string[]): Promise<number> {
  const name = positional(parseArgs(argv, {}), 0, 'host name');
  await context.core.invoke('hosts.remove', { name });
  context.out(`removed ${name}\n`);
  return EXIT_OK;
}

async function approveHost(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  const name = positional(args, 0, 'host name');
  const fingerprint = args.positional[1];
  if (fingerprint === undefined) {
    const [status] = await context.core.invoke('hosts.connect', { names: [name], timeoutMs: context.connectTimeoutMs });
    const offered = context.core.registry.require(name).trust.offered;
    if (status?.connection === 'connected') {
      context.out(`${name} is already trusted and connected\n`);
      return EXIT_OK;
    }
    if (!offered) {
      context.err(`vfleet: ${status?.error ?? `Host ${name} offered no key`}\n`);
      return EXIT_FAILED;
    }
    context.out(`${name} offers the ${offered.type} key ${offered.fingerprint}\ncheck it on the host (ssh-keygen -lf /etc/ssh/ssh_host_${offered.type.replace('ssh-', '')}_key.pub), then run:\n  vfleet hosts approve ${name} ${offered.fingerprint}\n`);
    return EXIT_FAILED;
  }
  await context.core.invoke('hosts.approveKey', { name, fingerprint });
  context.out(`approved ${fingerprint} for ${name}\n`);
  return EXIT_OK;
}

async function connectHosts(context: CliContext, argv: string[]): Promise<number> {
  const args = parseArgs(argv, {});
  const names = args.positional.length > 0 ? args.positional : undefined;
  const statuses = await context.core.invoke('hosts.connect', { ...(names ? { names } : {}), timeoutMs: context.connectTimeoutMs });
  context.out(textTable(['HOST', 'STATE', 'AGENT', 'DETAIL'], statuses.map((status) => [
    status.name, status.connection,
    status.agent ? `${status.agent.version} (${status.agent.uploaded ? 'uploaded' : 'present'})` : '-',
    status.connection === 'connected' ? status.agentError ?? `${status.info?.kernel ?? ''} ${status.agent?.driver ?? ''}`.trim() : status.error ?? '',
  ])));
  return statuses.every((status) => status.connection === 'connected') ? EXIT_OK : EXIT_FAILED;
}

export async function importCommand(context: CliContext, kind: 'ssh_config' | 'ansible', argv: string[]): Promise<number> {
  const args = parseArgs(argv, { flags: ['--apply', '--json'] });
  const file = kind === 'ssh_config' ? args.positional[0] ?? path.join(homedir(), '.ssh', 'config') : positional(args, 0, 'inventory file');
  const source = { kind: kind === 'ssh_config' ? 'ssh_config' as const : ansibleKind(file), path: path.resolve(file) };
  const preview = await context.core.invoke('hosts.importPreview', source);
  if (args.flags.has('--json')) context.out(`${JSON.stringify(preview, null, 2)}\n`);
  else context.out(describePreview(preview));
  if (!args.flags.has('--apply')) {
    if (preview.toAdd.length > 0 && !args.flags.has('--json')) context.out('nothing added yet: run again with --apply to add these hosts\n');
    return EXIT_OK;
  }
  const result = await context.core.invoke('hosts.importApply', source);
  context.out(`added ${result.added.length} host(s)${result.added.length ? `: ${result.added.join(', ')}` : ''}\n`);
  for (const skipped of result.notAdded) context.err(`vfleet: not added ${skipped.name}: ${skipped.reason}\n`);
  return result.notAdded.length === 0 ? EXIT_OK : EXIT_FAILED;
}

function ansibleKind(file: string): 'ansible_ini' | 'ansible_yaml' {
  return /\.ya?ml$/i.test(file) ? 'ansible_yaml' : 'ansible_ini';
}

function describePreview(preview: ImportPreview): string {
  const rows = [
    ...preview.toAdd.map((candidate) => ['add', candidate.host.name, `${candidate.host.user ?? 'root'}@${candidate.host.address}:${candidate.host.port ?? 22}`, (candidate.host.tags ?? []).join(',') || '-', candidate.origin]),
    ...preview.existing.map((candidate) => ['exists', candidate.host.name, `as ${candidate.existingName} (${candidate.reason})`, '-', candidate.origin]),
    ...preview.skipped.map((skipped) => ['skip', skipped.entry, skipped.reason, '-', skipped.origin]),
  ];
  return textTable(['ACTION', 'HOST', 'TARGET', 'TAGS', 'FROM'], rows) + preview.warnings.map((warning) => `warning: ${warning}\n`).join('');
}
