// Health samples at the subscriber's interval: host CPU, memory, load and guest-base disk, plus
// every guest from one driver.sample call (never one call per guest).
import type { HostSample } from '../../../shared/domain/guest';
import { readDiskSpace } from '../host/diskSpace';
import { HostCpuMeter } from '../host/hostCpu';
import { hostLoad } from '../host/hostInfo';
import { readHostMemory } from '../host/hostMemory';
import type { AgentContext } from '../operations/agentContext';

export async function takeHostSample(context: AgentContext, cpu: HostCpuMeter): Promise<HostSample> {
  const configs = await context.readAllConfigs();
  const [cpuBusyFraction, memory, disk, guests] = await Promise.all([
    cpu.busyFraction(),
    readHostMemory(),
    readDiskSpace(context.paths.guestBase),
    context.driver.sample(configs),
  ]);
  return { time: Date.now(), cpuBusyFraction, ...memory, load: hostLoad(), ...disk, guests };
}

export class HealthSampler {
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private readonly cpu = new HostCpuMeter();

  constructor(
    private readonly context: AgentContext,
    private readonly emit: (sample: HostSample) => void,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(intervalMs: number): void {
    this.stop();
    void this.cpu.busyFraction();
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    // A sample slower than the interval is not stacked on: the next tick is skipped.
    if (this.sampling) return;
    this.sampling = true;
    try {
      const sample = await takeHostSample(this.context, this.cpu);
      if (this.timer) this.emit(sample);
    } catch (error) {
      this.onError(error);
    } finally {
      this.sampling = false;
    }
  }
}
