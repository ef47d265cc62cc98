// A relayed migration round's data path through the workstation (docs/architecture.md, "Migration",
// relay): for each tree, one exec channel on the source running the agent's relay end `source`
// (rsync's remote shell connects to it) and one on the target running `target` (the forced rrsync),
// the one piped into the other both ways. Node's pipe follows SSH's windows, so the core holds at
// most a stream buffer or two per direction, whatever the guest's size; it reads nothing of the
// stream but counts its bytes. Closing a relay (cancel, a failed round, a host lost) closes all four
// channels, which ends rsync on both hosts: the coordinator then resolves the journal as for direct.
import type { ClientChannel } from 'ssh2';
import type { HostAgent } from '../sessions/sessionPool';
import { RELAY_COMMAND, RELAY_READY, RELAY_TREES, type RelayTree } from '../../../shared/protocol/migrationRelay';
import { HostError } from '../ssh/sshErrors';

const READY_TIMEOUT_MS = 30_000;
const STDERR_KEPT = 4_096;

export interface RelayPipe {
  /** Resolves once both ends exited; rejects when the target's end failed or was cut off. */
  done: Promise<void>;
  close(): void;
}

/** Relays that are open in this core now (the tests check none outlives its migration). */
let relaysOpen = 0;
export function openRelayCount(): number {
  return relaysOpen;
}

function keepStderr(channel: ClientChannel): () => string {
  let text = '';
  channel.stderr.on('data', (chunk: Buffer) => { if (text.length < STDERR_KEPT) text += chunk.toString('utf8'); });
  return () => text.trim().split('\n').filter((line) => line !== RELAY_READY).slice(-2).join(' / ');
}

/** Resolves when the source end says it listens; rejects when its channel ends first or it takes too long. */
function whenListening(host: string, channel: ClientChannel, stderr: () => string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => fail(new HostError(host, `the relay's source end did not start within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString('utf8');
      if (!seen.split('\n').includes(RELAY_READY)) return;
      cleanup();
      resolve();
    };
    const onClose = (): void => fail(new HostError(host, `the relay's source end ended at start${stderr() ? `: ${stderr()}` : ''}`));
    const cleanup = (): void => {
      clearTimeout(timer);
      channel.stderr.off('data', onData);
      channel.off('close', onClose);
    };
    const fail = (error: Error): void => { cleanup(); reject(error); };
    channel.stderr.on('data', onData);
    channel.once('close', onClose);
  });
}

/** Exit code of a channel's command once it closed (undefined: the channel went without one, e.g. the connection dropped). */
function exited(channel: ClientChannel): Promise<number | undefined> {
  return new Promise((resolve) => {
    let code: number | undefined;
    channel.once('exit', (value: number | null) => { code = value ?? undefined; });
    channel.once('close', () => resolve(code));
  });
}

/** One relay per tree, opened side by side (each is two exec channels and two agent starts); none left open when one fails. */
export async function openRelays(source: HostAgent, target: HostAgent, migration: string, signal?: AbortSignal): Promise<RelayPipe[]> {
  const opened = await Promise.allSettled(RELAY_TREES.map((tree) => openRelay(source, target, migration, tree, signal)));
  const relays = opened.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value] : []));
  const failure = opened.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure) {
    for (const relay of relays) relay.close();
    throw failure.reason;
  }
  return relays;
}

/** Opens one tree's relay: the source end first (rsync connects to it), then the target end, piped together. */
async function openRelay(source: HostAgent, target: HostAgent, migration: string, tree: RelayTree, signal?: AbortSignal): Promise<RelayPipe> {
  const options = signal ? { signal } : {};
  const sourceChannel = await source.channel([RELAY_COMMAND, 'source', migration, tree], options);
  relaysOpen += 1;
  // A channel whose connection dropped errors on the next write: its exit (below) reports it.
  sourceChannel.on('error', () => undefined);
  let targetChannel: ClientChannel | undefined;
  let closed = false;
  const close = (): void => {
    if (closed) return;
    closed = true;
    relaysOpen -= 1;
    sourceChannel.close();
    targetChannel?.close();
  };
  try {
    const sourceStderr = keepStderr(sourceChannel);
    const sourceExit = exited(sourceChannel);
    await whenListening(source.host, sourceChannel, sourceStderr);
    targetChannel = await target.channel([RELAY_COMMAND, 'target', migration, tree], options);
    targetChannel.on('error', () => undefined);
    const targetStderr = keepStderr(targetChannel);
    const targetExit = exited(targetChannel);
    sourceChannel.pipe(targetChannel);
    targetChannel.pipe(sourceChannel);
    // pipe() lets go of a source whose destination closed; what is left of it is drained, so that its channel ends and closes too.
    targetChannel.once('close', () => sourceChannel.resume());
    sourceChannel.once('close', () => targetChannel?.resume());
    // An end that fails takes the other down at once, so rsync on the far host stops too. The
    // target end's code is rsync's receiver's; the source's rsync reports its own side (migrationSync).
    const watchSource = async (): Promise<void> => {
      if ((await sourceExit) !== 0) close();
    };
    const watchTarget = async (): Promise<void> => {
      const code = await targetExit;
      if (code === 0) return;
      close();
      throw new HostError(target.host, `the relay's target end ${code === undefined ? 'was cut off' : `exited with code ${code}`}${targetStderr() ? `: ${targetStderr()}` : ''}`);
    };
    const done = Promise.all([watchSource(), watchTarget()]).then(() => undefined).finally(close);
    done.catch(() => undefined);
    return { done, close };
  } catch (error) {
    close();
    throw error;
  }
}
