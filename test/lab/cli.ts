import {
  commandHelp, HELP_OPTION, JSON_OPTION, lastValue, numberValue, parseArgv, UsageError, type CommandSpec, type OptionDef,
} from '../../shared/cli/argv';
import { labAttach, labDown, labUp, type Lab, type LabStatus } from './lab';

const TARGET_OPTIONS: readonly OptionDef[] = [
  { name: '--name', value: 'NAME', help: 'the lab (default vfleet)' },
  { name: '--dir', value: 'DIR', help: 'its state (default /var/lib/vfleet-lab/NAME or $VFLEET_LAB_DIR)' },
  HELP_OPTION,
];

function hostCommand(name: string, summary: string): CommandSpec {
  return { name, args: 'HOST', summary, options: TARGET_OPTIONS };
}

const COMMANDS: readonly CommandSpec[] = [
  {
    name: 'up',
    summary: 'bring up a lab of N SSH hosts',
    options: [{ name: '--hosts', value: 'N', help: 'how many hosts (default 3)' }, { name: '--subnet', value: 'CIDR', help: 'the lab network' }, ...TARGET_OPTIONS],
  },
  { name: 'status', summary: 'show the lab and its hosts', options: [JSON_OPTION, ...TARGET_OPTIONS] },
  hostCommand('cut', 'take the host\'s link down'),
  hostCommand('heal', 'bring the host\'s link up'),
  { name: 'partition', args: 'HOST1 HOST2', summary: 'the two hosts cannot reach each other (both still reach this machine)', options: TARGET_OPTIONS },
  { name: 'unpartition', args: 'HOST1 HOST2', summary: 'heal a partition', options: TARGET_OPTIONS },
  hostCommand('kill-sshd', 'stop the host\'s sshd'),
  hostCommand('start-sshd', 'start the host\'s sshd'),
  hostCommand('reboot', 'power-cycle the host (all its processes die, files stay)'),
  hostCommand('rekey', 'give the host a new SSH host key (known_hosts unchanged)'),
  { name: 'exec', args: 'HOST -- CMD...', summary: 'run a command inside the host', options: TARGET_OPTIONS },
  { name: 'down', summary: 'remove everything the lab made', options: TARGET_OPTIONS },
];

const usage = [
  'usage: npm run lab -- <command> [options]   (<command> --help for its options)',
  ...COMMANDS.map((spec) => `  ${spec.name}${spec.args ? ` ${spec.args}` : ''}`.padEnd(30) + spec.summary),
  'every command takes --name NAME (default vfleet) and --dir DIR (default /var/lib/vfleet-lab/NAME or $VFLEET_LAB_DIR)',
].join('\n');

function printStatus(status: LabStatus): void {
  console.log(`lab ${status.name} in ${status.dir} (subnet ${status.subnet}, this machine is ${status.gateway})`);
  for (const host of status.hosts) console.log(`  ${host.name.padEnd(8)} ${host.address.padEnd(15)} port ${host.port}  ${host.state}`);
  for (const [first, second] of status.partitions) console.log(`  partitioned: ${first} and ${second} cannot reach each other`);
  const example = status.hosts[1] ?? status.hosts[0];
  if (example) console.log(`reach a host with: ssh -F ${status.sshConfigPath} ${example.name} hostname`);
}

async function main(): Promise<void> {
  const [command = 'help', ...words] = process.argv.slice(2);
  if (command === 'help' || command === '--help') {
    console.log(usage);
    return;
  }
  const spec = COMMANDS.find((candidate) => candidate.name === command);
  if (!spec) throw new UsageError(`unknown command "${command}"\n${usage}`);
  const args = parseArgv(words, spec);
  if (args.flags.has('help')) {
    process.stdout.write(commandHelp('npm run lab --', spec));
    return;
  }
  const name = lastValue(args, 'name');
  const dir = lastValue(args, 'dir');
  const target = { name, dir };
  const withHost = async (act: (lab: Lab, host: string) => Promise<void>): Promise<void> => {
    const host = args.positionals[0];
    if (!host) throw new UsageError(`${command} needs a host name, e.g. ${command} lab-1`);
    const lab = await labAttach(target);
    await act(lab, host);
    console.log(`${host}: ${lab.host(host).state}`);
  };
  switch (command) {
    case 'up': {
      const lab = await labUp({ name, dir, hosts: numberValue(args, 'hosts'), subnet: lastValue(args, 'subnet') });
      printStatus(await lab.status());
      return;
    }
    case 'status': {
      const status = await (await labAttach(target)).status();
      if (args.flags.has('json')) console.log(JSON.stringify(status, null, 2));
      else printStatus(status);
      return;
    }
    case 'cut': return withHost((lab, host) => lab.cut(host));
    case 'heal': return withHost((lab, host) => lab.heal(host));
    case 'partition':
    case 'unpartition': {
      const [first, second] = args.positionals;
      if (!first || !second) throw new UsageError(`${command} needs two host names, e.g. ${command} lab-1 lab-2`);
      const lab = await labAttach(target);
      await (command === 'partition' ? lab.partition(first, second) : lab.unpartition(first, second));
      printStatus(await lab.status());
      return;
    }
    case 'kill-sshd': return withHost((lab, host) => lab.killSshd(host));
    case 'start-sshd': return withHost((lab, host) => lab.startSshd(host));
    case 'reboot': return withHost((lab, host) => lab.reboot(host));
    case 'rekey': return withHost((lab, host) => lab.rekey(host));
    case 'exec': {
      const host = args.positionals[0];
      if (!host || args.rest.length === 0) throw new UsageError('usage: exec HOST -- CMD...');
      const result = await (await labAttach(target)).exec(host, args.rest);
      process.stdout.write(result.stdout);
      process.stderr.write(result.stderr);
      process.exitCode = result.code;
      return;
    }
    case 'down':
      await labDown(target);
      console.log(`lab ${name ?? 'vfleet'} is down`);
      return;
  }
}

main().catch((error: unknown) => {
  console.error(`lab: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
