// The partition fault: two hosts of a lab cannot reach each other while both still reach the
// machine (the bridge's own address) and every other host. It lives on the machine side, out of
// the hosts' reach: one nftables table per lab, `bridge vfleet-lab-<name>`, whose forward chain
// drops every IPv4 and IPv6 frame the bridge would forward from one host's veth to the other's,
// both ways. ARP still passes, so neighbours resolve and connections time out, as when a router
// between two sites fails (not "no route to host"). Each pair's two rules carry the comment
// `partition lab-A lab-B`, by which status reads them back and unpartition removes them. The rules
// match the veths by name, so they outlive a reboot (the veth is recreated with its name), and the
// table goes with `down`, found by its name also after a crash.
import { findExecutable } from '../../../host-agent/src/process/runTool';
import { runCommand, runOrThrow } from '../system/command';

const CHAIN = 'forward';

export function partitionTableName(labName: string): string {
  return `vfleet-lab-${labName}`;
}

function nft(): string {
  const path = findExecutable('nft');
  if (!path) throw new Error('the partition fault needs nft, which is not installed; install it with: apt-get install nftables');
  return path;
}

function pairComment(pair: readonly [string, string]): string {
  return `partition ${pair[0]} ${pair[1]}`;
}

/** The pair in a stable order (lab-1 before lab-2), so a partition has one name whichever way it was asked for. */
export function partitionPair(first: string, second: string): [string, string] {
  const number = (host: string): number => Number(/(\d+)$/.exec(host)?.[1] ?? 0);
  return number(first) <= number(second) ? [first, second] : [second, first];
}

interface NftRule {
  handle: number;
  comment?: string;
}

async function tableRules(labName: string): Promise<NftRule[] | undefined> {
  const nftPath = findExecutable('nft');
  if (!nftPath) return undefined;
  const listed = await runCommand([nftPath, '-j', 'list', 'table', 'bridge', partitionTableName(labName)]);
  if (listed.code !== 0) return undefined;
  const entries = (JSON.parse(listed.stdout) as { nftables: { rule?: NftRule & { chain: string } }[] }).nftables;
  return entries.flatMap((entry) => (entry.rule && entry.rule.chain === CHAIN ? [entry.rule] : []));
}

/** The partitioned pairs of the lab, from the rules themselves (none when the table is absent). */
export async function listPartitions(labName: string): Promise<[string, string][]> {
  const pairs = new Map<string, [string, string]>();
  for (const rule of (await tableRules(labName)) ?? []) {
    const match = /^partition (\S+) (\S+)$/.exec(rule.comment ?? '');
    if (match?.[1] && match[2]) pairs.set(match[0], [match[1], match[2]]);
  }
  return [...pairs.values()];
}

/** Drops what the bridge forwards between the two veths, both ways; a pair already partitioned stays as it is. */
export async function addPartition(labName: string, hosts: { name: string; veth: string }[]): Promise<void> {
  const [first, second] = hosts;
  if (!first || !second || hosts.length !== 2) throw new Error('a partition is between two hosts');
  if (first.name === second.name) throw new Error(`a host cannot be partitioned from itself (${first.name})`);
  const pair = partitionPair(first.name, second.name);
  if ((await listPartitions(labName)).some((existing) => existing[0] === pair[0] && existing[1] === pair[1])) return;
  const table = partitionTableName(labName);
  const comment = pairComment(pair);
  // One transaction: the table and chain if missing, and both directions' rules.
  const script = [
    `table bridge ${table} { comment "vfleet lab ${labName}: partitions"; }`,
    `add chain bridge ${table} ${CHAIN} { type filter hook forward priority 0; policy accept; }`,
    `add rule bridge ${table} ${CHAIN} iifname "${first.veth}" oifname "${second.veth}" ether type { ip, ip6 } drop comment "${comment}"`,
    `add rule bridge ${table} ${CHAIN} iifname "${second.veth}" oifname "${first.veth}" ether type { ip, ip6 } drop comment "${comment}"`,
  ].join('\n');
  await runOrThrow([nft(), '-f', '-'], `partitioning ${pair[0]} from ${pair[1]}`, { input: script });
}

/** Removes the pair's rules, and the table once no partition is left; nothing to do when they are not partitioned. */
export async function removePartition(labName: string, first: string, second: string): Promise<void> {
  const rules = await tableRules(labName);
  if (!rules) return;
  const comment = pairComment(partitionPair(first, second));
  const table = partitionTableName(labName);
  const script = rules.filter((rule) => rule.comment === comment).map((rule) => `delete rule bridge ${table} ${CHAIN} handle ${rule.handle}`);
  if (rules.every((rule) => rule.comment === comment)) script.push(`delete table bridge ${table}`);
  if (script.length > 0) await runOrThrow([nft(), '-f', '-'], `healing the partition of ${first} and ${second}`, { input: script.join('\n') });
}

/** The lab's table, when present (a leftover once the lab is down). */
export async function partitionTableLeftover(labName: string): Promise<string[]> {
  return (await tableRules(labName)) === undefined ? [] : [`nftables table bridge ${partitionTableName(labName)}`];
}

export async function deletePartitionTable(labName: string): Promise<void> {
  const nftPath = findExecutable('nft');
  if (nftPath) await runCommand([nftPath, 'delete', 'table', 'bridge', partitionTableName(labName)]);
}
