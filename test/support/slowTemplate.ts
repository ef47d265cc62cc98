// A template build that is always half-way: a fifo on a lab host fed with the first part of a
// tarball and then held open, as a stalled download would be, so tar extracts the first files
// and waits for the rest forever. The feeder's pid is kept next to the fifo, so `end` stops
// exactly that process.
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Lab } from '../lab/lab';
import { tarArchive } from '../agent/support/tarArchive';

/** The first part of a tarball: `etc/first` ("complete\n") whole, then a large file cut off half-way. */
export function truncatedTarball(): Buffer {
  const whole = tarArchive([
    { type: 'directory', name: 'etc' },
    { type: 'file', name: 'etc/first', data: 'complete\n' },
    // Incompressible, so that a gzipped part too is longer than the records tar and gzip read.
    { type: 'file', name: 'etc/big', data: randomBytes(150_000).toString('base64') },
  ]);
  return whole.subarray(0, 60_000);
}

export interface SlowTemplate {
  /** The fifo, a template source on the host. */
  path: string;
  /** Stops the feeder and removes the fifo. */
  end(): Promise<void>;
}

async function onHost(lab: Lab, host: string, script: string): Promise<void> {
  const result = await lab.exec(host, ['sh', '-c', script], { timeoutMs: 60_000 });
  if (result.code !== 0) throw new Error(`${script}: exit ${result.code}: ${result.stderr}`);
}

/** `fifo` on `host`, fed with `part` (written to `partDir`, a folder the lab hosts see, e.g. under /var/tmp). */
export async function slowTemplate(lab: Lab, host: string, fifo: string, part: Buffer, partDir: string): Promise<SlowTemplate> {
  const partFile = join(partDir, `${host}${fifo.replace(/\W/g, '_')}.part`);
  writeFileSync(partFile, part);
  await onHost(lab, host, `rm -f ${fifo} ${fifo}.pid && mkfifo -m 600 ${fifo}`);
  const feeder = lab.spawn(host, ['sh', '-c', `echo $$ > ${fifo}.pid; exec 3>${fifo}; cat ${partFile} >&3; exec sleep 3600`]);
  return {
    path: fifo,
    end: async () => {
      await onHost(lab, host, `[ -f ${fifo}.pid ] && kill "$(cat ${fifo}.pid)" 2>/dev/null; rm -f ${fifo} ${fifo}.pid`);
      if (feeder.exitCode === null) feeder.kill('SIGKILL');
    },
  };
}
