// Host CPU busy fraction from /proc/stat: the share of non-idle jiffies between two readings.
import { readKernelText } from './kernelFiles';

interface CpuTimes {
  busy: number;
  total: number;
}

export async function readCpuTimes(): Promise<CpuTimes> {
  const stat = readKernelText('/proc/stat') ?? '';
  const line = stat.split('\n').find((candidate) => candidate.startsWith('cpu ')) ?? '';
  const values = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user).
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = values;
  const idleAll = idle + iowait;
  const total = user + nice + system + idleAll + irq + softirq + steal;
  return { busy: total - idleAll, total };
}

/** Remembers the previous reading so each call returns the busy share since the last one. */
export class HostCpuMeter {
  private previous: CpuTimes | undefined;

  async busyFraction(): Promise<number> {
    const current = await readCpuTimes();
    const previous = this.previous;
    this.previous = current;
    if (!previous || current.total <= previous.total) return 0;
    const fraction = (current.busy - previous.busy) / (current.total - previous.total);
    return Math.min(1, Math.max(0, fraction));
  }
}
