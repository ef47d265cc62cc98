// Bounded health history, JSON-lines framing and the audit log: what the fleet state and the
// actions keep in memory and on disk.
import { EventEmitter } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ClientChannel } from 'ssh2';
import { afterAll, describe, expect, it } from 'vitest';
import { OutputBudget } from '../../electron/core/actions/guestExec';
import { AgentRpcClient } from '../../electron/core/agent/agentRpcClient';
import { createLineSplitter } from '../../shared/framing/jsonLines';
import { createAuditLog } from '../../electron/core/audit/auditLog';
import { redactSecrets } from '../../electron/core/audit/redactSecrets';
import { HealthHistoryBuffer } from '../../electron/core/inventory/healthHistory';
import { ColumnRing } from '../../electron/core/inventory/ringBuffer';
import { MAX_LINE_BYTES } from '../../shared/protocol/envelope';

describe('ring buffer', () => {
  it('keeps the newest entries up to its capacity, oldest first', () => {
    const ring = new ColumnRing(3, ['a', 'b']);
    for (let i = 1; i <= 5; i += 1) ring.push({ a: i, b: i * 10 });
    expect(ring.map((value) => [value('a'), value('b')])).toEqual([[3, 30], [4, 40], [5, 50]]);
    expect(ring.size).toBe(3);
    expect(ring.last('b')).toBe(50);
    ring.replaceLast({ a: 6, b: 60 });
    expect(ring.map((value) => value('a'))).toEqual([3, 4, 6]);
  });

  it('started smaller, takes room by doubling as rows come, never past its capacity, and keeps every row in order', () => {
    const ring = new ColumnRing(10, ['t', 'f'], ['t'], 3);
    const rooms: number[] = [ring.allocatedRows];
    for (let i = 1; i <= 14; i += 1) {
      ring.push({ t: 1_700_000_000_000 + i, f: i / 10 });
      if (rooms.at(-1) !== ring.allocatedRows) rooms.push(ring.allocatedRows);
      if (i === 7) expect(ring.map((value) => value('t') - 1_700_000_000_000)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
    expect(rooms).toEqual([3, 6, 10]);
    expect(ring.size).toBe(10);
    expect(ring.map((value) => [value('t') - 1_700_000_000_000, value('f')])).toEqual(Array.from({ length: 10 }, (_, index) => [index + 5, (index + 5) / 10]));
  });
});

describe('health history', () => {
  const start = Date.UTC(2026, 0, 1, 12, 0, 0);

  it('holds 16 minutes of a guest\'s 1-second points and 24 hours of minute aggregates, no more', () => {
    const history = new HealthHistoryBuffer('guest');
    const seconds = 25 * 60 * 60;
    for (let s = 0; s < seconds; s += 1) {
      history.record({ time: start + s * 1000, cpu: (s % 60) / 100, memoryBytes: 1000 + (s % 60), processes: s % 7 });
    }
    const snapshot = history.snapshot();
    expect(snapshot.live).toHaveLength(16 * 60);
    expect(snapshot.live.at(-1)?.time).toBe(start + (seconds - 1) * 1000);
    expect(snapshot.live[0]?.time).toBe(start + (seconds - 16 * 60) * 1000);
    expect(snapshot.minutes.length).toBe(24 * 60 + 1);
    const full = snapshot.minutes[0];
    expect(full?.samples).toBe(60);
    expect(full?.cpuAvg).toBeCloseTo(0.295, 6);
    expect(full?.cpuMax).toBeCloseTo(0.59, 6);
    expect(full?.memoryMax).toBe(1059);
    expect(full?.processesMax).toBe(6);
    expect(full?.loadMax).toBeUndefined();
    expect(snapshot.live.at(-1)).not.toHaveProperty('load');
  });

  it('keeps a host\'s load and guest-base disk live and as minute aggregates, bounded as its CPU and memory', () => {
    const history = new HealthHistoryBuffer('host');
    const seconds = 25 * 60 * 60;
    for (let s = 0; s < seconds; s += 1) {
      history.record({ time: start + s * 1000, cpu: 0.5, memoryBytes: 1000, load: (s % 60) / 10, diskUsedBytes: 5e9 + (s % 60) * 4096 });
    }
    const snapshot = history.snapshot();
    expect(snapshot.live).toHaveLength(16 * 60);
    expect(snapshot.live.at(-1)).toEqual({ time: start + (seconds - 1) * 1000, cpu: 0.5, memoryBytes: 1000, load: 5.9, diskUsedBytes: 5e9 + 59 * 4096 });
    expect(snapshot.minutes.length).toBe(24 * 60 + 1);
    const full = snapshot.minutes[0];
    // 25 h of minutes: the oldest kept is the first of the last 24 h of whole ones before the current.
    expect(full?.minute).toBe(start + (25 * 60 - 1 - 24 * 60) * 60_000);
    expect(full?.loadAvg).toBeCloseTo(2.95, 6);
    expect(full?.loadMax).toBeCloseTo(5.9, 6);
    expect(full?.diskUsedAvg).toBeCloseTo(5e9 + 29.5 * 4096, 3);
    expect(full?.diskUsedMax).toBe(5e9 + 59 * 4096);
    expect(full?.processesMax).toBeUndefined();
  });

  it('averages a host figure over the samples that carried it and leaves out one no sample of the minute had', () => {
    const history = new HealthHistoryBuffer('host', { liveSeconds: 10, minutes: 5 });
    history.record({ time: start, cpu: 0.25, memoryBytes: 1, load: 1, diskUsedBytes: 100 });
    history.record({ time: start + 1000, cpu: 0.25, memoryBytes: 1, diskUsedBytes: 300 });
    history.record({ time: start + 2000, cpu: 0.25, memoryBytes: 1, load: 3, diskUsedBytes: 200 });
    history.record({ time: start + 60_000, cpu: 0.25, memoryBytes: 1 });
    const snapshot = history.snapshot();
    expect(snapshot.live[1]).toEqual({ time: start + 1000, cpu: 0.25, memoryBytes: 1, diskUsedBytes: 300 });
    expect(snapshot.minutes).toEqual([
      { minute: start, samples: 3, cpuAvg: 0.25, cpuMax: 0.25, memoryAvg: 1, memoryMax: 1, loadAvg: 2, loadMax: 3, diskUsedAvg: 200, diskUsedMax: 300 },
      { minute: start + 60_000, samples: 1, cpuAvg: 0.25, cpuMax: 0.25, memoryAvg: 1, memoryMax: 1 },
    ]);
  });

  it('keeps one point per second and ignores samples older than the newest', () => {
    const history = new HealthHistoryBuffer('guest', { liveSeconds: 10, minutes: 5 });
    history.record({ time: start + 100, cpu: 0.25, memoryBytes: 1 });
    history.record({ time: start + 900, cpu: 0.2, memoryBytes: 2 });
    history.record({ time: start + 1100, cpu: 0.3, memoryBytes: 3 });
    history.record({ time: start + 50, cpu: 0.9, memoryBytes: 9 });
    expect(history.snapshot().live.map((point) => point.cpu)).toEqual([0.2, 0.3]);
    expect(history.snapshot().minutes[0]?.samples).toBe(3);
  });
});

describe('JSON-lines framing', () => {
  it('joins lines split across chunks, even inside a UTF-8 character', () => {
    const lines: string[] = [];
    const splitter = createLineSplitter((line) => lines.push(line), () => undefined);
    const bytes = Buffer.from('{"a":"é"}\n{"b":2}\r\n\n{"c"', 'utf8');
    for (let i = 0; i < bytes.length; i += 1) splitter.push(bytes.subarray(i, i + 1));
    splitter.push(Buffer.from(':3}\n'));
    expect(lines).toEqual(['{"a":"é"}', '{"b":2}', '{"c":3}']);
    expect(splitter.pending).toBe(0);
  });

  it('drops an oversized line, reports its whole size and first bytes at its end, and recovers at the next newline', () => {
    const lines: string[] = [];
    const oversize: Array<[number, string]> = [];
    const splitter = createLineSplitter((line) => lines.push(line), (bytes, head) => oversize.push([bytes, head.toString()]), 16);
    splitter.push(Buffer.from('x'.repeat(10)));
    splitter.push(Buffer.from('y'.repeat(10)));
    expect(oversize).toEqual([]);
    splitter.push(Buffer.from('zzz\n{"ok":1}\n'));
    expect(oversize).toEqual([[23, `${'x'.repeat(10)}${'y'.repeat(10)}`]]);
    expect(lines).toEqual(['{"ok":1}']);
    expect(splitter.pending).toBe(0);
  });
});

describe('fleet exec output budgets', () => {
  it('cut a target at its own share and all targets together at the fleet-wide total, naming which limit cut', () => {
    const fleet = new OutputBudget(10, 'for all targets');
    const first = new OutputBudget(6, 'per target', fleet);
    const second = new OutputBudget(6, 'per target', fleet);
    expect(first.take(8)).toEqual({ kept: 6, exhausted: first });
    expect(second.take(3)).toEqual({ kept: 3, exhausted: undefined });
    expect(second.take(3)).toEqual({ kept: 1, exhausted: fleet });
    expect(second.take(1)).toEqual({ kept: 0, exhausted: fleet });
  });
});

describe('an agent answer over the line limit', () => {
  it('fails the call at once with the host, the method, the size and the limit, instead of a timeout', async () => {
    const channel = Object.assign(new EventEmitter(), { stderr: new EventEmitter(), write: (line: string) => requests.push(line), end: () => undefined, close: () => undefined });
    const requests: string[] = [];
    const rpc = new AgentRpcClient('h1', channel as unknown as ClientChannel);
    const started = Date.now();
    const answer = rpc.call('list', undefined, { timeoutMs: 30_000 });
    const { id } = JSON.parse(requests[0] ?? '{}') as { id: number };
    const huge = JSON.stringify({ id, result: { guests: [{ name: 'x'.repeat(MAX_LINE_BYTES) }] } });
    for (let offset = 0; offset < huge.length; offset += 65_536) channel.emit('data', Buffer.from(huge.slice(offset, offset + 65_536)));
    channel.emit('data', Buffer.from('\n'));
    await expect(answer).rejects.toThrow(`Host h1: the agent's answer to 'list' is ${Buffer.byteLength(huge)} bytes, over the protocol limit of ${MAX_LINE_BYTES} bytes (1.0 MiB); it was dropped`);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('audit log', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('redacts passwords and passphrases at any depth and keeps the rest', () => {
    expect(redactSecrets({ host: 'h1', auth: { kind: 'password', password: 'hunter2' }, keyFile: '/k', passphrase: 'x', list: [{ token: 't' }] })).toEqual({
      host: 'h1', auth: { kind: 'password', password: '[redacted]' }, keyFile: '/k', passphrase: '[redacted]', list: [{ token: '[redacted]' }],
    });
  });

  it('redacts secrets written into a command: env values, NAME=value words, password options and URLs', () => {
    const logged = redactSecrets({
      host: 'h1',
      argv: ['sh', '-c', 'MYSQL_PWD=Hunter2 mysql -pHunter2 -h db --password=Hunter2 && curl https://admin:Hunter2@repo.example.org/x'],
      env: { MYSQL_PWD: 'Hunter2', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI', GITHUB_TOKEN: 'ghp_x', PGPASSWORD: 'Hunter2', PWD: '/root', OLDPWD: '/tmp', PATH: '/usr/bin' },
    });
    expect(JSON.stringify(logged)).not.toMatch(/Hunter2|wJalrXUtnFEMI|ghp_x/);
    expect(logged).toEqual({
      host: 'h1',
      argv: ['sh', '-c', 'MYSQL_PWD=[redacted] mysql -p[redacted] -h db --password=[redacted] && curl https://admin:[redacted]@repo.example.org/x'],
      env: { MYSQL_PWD: '[redacted]', AWS_SECRET_ACCESS_KEY: '[redacted]', GITHUB_TOKEN: '[redacted]', PGPASSWORD: '[redacted]', PWD: '/root', OLDPWD: '/tmp', PATH: '/usr/bin' },
    });
    expect(redactSecrets({ argv: ['mysqldump', '--password', 'Hunter2', 'shop'] })).toEqual({ argv: ['mysqldump', '--password', '[redacted]', 'shop'] });
    expect(redactSecrets({ argv: ['sh', '-c', `MYSQL_PWD='Hunter 2' mysql -p"Hunter 2" -e 'select 1'`] })).toEqual({ argv: ['sh', '-c', "MYSQL_PWD=[redacted] mysql -p[redacted] -e 'select 1'"] });
    expect(redactSecrets({ argv: ['env', 'AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI', 'DB_PASS=x', 'aws', 's3', 'ls'] })).toEqual({ argv: ['env', 'AWS_SECRET_ACCESS_KEY=[redacted]', 'DB_PASS=[redacted]', 'aws', 's3', 'ls'] });
    // Not secrets: the working directory, a port, a flag, a prompting --password, a URL without a password.
    const plain = ['sh', '-c', 'cd "$PWD" && PWD=/root ssh -p 22 lab-1 mkdir -pv /x && mysql --password -h db && curl https://repo.example.org/a:b'];
    expect(redactSecrets({ argv: plain })).toEqual({ argv: plain });
  });

  it('appends one JSON line per action with outcome and duration, and answers queries', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vfleet-audit-'));
    dirs.push(dir);
    const log = createAuditLog(dir);
    await log.record({ action: 'guest.start', host: 'h1', guest: 'web', params: { host: 'h1', guest: 'web' } }, async () => 'started');
    await expect(log.record({ action: 'hosts.add', host: 'h2', params: { password: 'hunter2' } }, async () => {
      throw new Error('Host h2: connection refused');
    })).rejects.toThrow('connection refused');
    await log.record({ action: 'guest.stop', host: 'h1', guest: 'db', params: {} }, async () => undefined);

    const text = await readFile(log.file, 'utf8');
    expect(text.trim().split('\n')).toHaveLength(3);
    expect(text).not.toContain('hunter2');

    const all = await log.query();
    expect(all.map((entry) => [entry.action, entry.result])).toEqual([['guest.start', 'ok'], ['hosts.add', 'error'], ['guest.stop', 'ok']]);
    expect(all[1]?.error).toBe('Host h2: connection refused');
    expect(all[1]?.params).toEqual({ password: '[redacted]' });
    expect(all[0]?.user.length).toBeGreaterThan(0);
    expect((await log.query({ host: 'h1' })).map((entry) => entry.guest)).toEqual(['web', 'db']);
    expect((await log.query({ limit: 1 })).map((entry) => entry.action)).toEqual(['guest.stop']);
    expect(await log.query({ since: '2999-01-01T00:00:00Z' })).toEqual([]);
  });
});
