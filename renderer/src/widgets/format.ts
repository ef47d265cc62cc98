// How the views print figures: shares as percentages, byte counts, load averages and vserver-stat's
// own cells (shared/), durations and clock times.
import { formatBytes } from '../../../shared/format/byteSize';
import { shortenTime } from '../../../shared/vserver/shortenTime';

export { formatBytes };

export function formatPercent(fraction: number | undefined, digits = 1): string {
  return fraction === undefined || !Number.isFinite(fraction) ? '–' : `${(fraction * 100).toFixed(digits)}%`;
}

/** A load average as uptime prints it, with two decimals. */
export function formatLoad(load: number): string {
  return load.toFixed(2);
}

/** vserver-stat's UPTIME cell for a guest that started at `startedAt`. */
export function formatUptime(startedAt: number | undefined, now: number): string {
  return startedAt === undefined ? '–' : shortenTime(Math.max(0, Math.round(now - startedAt)));
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** toLocaleTimeString's fields, made once: a formatter per call costs a list of 1,000 guests time on every update. */
const CLOCK = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: 'numeric', second: 'numeric', hour12: false });

export function formatClock(time: number): string {
  return CLOCK.format(time);
}

const COLLATOR = new Intl.Collator();

/** localeCompare's order, with one collator for every comparison (a sort of 1,000 rows makes about 10,000). */
export const compareText = (a: string, b: string): number => COLLATOR.compare(a, b);

export function formatDateTime(time: number | string): string {
  const date = new Date(time);
  return `${date.toLocaleDateString(undefined, { year: 'numeric', month: '2-digit', day: '2-digit' })} ${date.toLocaleTimeString(undefined, { hour12: false })}`;
}

/** "3 min ago", for times of the recent past. */
export function formatAgo(time: number, now: number): string {
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
