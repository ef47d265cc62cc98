// `npm run demo`: the main job for a newcomer. Brings up (or reuses) a 3-host lab, then drives the
// real `vfleet` CLI against it the way an admin would: import the hosts, check and approve their
// keys, connect (the agent is deployed), build and start one busybox guest per host, show the
// fleet's vserver-stat and summary. Everything stays up for exploring; `npm run lab -- down` ends it.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { fleetSnapshotSchema } from '../../shared/api/fleetState';
import { hostSchema, type Host } from '../../shared/api/hosts';
import { labAttach, labUp, type Lab } from './lab';

const repo = path.resolve(import.meta.dirname, '..', '..');
const cli = path.join(repo, 'dist', 'cli', 'vfleet.cjs');

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

/** How an admin would type the argument in a shell. */
function shellQuoted(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

function run(env: NodeJS.ProcessEnv, args: string[], expectFailure = false): void {
  console.log(`\n$ vfleet ${args.map(shellQuoted).join(' ')}`);
  const result = spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
  process.stdout.write(result.stdout);
  process.stderr.write(result.stderr);
  if (result.status !== 0 && !expectFailure) throw new Error(`vfleet ${args.join(' ')} failed with exit code ${result.status}`);
}

/** Runs a vfleet command quietly and returns its JSON output. */
function query(env: NodeJS.ProcessEnv, args: string[]): unknown {
  const result = spawnSync(process.execPath, [cli, ...args, '--json'], { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`vfleet ${args.join(' ')} failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

function hostList(env: NodeJS.ProcessEnv): Host[] {
  return z.array(hostSchema).parse(query(env, ['hosts', 'list']));
}

/** The fingerprint the lab recorded for a host, as an admin reads it off the host with ssh-keygen -lf. */
function recordedFingerprint(lab: Lab, address: string): string {
  const listing = spawnSync('ssh-keygen', ['-l', '-F', address, '-f', lab.knownHostsPath], { encoding: 'utf8' }).stdout;
  const fingerprint = /SHA256:[A-Za-z0-9+/]+/.exec(listing)?.[0];
  if (!fingerprint) throw new Error(`no key for ${address} in ${lab.knownHostsPath}`);
  return fingerprint;
}

async function main(): Promise<void> {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run npm run build first`);
  const lab = await openLab();
  const status = await lab.status();
  const configDir = path.join(lab.dir, 'vfleet-config');
  const env = { ...process.env, VFLEET_CONFIG_DIR: configDir };
  const [prefix] = status.subnet.split('/');
  const network = prefix?.split('.').slice(0, 3).join('.');

  if (hostList(env).length === 0) run(env, ['import-ssh-config', lab.sshConfigPath, '--apply']);
  // The first connection meets unknown keys: each host waits for the admin to approve its fingerprint.
  if (hostList(env).some((host) => host.trust.state !== 'trusted')) run(env, ['hosts', 'connect'], true);
  for (const host of hostList(env).filter((each) => each.trust.state === 'pending')) {
    run(env, ['hosts', 'approve', host.name, recordedFingerprint(lab, host.address)]);
  }
  run(env, ['hosts', 'connect']);
  const inventory = fleetSnapshotSchema.parse(query(env, ['inventory']));
  lab.hosts.forEach((host, index) => {
    const name = `web${index + 1}`;
    const guest = inventory.hosts.find((entry) => entry.name === host.name)?.guests.find((each) => each.name === name);
    if (!guest) {
      run(env, ['guest', 'build', host.name, name, '--xid', String(101 + index), '--hostname', name, '--interface', `${network}.${101 + index}/24`]);
    }
    if (guest?.state !== 'running') run(env, ['guest', 'start', host.name, name]);
  });
  run(env, ['stat']);
  run(env, ['exec', '--', 'sh', '-c', 'echo "$(hostname) sees $(ps | tail -n +2 | wc -l) processes"']);
  run(env, ['watch', '--count', '1']);
  console.log(`
The lab stays up. Try:
  ssh -F ${lab.sshConfigPath} lab-1 hostname
  VFLEET_CONFIG_DIR=${configDir} npm run -s vfleet -- watch
  VFLEET_CONFIG_DIR=${configDir} npm run -s vfleet -- guest exec lab-1 web1 -- ps
Remove everything with: npm run lab -- down`);
}

main().catch((error: unknown) => {
  console.error(`demo: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
