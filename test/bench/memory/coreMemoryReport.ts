// What the core-memory child (coreMemoryMain.ts) reports: its weight at eleven points in time.
export interface CoreMemoryReport {
  hosts: number;
  guests: number;
  seconds: number;
  points: { atSeconds: number; rssBytes: number; heapUsedBytes: number }[];
}
