import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentMethods } from '../../shared/protocol/methods';
import { MAX_LINE_BYTES, PROTOCOL_VERSION, agentLineSchema } from '../../shared/protocol/envelope';
import { stageAgentBundle, type StagedAgent } from './support/agentBundle';
import { SeededRandom } from './support/seededRandom';

const SEED = 0x5eed_2026;
const MESSAGE_COUNT = 10_000;
const GUEST_PREFIX = 'fz-';

const HOSTILE_NAMES = [
  '../../etc', '..', '.', '/etc/passwd', 'a/b', 'web1;rm -rf /', '$(reboot)', '`id`', 'a|b', 'a&&b', 'x'.repeat(300), '', ' ', 'name\n',
  '-rf', '.hidden', 'é', '\u0000', 'a b', '*', '~root', '${IFS}', 'web1\\..\\x',
];
const HOSTILE_XIDS: unknown[] = [0, 1, -1, 49152, 65535, 1e20, 2.5, '100', null, true, Number.MAX_SAFE_INTEGER, [], {}];
const HOSTILE_PATHS = ['../../etc/shadow', '/tmp/../etc', 'relative', '/tmp/$(id)', '/tmp/a;b', '/tmp/`x`', 'host:/../../x', '-e sh', '/tmp/a\nb', ''];
const HOSTILE_IPS = ['10.0.0.256', '1.2.3', 'fe80::1%eth0', '127.0.0.1;id', '', '::::', 'localhost'];
const HOSTILE_SIZES: unknown[] = ['1e999', '-1M', '12X', 'inf', -5, 1e30, '9'.repeat(40), {}, 'M'];
const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf'];
const METHODS = Object.keys(agentMethods);

interface Sent {
  /** Lines the agent must answer, by id (null = answered without id). */
  expectedIds: Array<string | null>;
}

/** One hostile message per call; each returns the bytes to send and what must be answered. */
function hostileMessage(random: SeededRandom, index: number): { bytes: Buffer; answers: Array<string | null> } {
  const id = `f-${index}`;
  const line = (value: unknown, answers: Array<string | null>): { bytes: Buffer; answers: Array<string | null> } => ({
    bytes: Buffer.from(`${typeof value === 'string' ? value : JSON.stringify(value)}\n`),
    answers,
  });
  const ghost = `${GUEST_PREFIX}ghost-${random.integer(0, 50)}`;
  const name = (): unknown => (random.next() < 0.7 ? random.pick(HOSTILE_NAMES) : ghost);
  switch (random.integer(0, 9)) {
    case 0: {
      // Random bytes without a newline: one line, answered without id unless it is blank.
      const bytes = random.bytes(random.integer(1, 300), [0x0a]);
      return { bytes: Buffer.concat([bytes, Buffer.from('\n')]), answers: bytes.toString('utf8').trim() === '' ? [] : [null] };
    }
    case 1: {
      const valid = JSON.stringify({ id, method: random.pick(METHODS), params: { name: ghost } });
      return line(valid.slice(0, random.integer(1, valid.length - 1)), [null]);
    }
    case 2: {
      const wrongIds: unknown[] = [{}, [], true, -1, 1.5, '', 'x'.repeat(100), null];
      return line({ id: random.pick(wrongIds), method: random.pick(METHODS) }, [null]);
    }
    case 3: {
      const wrongParams: unknown[] = ['string', 42, [1, 2], true, { name: 42 }, { name: null }, { name: ['a'] }];
      const method = random.pick(METHODS.filter((candidate) => !['hello', 'info', 'list', 'stat', 'unsubscribe', 'ps'].includes(candidate)));
      return line({ id, method, params: random.pick(wrongParams) }, [id]);
    }
    case 4: {
      const unknown = random.next() < 0.4 ? random.pick(PROTOTYPE_KEYS) : random.bytes(random.integer(1, 40), [0x0a, 0x22, 0x5c]).toString('latin1');
      return line({ id, method: unknown, params: {} }, [id]);
    }
    case 5: {
      const method = random.pick(['status', 'start', 'stop', 'restart', 'delete', 'limitGet', 'capsGet', 'unameGet', 'enter', 'ps']);
      return line({ id, method, params: { name: name() } }, [id]);
    }
    case 6: {
      // build: every variant carries at least one invalid field, so no guest can come of it.
      const invalid = random.integer(0, 3);
      const params = {
        name: invalid === 0 ? random.pick(HOSTILE_NAMES) : ghost,
        method: random.pick(['skeleton', 'busybox', 'template', 'rsync', 'debootstrap', 'clone', '../x']),
        xid: invalid === 1 ? random.pick(HOSTILE_XIDS) : random.integer(2, 49151),
        interfaces: invalid === 2 ? [{ ip: random.pick(HOSTILE_IPS), prefix: random.integer(-5, 200) }] : [],
        source: invalid === 3 ? random.pick(HOSTILE_PATHS) : undefined,
        ...(invalid === 3 ? { method: random.pick(['template', 'rsync']) } : {}),
        ...(invalid !== 3 && random.next() < 0.5 ? { hostname: 'bad host;name' } : {}),
      };
      if (invalid === 3 && typeof params.name === 'string' && params.source === undefined) params.source = '../x';
      return line({ id, method: 'build', params: invalid === 0 || invalid === 1 || invalid === 2 ? params : { ...params, source: random.pick(HOSTILE_PATHS) } }, [id]);
    }
    case 7: {
      const method = random.pick(['limitSet', 'capsSet', 'unameSet']);
      const params =
        method === 'limitSet'
          ? { name: name(), limits: { memoryHard: random.pick(HOSTILE_SIZES), processes: random.pick([0, -1, 1e12, 'x', 50]), cpu: random.pick([0, -1, 1e9, 0.25]) } }
          : method === 'capsSet'
            ? { name: name(), add: [random.pick(['CAP_NET_RAW', 'CAP_EVIL', '$(id)', 42])], ccapAdd: [random.pick(['raw_icmp', 'nope'])] }
            : { name: name(), nodename: random.pick(['ok', 'bad;name', '-x', 'a'.repeat(100)]), flagAdd: [random.pick(['virt_uptime', 'nope'])] };
      return line({ id, method, params }, [id]);
    }
    case 8: {
      const method = random.pick(['stdin', 'resize', 'signal', 'exec']);
      const session = random.pick(['00000000-0000-0000-0000-000000000000', '../x', '', 'a'.repeat(100), 7]);
      const params =
        method === 'stdin' ? { session, data: random.pick(['aGVsbG8=', '!!notbase64', 'x'.repeat(50)]) }
          : method === 'resize' ? { session, cols: random.pick([80, 0, -1, 1e9]), rows: 24 }
            : method === 'signal' ? { session, signal: random.pick(['SIGKILL', 'SIGNOPE', 9, 'KILL']) }
              : { name: name(), argv: random.pick([[], ['/bin/sh', '-c', 'reboot'], 'id', [42], ['x'.repeat(10)]]), env: random.pick([{ 'A B': 'x' }, { PATH: '/x' }, []]) };
      return line({ id, method, params }, [id]);
    }
    default: {
      // Prototype pollution attempts and extra keys.
      const method = random.pick(['hello', 'info', 'list', 'stat', 'startMarked', 'subscribe']);
      const params = random.pick<unknown>([
        JSON.parse('{"__proto__":{"polluted":true}}'),
        { constructor: { prototype: { polluted: true } } },
        { mark: random.pick(['../x', 'a;b', '']) },
        { healthIntervalMs: random.pick([0, -1, 1e12, 'fast']) },
        { extra: 1 },
      ]);
      return line({ id, method, params }, [id]);
    }
  }
}

let scratch: string;
let staged: StagedAgent;
let agent: ChildProcessWithoutNullStreams;
const responses: unknown[] = [];
let stderr = '';
let agentExit: number | null | undefined;

async function cgroupsNamed(prefix: string): Promise<string[]> {
  const found: string[] = [];
  const controllers = await readdir('/sys/fs/cgroup').catch(() => [] as string[]);
  for (const controller of controllers) {
    const walk = async (directory: string, depth: number): Promise<void> => {
      if (depth > 4) return;
      const entries = await readdir(directory, { withFileTypes: true }).catch(() => []);
      for (const entry of entries) {
        if (!entry.isDirectory()) continue;
        if (entry.name.includes(prefix)) found.push(join(directory, entry.name));
        await walk(join(directory, entry.name), depth + 1);
      }
    };
    await walk(join('/sys/fs/cgroup', controller), 0);
  }
  return found;
}

beforeAll(async () => {
  staged = stageAgentBundle();
  scratch = await mkdtemp(join(tmpdir(), 'vfleet-fuzz-'));
  agent = spawn(process.execPath, [staged.path, '--config-base', join(scratch, 'etc'), '--guest-base', join(scratch, 'guests'), 'serve', '--stdio'], {
    env: { ...process.env, VFLEET_RUN_DIR: join(scratch, 'run') },
  });
  let pending = '';
  agent.stdout.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const text of lines) responses.push(JSON.parse(text));
  });
  agent.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  agent.on('exit', (code) => {
    agentExit = code;
  });
  // A dead agent must fail the test with its stderr, not with an EPIPE from a write.
  agent.stdin.on('error', () => undefined);
});

afterAll(async () => {
  if (agent && agent.exitCode === null) agent.kill('SIGKILL');
  await rm(scratch, { recursive: true, force: true });
  staged?.remove();
});

function write(bytes: Buffer): Promise<void> {
  if (agentExit !== undefined) return Promise.reject(new Error(`the agent exited (code ${agentExit}); stderr: ${stderr}`));
  if (agent.stdin.write(bytes)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onExit = (): void => reject(new Error(`the agent exited (code ${agentExit}); stderr: ${stderr}`));
    agent.once('exit', onExit);
    agent.stdin.once('drain', () => {
      agent.off('exit', onExit);
      resolve();
    });
  });
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 100_000;
  while (!condition()) {
    if (agentExit !== undefined) throw new Error(`the agent exited (code ${agentExit}) while waiting for ${what}; stderr: ${stderr}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('the RPC server under hostile input', () => {
  it(`answers ${MESSAGE_COUNT} generated hostile messages and huge lines, then still says hello`, async () => {
    const random = new SeededRandom(SEED);
    const sent: Sent = { expectedIds: [] };
    for (let index = 0; index < MESSAGE_COUNT; index += 1) {
      const message = hostileMessage(random, index);
      sent.expectedIds.push(...message.answers);
      await write(message.bytes);
      // Now and then a line over the limit, in pieces, as a slow or hostile client would send it.
      if (index % 2000 === 1000) {
        const huge = Buffer.alloc(MAX_LINE_BYTES + random.integer(1, 500_000), 0x7b);
        for (let offset = 0; offset < huge.length; offset += 65536) await write(huge.subarray(offset, offset + 65536));
        await write(Buffer.from('\n'));
        sent.expectedIds.push(null);
      }
    }
    await write(Buffer.from(`${JSON.stringify({ id: 'final-hello', method: 'hello' })}\n`));
    const isAnswer = (value: unknown): value is { id: string | null } => typeof value === 'object' && value !== null && 'id' in value;
    await waitFor(() => responses.filter(isAnswer).length >= sent.expectedIds.length + 1, 'all answers');

    // Every line the agent wrote is a valid protocol line.
    for (const response of responses) expect(agentLineSchema.safeParse(response).success, JSON.stringify(response).slice(0, 300)).toBe(true);
    const answers = responses.filter(isAnswer);
    expect(answers).toHaveLength(sent.expectedIds.length + 1);
    // Each identified request got exactly one answer, with its id.
    const answeredIds = answers.map((answer) => answer.id).filter((id) => id !== null && id !== 'final-hello').sort();
    expect(answeredIds).toEqual(sent.expectedIds.filter((id): id is string => id !== null).sort());
    // Error answers carry a code and a message an admin can read.
    for (const answer of answers) {
      if ('error' in answer) {
        const error = (answer as { error: { code: number; message: string } }).error;
        expect(error.message.length).toBeGreaterThan(10);
        expect(Number.isInteger(error.code)).toBe(true);
      }
    }
    const finalHello = answers.find((answer) => answer.id === 'final-hello') as { result?: { protocolVersion: number } };
    expect(finalHello.result?.protocolVersion).toBe(PROTOCOL_VERSION);
    expect(agentExit).toBeUndefined();
    expect(stderr).toBe('');
  });

  it('left no guest, no directory and no cgroup behind, and exits cleanly at end of input', async () => {
    expect((await readdir(join(scratch, 'etc')).catch(() => [] as string[])).filter((entry) => entry !== '.vfleet')).toEqual([]);
    expect(await readdir(join(scratch, 'etc', '.vfleet', 'locks')).catch(() => [] as string[])).toEqual([]);
    expect(await readdir(join(scratch, 'etc', '.vfleet', 'builds')).catch(() => [] as string[])).toEqual([]);
    expect(await readdir(join(scratch, 'guests')).catch(() => [] as string[])).toEqual([]);
    expect(await cgroupsNamed(GUEST_PREFIX)).toEqual([]);
    const exited = new Promise<number | null>((resolve) => agent.once('exit', (code) => resolve(code)));
    agent.stdin.end();
    expect(await exited).toBe(0);
  });
});
