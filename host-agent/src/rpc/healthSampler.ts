// Health samples at the subscriber's interval: host CPU, memory, load and guest-base disk, plus
// every guest from one driver.sample call; only when that fails is each guest sampled alone,
// so one unreadable guest is named in the sample instead of stopping it.
import type { GuestConfig, GuestSample } from '../../../shared/domain/guest';
import type { UnreadableGuest } from '../../../shared/domain/guest';
import type { AgentEventData } from '../../../shared/protocol/events';
import { readDiskSpace } from '../host/diskSpace';
import { HostCpuMeter } from '../host/hostCpu';
import { releaseIdleKernelFiles } from '../host/kernelFiles';
import { hostLoad } from '../host/hostInfo';
import { readHostMemory } from '../host/hostMemory';
import type { AgentContext } from '../operations/agentContext';

type HealthSample = AgentEventData<'healthSample'>;

async function sampleGuests(context: AgentContext, configs: GuestConfig[], unreadable: UnreadableGuest[]): Promise<GuestSample[]> {
  try {
    return await context.driver.sample(configs);
  } catch {
    const guests: GuestSample[] = [];
    for (const config of configs) {
      try {
        guests.push(...(await context.driver.sample([config])));
      } catch (error) {
        unreadable.push({ name: config.name, error: `counters unreadable: ${error instanceof Error ? error.message : String(error)}` });
      }
    }
    return guests;
  }
}

export async function takeHostSample(context: AgentContext, cpu: HostCpuMeter): Promise<HealthSample> {
  const { configs, unreadable } = await context.scanConfigs();
  const [cpuBusyFraction, memory, disk, guests] = await Promise.all([
    cpu.busyFraction(),
    readHostMemory(),
    readDiskSpace(context.paths.guestBase),
    sampleGuests(context, configs, unreadable),
  ]);
  return { time: Date.now(), cpuBusyFraction, ...memory, load: hostLoad(), ...disk, guests, ...(unreadable.length > 0 ? { unreadable } : {}) };
}

export class HealthSampler {
  private timer: NodeJS.Timeout | undefined;
  private sampling = false;
  private readonly cpu = new HostCpuMeter();

  constructor(
    private readonly context: AgentContext,
    private readonly emit: (sample: HealthSample) => void,
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
      releaseIdleKernelFiles();
    }
  }
}
