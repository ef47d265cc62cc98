// `vserver NAME status` (util-vserver scripts/vserver, src/filetime.c): exit 0 and three lines
// when running, exit 3 and one line when stopped.

export type VserverStatusReport =
  | { state: 'running'; name: string; xid: number; processes: number; uptimeMs: number }
  | { state: 'stopped'; name: string };

export const VSERVER_STATUS_STOPPED_EXIT = 3;
export const VSERVER_UNKNOWN_GUEST_EXIT = 5;

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

/** filetime's age format: "[D days, ]HH:MM" ("1 days" included, as it prints it). */
export function formatFileAge(ms: number): string {
  const minutesTotal = Math.floor(ms / MINUTE_MS);
  const days = Math.floor(ms / DAY_MS);
  const hours = Math.floor(minutesTotal / 60) % 24;
  const minutes = minutesTotal % 60;
  const clock = `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
  return days > 0 ? `${days} days, ${clock}` : clock;
}

export function parseFileAge(text: string): number {
  const match = /^(?:(\d+) days, )?(\d+):(\d{2})$/.exec(text.trim());
  if (!match) throw new SyntaxError(`'${text.trim()}' is not an age like '2 days, 03:04' or '00:29'`);
  return Number(match[1] ?? 0) * DAY_MS + (Number(match[2]) * 60 + Number(match[3])) * MINUTE_MS;
}

/** The lines `vserver NAME status` prints, for the same report. */
export function formatVserverStatus(report: VserverStatusReport): string {
  if (report.state === 'stopped') return `Vserver '${report.name}' is stopped\n`;
  return [
    `Vserver '${report.name}' is running at context '${report.xid}'`,
    `Number of processes:  ${report.processes}`,
    `Uptime:               ${formatFileAge(report.uptimeMs)}`,
  ].map((line) => `${line}\n`).join('');
}

/** Reads the status from the command's output and exit code (3 = stopped). */
export function parseVserverStatus(output: string, exitCode: number): VserverStatusReport {
  const running = /^Vserver '(.*)' is running at context '(\d+)'$/m.exec(output);
  if (exitCode === 0 && running) {
    const processes = /^Number of processes:\s+(\d+)$/m.exec(output);
    const uptime = /^Uptime:\s+(.+)$/m.exec(output);
    if (!processes || !uptime) throw new SyntaxError('vserver status reported a running guest without its process count and uptime lines');
    return { state: 'running', name: running[1] ?? '', xid: Number(running[2]), processes: Number(processes[1]), uptimeMs: parseFileAge(uptime[1] ?? '') };
  }
  const stopped = /^Vserver '(.*)' is stopped$/m.exec(output);
  if (exitCode === VSERVER_STATUS_STOPPED_EXIT && stopped) return { state: 'stopped', name: stopped[1] ?? '' };
  throw new SyntaxError(`vserver status exited with code ${exitCode} and printed '${output.trim()}', which is neither the running nor the stopped report`);
}
