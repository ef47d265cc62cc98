// Host memory from /proc/meminfo (MemAvailable is the kernel's own estimate of usable memory).
import { promises as fs } from 'node:fs';

export async function readHostMemory(): Promise<{ memoryTotal: number; memoryAvailable: number }> {
  const text = await fs.readFile('/proc/meminfo', 'utf8');
  const kib = (key: string): number => {
    const match = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : 0;
  };
  return { memoryTotal: kib('MemTotal'), memoryAvailable: kib('MemAvailable') || kib('MemFree') };
}
