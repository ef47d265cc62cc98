// The one interface both drivers implement: the CLI and the RPC server call only this.
// `namespaces` acts on any modern kernel, `vserver` through util-vserver on patched kernels.
import type {
  DriverName, CgroupVersion, GuestConfig, GuestLimits, GuestLimitUsage, GuestStatus, GuestSample, StatRow,
} from '../../shared/domain/guest';

export interface ExecOptions {
  /** Allocate a pseudo-terminal (enter). */
  tty?: boolean;
  env?: Record<string, string>;
  cwd?: string;
}

/** A process running inside a guest; stdio are plain Node streams so the CLI and RPC can pipe them. */
export interface GuestProcess {
  pid: number;
  stdin: NodeJS.WritableStream;
  stdout: NodeJS.ReadableStream;
  stderr: NodeJS.ReadableStream;
  /** Resolves with the exit code (128 + signal number when killed by a signal). */
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves once the terminal has the new size, so a caller can size it before the first input. */
  resize?(cols: number, rows: number): Promise<void>;
}

export interface UnameValues {
  nodename: string;
  domainname: string;
}

export type GuestRunState = Pick<GuestStatus, 'name' | 'xid' | 'state' | 'initPid'>;

export interface Driver {
  readonly name: DriverName;
  readonly cgroupVersion: CgroupVersion;
  /** Guests whose state is read from the kernel now (never from agent memory). */
  status(config: GuestConfig): Promise<GuestStatus>;
  /** Only whether the guest runs and its init: what the state watcher polls for, cheaper than status. */
  runState(config: GuestConfig): Promise<GuestRunState>;
  /** `signal` cancels the start: what it had started is stopped and removed before it rejects. */
  start(config: GuestConfig, signal?: AbortSignal): Promise<GuestStatus>;
  /** `immediate`: no stop sequence, every process killed at once (a frozen guest, whose init cannot act on a signal). */
  stop(config: GuestConfig, options?: { immediate?: boolean }): Promise<GuestStatus>;
  /** Freezes every process of a running guest (cgroup freezer), so its files stay still; thaw undoes it. Only where `freezes`. */
  freeze(config: GuestConfig): Promise<void>;
  thaw(config: GuestConfig): Promise<void>;
  readonly freezes: boolean;
  exec(config: GuestConfig, argv: string[], options?: ExecOptions): Promise<GuestProcess>;
  /**
   * Apply limits to a running guest (persisting them is the caller's job). `known`: its status as the
   * caller just read it, so the driver does not look at the guest's init again.
   */
  applyLimits(config: GuestConfig, limits: GuestLimits, known?: GuestStatus): Promise<void>;
  /** The usage of a running guest's limits; `known` as for applyLimits. */
  readLimits(config: GuestConfig, known?: GuestStatus): Promise<GuestLimitUsage>;
  setUname(config: GuestConfig, values: UnameValues): Promise<void>;
  /** vserver-stat rows for running guests (host row xid 0 included). */
  stat(configs: GuestConfig[]): Promise<StatRow[]>;
  /** One sample for all guests at once. */
  sample(configs: GuestConfig[]): Promise<GuestSample[]>;
  /** Removes kernel objects left by a stopped guest (cgroups, netns names, mounts). */
  cleanup(config: GuestConfig): Promise<void>;
}

/** Where a driver finds and keeps things on this host; built once by the agent's entry. */
export interface DriverContext {
  /** util-vserver configuration base, default /etc/vservers. */
  configBase: string;
  /** Guest roots base, default /vservers. */
  guestBase: string;
  /** vfleet's own persistent state: <configBase>/.vfleet. */
  stateDir: string;
  /** Volatile runtime state (pid files, locks): /run/vfleet, or VFLEET_RUN_DIR. */
  runDir: string;
}

/** Each driver folder exports one of these (drivers/<name>/index.ts: `createDriver`). */
export type DriverFactory = (context: DriverContext) => Promise<Driver>;
