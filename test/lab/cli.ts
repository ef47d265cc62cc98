import { labAttach, labDown, labUp, type Lab, type LabStatus } from './lab';

const usage = `usage: npm run lab -- <command> [options]
  up [--hosts N] [--name NAME] [--subnet CIDR] [--dir DIR]   bring up a lab of N SSH hosts
  status [--json]                                           show the lab and its hosts
  cut|heal HOST                                             take the host's link down / up
  kill-sshd|start-sshd HOST                                 stop / start the host's sshd
  reboot HOST                                               power-cycle the host (all its processes die, files stay)
  rekey HOST                                                give the host a new SSH host key (known_hosts unchanged)
  exec HOST -- CMD...                                       run a command inside the host
  down                                                      remove everything the lab made
every command takes --name NAME (default vfleet) and --dir DIR (default /var/lib/vfleet-lab/NAME or $VFLEET_LAB_DIR)`;

interface ParsedArguments {
  command: string;
  positional: string[];
  options: Map<string, string>;
  flags: Set<string>;
  rest: string[];
}

const valueOptions = new Set(['--hosts', '--name', '--subnet', '--dir']);

function parseArguments(argv: string[]): ParsedArguments {
  const [command = 'help', ...tail] = argv;
  const parsed: ParsedArguments = { command, positional: [], options: new Map(), flags: new Set(), rest: [] };
  for (let index = 0; index < tail.length; index++) {
    const argument = tail[index] ?? '';
    if (argument === '--') {
      parsed.rest = tail.slice(index + 1);
      break;
    }
    if (valueOptions.has(argument)) {
      const value = tail[++index];
      if (value === undefined) throw new Error(`${argument} needs a value`);
      parsed.options.set(argument, value);
    } else if (argument.startsWith('--')) parsed.flags.add(argument);
    else parsed.positional.push(argument);
  }
  return parsed;
}

function printStatus(status: LabStatus): void {
  console.log(`lab ${status.name} in ${status.dir} (subnet ${status.subnet}, this machine is ${status.gateway})`);
  for (const host of status.hosts) console.log(`  ${host.name.padEnd(8)} ${host.address.padEnd(15)} port ${host.port}  ${host.state}`);
  const example = status.hosts[1] ?? status.hosts[0];
  if (example) console.log(`reach a host with: ssh -F ${status.sshConfigPath} ${example.name} hostname`);
}

async function main(): Promise<void> {
  const args = parseArguments(process.argv.slice(2));
  const name = args.options.get('--name');
  const dir = args.options.get('--dir');
  const target = { name, dir };
  const withHost = async (act: (lab: Lab, host: string) => Promise<void>): Promise<void> => {
    const host = args.positional[0];
    if (!host) throw new Error(`${args.command} needs a host name, e.g. ${args.command} lab-1`);
    const lab = await labAttach(target);
    await act(lab, host);
    console.log(`${host}: ${lab.host(host).state}`);
  };
  switch (args.command) {
    case 'up': {
      const hosts = args.options.has('--hosts') ? Number(args.options.get('--hosts')) : undefined;
      const lab = await labUp({ name, dir, hosts, subnet: args.options.get('--subnet') });
      printStatus(await lab.status());
      return;
    }
    case 'status': {
      const status = await (await labAttach(target)).status();
      if (args.flags.has('--json')) console.log(JSON.stringify(status, null, 2));
      else printStatus(status);
      return;
    }
    case 'cut': return withHost((lab, host) => lab.cut(host));
    case 'heal': return withHost((lab, host) => lab.heal(host));
    case 'kill-sshd': return withHost((lab, host) => lab.killSshd(host));
    case 'start-sshd': return withHost((lab, host) => lab.startSshd(host));
    case 'reboot': return withHost((lab, host) => lab.reboot(host));
    case 'rekey': return withHost((lab, host) => lab.rekey(host));
    case 'exec': {
      const host = args.positional[0];
      if (!host || args.rest.length === 0) throw new Error('usage: exec HOST -- CMD...');
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
    case 'help':
    case '--help':
      console.log(usage);
      return;
    default:
      throw new Error(`unknown command "${args.command}"\n${usage}`);
  }
}

main().catch((error: unknown) => {
  console.error(`lab: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
