// What the core-memory child (coreMemoryMain.ts) reports: its weight at eleven points in time.
export interface CoreMemoryReport {
  hosts: number;
  guests: number;
  seconds: number;
  points: { atSeconds: number; rssBytes: number; heapUsedBytes: number }[];
  /** At the end, after a full GC: what the RSS holds (process.memoryUsage, v8 heap spaces used). */
  breakdown: { heapUsedBytes: number; heapTotalBytes: number; arrayBuffersBytes: number; externalBytes: number; spaces: Record<string, number> };
}
