// Guest state changes as the kernel shows them, whoever made them (this agent, another agent
// process, util-vserver by hand): the status of every guest is polled and only changes are told.
import { watch, type FSWatcher } from 'node:fs';
import type { AgentEventData } from '../../../shared/protocol/events';
import type { GuestConfig, GuestStatus } from '../../../shared/domain/guest';
import type { GuestRunState } from '../driver';
import type { AgentContext } from '../operations/agentContext';

export const STATE_POLL_MS = 500;

type Known = { state: GuestStatus['state']; xid: number };

export class GuestStateWatcher {
  private known = new Map<string, Known>();
  private timer: NodeJS.Timeout | undefined;
  private watcher: FSWatcher | undefined;
  private polling = false;
  private pollAgain = false;

  constructor(
    private readonly context: AgentContext,
    private readonly emit: (data: AgentEventData<'guestState'>) => void,
  ) {}

  /** Reads the current state of every guest (the subscriber's baseline) and starts watching. */
  async start(): Promise<GuestStatus[]> {
    const read = await this.readStatuses((config) => this.context.statusOf(config));
    // A guest kept at its last known state has no fresh count of processes.
    const statuses = read.statuses.map((status): GuestStatus => ('processes' in status ? status : { ...status, processes: 0 }));
    this.known = new Map(statuses.map((status) => [status.name, { state: status.state, xid: status.xid }]));
    if (!this.timer) {
      this.timer = setInterval(() => void this.poll(), STATE_POLL_MS);
      this.timer.unref();
      // A configuration appearing or vanishing is told at once, not at the next tick.
      try {
        this.watcher = watch(this.context.paths.configBase, () => void this.poll());
        this.watcher.on('error', () => this.watcher?.close());
      } catch {
        this.watcher = undefined;
      }
    }
    return statuses;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.watcher?.close();
    this.watcher = undefined;
  }

  /** The state (`read`) of every readable guest, and the names whose configuration cannot be read right now. */
  private async readStatuses<S extends GuestRunState>(read: (config: GuestConfig) => Promise<S>): Promise<{ statuses: (S | GuestRunState)[]; unreadable: Set<string> }> {
    const statuses: (S | GuestRunState)[] = [];
    const { configs, unreadable } = await this.context.scanConfigs();
    for (const config of configs) {
      // A guest whose state cannot be read this instant keeps its last known state.
      const status = await read(config).catch(() => undefined);
      if (status) statuses.push(status);
      else {
        const previous = this.known.get(config.name);
        if (previous) statuses.push({ name: config.name, xid: config.xid, state: previous.state });
      }
    }
    return { statuses, unreadable: new Set(unreadable.map((guest) => guest.name)) };
  }

  private async poll(): Promise<void> {
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    try {
      do {
        this.pollAgain = false;
        await this.compare();
      } while (this.pollAgain && this.timer);
    } catch {
      // The next tick tries again; a transient read error must not end the subscription.
    } finally {
      this.polling = false;
    }
  }

  private async compare(): Promise<void> {
    // Polls need only the state: the count of processes and the uptime of a full status cost more.
    const { statuses, unreadable } = await this.readStatuses((config) => this.context.runStateOf(config));
    // A guest whose configuration cannot be read still exists: it keeps its last known state.
    const seen = new Set<string>(unreadable);
    const time = Date.now();
    for (const status of statuses) {
      seen.add(status.name);
      const previous = this.known.get(status.name);
      if (previous?.state === status.state) continue;
      this.known.set(status.name, { state: status.state, xid: status.xid });
      this.emit({ name: status.name, xid: status.xid, state: status.state, previous: previous?.state ?? 'unknown', initPid: status.initPid, time });
    }
    for (const [name, previous] of this.known) {
      if (seen.has(name)) continue;
      this.known.delete(name);
      this.emit({ name, xid: previous.xid, state: 'deleted', previous: previous.state, time });
    }
  }
}
