// A lab of 20 hosts (3 in the short bench): how long `up` takes, whether every host answers an ssh2 `hostname` with its
// own name (host key checked against the lab's known_hosts), and how long `down` takes.
import { labDown, labUp } from '../../lab/lab';
import { labConnectConfig, sshRun } from '../../lab/labSsh';
import type { CleanupStack } from '../benchCleanup';
import type { BenchRecorder } from '../report/benchRecorder';

export const SCALE_LAB = { name: 'bench20', subnet: '10.213.144.0/24' };
const UP_TARGET_S = 30;
const BENCHMARK = 'lab of 20 hosts';

export async function benchLabScale(recorder: BenchRecorder, cleanup: CleanupStack, hosts: number): Promise<void> {
  // A crashed earlier run may have left this lab behind; `down` is idempotent.
  await labDown({ name: SCALE_LAB.name });
  const upBegan = performance.now();
  const teardown = cleanup.add(`lab ${SCALE_LAB.name}`, () => labDown({ name: SCALE_LAB.name }));
  const lab = await labUp({ ...SCALE_LAB, hosts });
  recorder.add({ benchmark: BENCHMARK, metric: `up --hosts ${hosts}`, value: (performance.now() - upBegan) / 1000, unit: 's', target: { comparison: '<=', limit: UP_TARGET_S } });

  const sshBegan = performance.now();
  const answers = await Promise.all(lab.hosts.map(async (host) => {
    const reply = await sshRun(labConnectConfig(lab, host.name), 'hostname').catch((error: Error) => ({ code: -1, stdout: '', stderr: error.message }));
    return { host: host.name, ok: reply.code === 0 && reply.stdout.trim() === host.name, said: reply.stdout.trim() || reply.stderr.trim() };
  }));
  const sshMs = performance.now() - sshBegan;
  const silent = answers.filter((answer) => !answer.ok);
  recorder.add({
    benchmark: BENCHMARK,
    metric: 'hosts answering ssh2 `hostname` with their own name',
    value: answers.length - silent.length,
    unit: 'hosts',
    target: { comparison: '>=', limit: hosts },
    ...(silent.length > 0 ? { note: silent.map((answer) => `${answer.host}: ${answer.said || 'no answer'}`).join('; ') } : {}),
  });
  recorder.add({ benchmark: BENCHMARK, metric: `ssh2 hostname on all ${hosts} hosts at once`, value: sshMs, unit: 'ms' });

  const downBegan = performance.now();
  await teardown.run();
  recorder.add({ benchmark: BENCHMARK, metric: 'down', value: (performance.now() - downBegan) / 1000, unit: 's' });
}
