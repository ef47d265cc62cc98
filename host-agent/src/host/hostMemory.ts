// Host memory from /proc/meminfo (MemAvailable is the kernel's own estimate of usable memory).
import { readKernelText } from './kernelFiles';

export async function readHostMemory(): Promise<{ memoryTotal: number; memoryAvailable: number }> {
  const text = readKernelText('/proc/meminfo') ?? '';
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { memoryTotal: kib('MemTotal'), memoryAvailable: kib('MemAvailable') || kib('MemFree') };
}
