// `npm run demo`: the main job for a newcomer. Brings up (or reuses) a 3-host lab and drives the
// fleet core's API in this process the way an admin would: import the hosts from the lab's
// ssh_config, approve each key by the fingerprint the lab recorded, connect (the agent is
// deployed), build and start one busybox guest per host. Then opens the app in browser mode,
// prints its address and serves until Ctrl-C; the lab is taken down afterwards unless --keep.
import path from 'node:path';
import { HELP_OPTION, commandHelp, parseArgv, numberValue, UsageError } from '../../shared/cli/argv';
import type { HostStatus } from '../../shared/api/fleetState';
import { textTable } from '../../shared/format/textTable';
import { serveBrowserModeUntilSignal } from '../../electron/cli/commands/ui';
import { describeFleet } from '../../electron/cli/fleetSummary';
import { createFleetCore, type FleetCore } from '../../electron/core/fleet';
import { labFingerprint } from '../core/support/coreOnLab';
import { labAttach, labUp, type Lab } from './lab';

const DEMO_SPEC = {
  name: 'demo',
  summary: 'Brings up a 3-host lab, onboards it and opens vfleet on it in browser mode until Ctrl-C.',
  options: [
    { name: '--keep', help: 'leave the lab up afterwards (npm run lab -- down removes it)' },
    { name: '--port', value: 'N', help: 'the port browser mode listens on (default: a free one)' },
    HELP_OPTION,
  ],
};

async function openLab(): Promise<Lab> {
  try {
    const lab = await labAttach();
    console.log(`# reusing lab ${lab.name} in ${lab.dir}`);
    return lab;
  } catch {
    console.log('# bringing up a lab of 3 hosts');
    return labUp({ hosts: 3 });
  }
}

function connectionTable(statuses: HostStatus[]): string {
  return textTable(['HOST', 'STATE', 'AGENT', 'DETAIL'], statuses.map((status) => [
    status.name, status.connection, status.agent ? `${status.agent.version} (${status.agent.uploaded ? 'uploaded' : 'present'})` : '-',
    status.connection === 'connected' ? status.agent?.driver ?? '' : status.error ?? '',
  ]));
}

/** Imports, approves and connects the lab's hosts, and runs one guest on each. */
async function onboard(core: FleetCore, lab: Lab): Promise<void> {
  if (core.registry.list().length === 0) {
    const imported = await core.invoke('hosts.importApply', { kind: 'ssh_config', path: lab.sshConfigPath });
    console.log(`# imported ${imported.added.length} host(s) from ${lab.sshConfigPath}: ${imported.added.join(', ')}`);
  }
  // The first connection meets unknown keys: each host waits for the admin to approve its fingerprint.
  const first = await core.invoke('hosts.connect', { timeoutMs: 30_000 });
  for (const status of first.filter((each) => each.connection === 'pendingApproval')) {
    const recorded = await labFingerprint(lab, status.name);
    console.log(`# ${status.name} offers ${status.offeredFingerprint}; the lab recorded ${recorded}: approving`);
    await core.invoke('hosts.approveKey', { name: status.name, fingerprint: recorded });
  }
  const connected = await core.invoke('hosts.connect', { timeoutMs: 60_000 });
  console.log(connectionTable(connected));
  const down = connected.filter((status) => status.connection !== 'connected');
  if (down.length > 0) throw new Error(`not connected: ${down.map((status) => `${status.name} (${status.error ?? status.connection})`).join(', ')}`);

  const network = lab.subnet.split('/')[0]?.split('.').slice(0, 3).join('.');
  for (const [index, host] of lab.hosts.entries()) {
    const name = `web${index + 1}`;
    let guest = core.state.guest(host.name, name);
    if (!guest) {
      guest = await core.invoke('guest.build', {
        host: host.name, build: { name, method: 'busybox', xid: 101 + index, hostname: name, interfaces: [{ ip: `${network}.${101 + index}`, prefix: 24 }] },
      });
      console.log(`# built ${host.name}/${name} (xid ${guest.xid})`);
    }
    if (guest.state !== 'running') {
      guest = await core.invoke('guest.start', { host: host.name, guest: name });
      console.log(`# started ${host.name}/${name} (init pid ${guest.initPid})`);
    }
  }
  console.log(describeFleet(core.snapshot()));
}

async function main(): Promise<void> {
  const args = parseArgv(process.argv.slice(2), DEMO_SPEC);
  if (args.flags.has('help')) {
    process.stdout.write(commandHelp('npm run demo --', DEMO_SPEC));
    return;
  }
  const port = numberValue(args, 'port');
  const lab = await openLab();
  const core = await createFleetCore({ dataDir: path.join(lab.dir, 'vfleet-config') });
  try {
    await onboard(core, lab);
    await serveBrowserModeUntilSignal(core, {
      ...(port !== undefined ? { port } : {}),
      out: (text) => process.stdout.write(text),
      err: (text) => process.stderr.write(text),
    });
  } finally {
    // Ctrl-C reaches npm, tsx and this process at once, and npm and tsx pass it on again: the
    // repeats must not kill the demo half-way through closing the core and taking the lab down.
    const stillClosing = (): void => { console.log('# still closing, please wait'); };
    process.on('SIGINT', stillClosing);
    process.on('SIGTERM', stillClosing);
    await core.close();
    if (args.flags.has('keep')) {
      console.log(`# the lab stays up: ssh -F ${lab.sshConfigPath} lab-1 hostname; VFLEET_CONFIG_DIR=${path.join(lab.dir, 'vfleet-config')} npm run -s vfleet -- ui; npm run lab -- down removes it`);
    } else {
      console.log(`# taking lab ${lab.name} down`);
      await lab.down();
    }
  }
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof UsageError ? `${error.message}\n${commandHelp('npm run demo --', DEMO_SPEC)}` : error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
