// One SSH connection per host, kept up: keepalive detects a dead peer, a lost connection is
// retried with backoff, a refused host key or login stops the retries until the admin acts.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig } from 'ssh2';
import type { Host } from '../../../shared/api/hosts';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { remoteCommand } from './remoteCommand';
import { createSemaphore, type Semaphore } from './semaphore';
import { describeSshError, HostError, hostFailureMessage, type HostFailure } from './sshErrors';

export const OPENSSH_DEFAULT_MAX_SESSIONS = 10;

export type ConnectionState = 'disconnected' | 'connecting' | 'connected' | 'unreachable' | 'pendingApproval' | 'blocked' | 'failed';

export interface ConnectionStatus {
  state: ConnectionState;
  /** Why the host is not connected, as fields: the host's name joins it when it is worded (hostFailureMessage). */
  error?: HostFailure;
  /** When the next reconnect attempt starts (ms since the epoch), while unreachable. */
  nextAttemptAt?: number;
}

export type HostKeyVerdict = { accepted: true } | { accepted: false; state: 'pendingApproval' | 'blocked'; message: string };

export interface SshConnectionSettings {
  keepaliveIntervalMs: number;
  /** Unanswered keepalives before the connection counts as dead. */
  keepaliveCountMax: number;
  readyTimeoutMs: number;
  backoff: BackoffPolicy;
  maxChannels: number;
}

export const DEFAULT_CONNECTION_SETTINGS: SshConnectionSettings = {
  keepaliveIntervalMs: 5_000,
  keepaliveCountMax: 3,
  readyTimeoutMs: 15_000,
  backoff: DEFAULT_BACKOFF,
  maxChannels: OPENSSH_DEFAULT_MAX_SESSIONS,
};

export interface SshConnectionDeps {
  /** The registry entry as it is now (it may change between attempts). */
  host: () => Host;
  /** ssh2 login fields for the host: agent socket, private key, passphrase or password. */
  credentials: (host: Host) => Promise<Partial<ConnectConfig>>;
  verifyHostKey: (host: Host, keyBlob: Buffer) => Promise<HostKeyVerdict>;
  /** A stream to the host through its jump host, when it has one. */
  openTunnel?: (host: Host) => Promise<Duplex | undefined>;
  /**
   * Bounds how many handshakes run at once; a function picks the pool at each attempt (jump hosts
   * have their own, so they never wait behind the targets that wait for them).
   */
  connectSlots: Semaphore | (() => Semaphore);
  settings: SshConnectionSettings;
}

interface ConnectionEvents {
  status: [ConnectionStatus];
  ready: [];
  lost: [HostError];
}

export interface ExecOptions {
  signal?: AbortSignal;
}

export class SshConnection extends EventEmitter<ConnectionEvents> {
  private client: Client | undefined;
  /** The connection attempt under way; stop() and fail() abandon it by clearing this. */
  private handshake: { client: Client | undefined } | undefined;
  private wanted = false;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private current: ConnectionStatus = { state: 'disconnected' };
  private readonly channelSlots: Semaphore;

  /** The registry name, fixed for the connection's life (read often: every message and call names it). */
  readonly name: string;

  constructor(private readonly deps: SshConnectionDeps) {
    super();
    this.name = deps.host().name;
    this.channelSlots = createSemaphore(Math.min(deps.settings.maxChannels, OPENSSH_DEFAULT_MAX_SESSIONS));
  }

  get status(): ConnectionStatus {
    return this.current;
  }

  /** Starts connecting (and reconnecting after losses) until stop(). */
  start(): void {
    if (this.wanted && this.current.state !== 'pendingApproval' && this.current.state !== 'blocked' && this.current.state !== 'failed') return;
    this.wanted = true;
    this.attempt = 0;
    this.clearRetry();
    if (!this.client && !this.handshake) void this.connectOnce();
  }

  stop(): void {
    this.wanted = false;
    this.clearRetry();
    this.abandonHandshake();
    const client = this.client;
    this.client = undefined;
    client?.end();
    this.setStatus({ state: 'disconnected' });
  }

  /** Resolves once connected; rejects when the host needs the admin (key, login) or the time is up. */
  whenConnected(timeoutMs: number, signal?: AbortSignal): Promise<void> {
    if (this.current.state === 'connected') return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const finish = (error?: Error): void => {
        clearTimeout(timer);
        this.off('status', onStatus);
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onStatus = (status: ConnectionStatus): void => {
        if (status.state === 'connected') finish();
        else if (status.state === 'pendingApproval' || status.state === 'blocked' || status.state === 'failed' || status.state === 'disconnected') {
          finish(status.error ? HostError.of(this.name, status.error) : new HostError(this.name, status.state));
        }
      };
      const onAbort = (): void => finish(new HostError(this.name, 'connecting was cancelled'));
      const timer = setTimeout(() => {
        const why = this.current.error;
        finish(why ? HostError.of(this.name, { ...why, kind: 'unreachable' }) : new HostError(this.name, `not connected after ${Math.round(timeoutMs / 1000)} s`, 'unreachable'));
      }, timeoutMs);
      this.on('status', onStatus);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Opens an exec channel running argv; the channel slot is freed when the channel closes. */
  async exec(argv: readonly string[], options: ExecOptions = {}): Promise<ClientChannel> {
    const release = await this.channelSlots.acquire(options.signal);
    const client = this.client;
    if (!client || this.current.state !== 'connected') {
      release();
      const why = this.current.error;
      throw why ? HostError.of(this.name, { ...why, kind: 'unreachable' }) : new HostError(this.name, 'is not connected', 'unreachable', undefined, 'readsOn');
    }
    for (let attempt = 1; ; attempt += 1) {
      try {
        const channel = await openExecChannel(client, remoteCommand(argv));
        channel.once('close', release);
        const onAbort = (): void => { channel.close(); };
        options.signal?.addEventListener('abort', onAbort, { once: true });
        channel.once('close', () => options.signal?.removeEventListener('abort', onAbort));
        return channel;
      } catch (error) {
        // sshd counts a session until it has seen the client's close, so a channel opened right after
        // another closed can meet MaxSessions for a moment: try again shortly before giving up.
        if (isSessionLimitRefusal(error) && attempt < SESSION_LIMIT_ATTEMPTS && this.client === client) {
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
          continue;
        }
        release();
        throw new HostError(this.name, `could not open a command channel: ${(error as Error).message}`, 'unreachable');
      }
    }
  }

  /** A TCP stream from this host to another address (for hosts that use this one as jump host). */
  forwardTo(address: string, port: number): Promise<Duplex> {
    const client = this.client;
    if (!client || this.current.state !== 'connected') {
      return Promise.reject(new HostError(this.name, 'is not connected', 'unreachable', undefined, 'readsOn'));
    }
    return new Promise((resolve, reject) => {
      client.forwardOut('127.0.0.1', 0, address, port, (error, stream) => {
        if (error) reject(new HostError(this.name, `could not reach ${address}:${port}: ${error.message}`, 'unreachable'));
        else resolve(stream);
      });
    });
  }

  private async connectOnce(): Promise<void> {
    const attempt: { client: Client | undefined } = { client: undefined };
    this.handshake = attempt;
    const abandoned = (): boolean => this.handshake !== attempt;
    const host = this.deps.host();
    if (this.current.state !== 'unreachable') this.setStatus({ state: 'connecting' });
    let release: () => void = () => undefined;
    let config: ConnectConfig;
    let sock: Duplex | undefined;
    try {
      // The tunnel first: waiting for a jump host while holding a connect slot could starve it.
      sock = this.deps.openTunnel ? await this.deps.openTunnel(host) : undefined;
      const slots = this.deps.connectSlots;
      release = await (typeof slots === 'function' ? slots() : slots).acquire();
      if (abandoned()) {
        release();
        sock?.destroy();
        return;
      }
      config = {
        host: host.address,
        port: host.port,
        username: host.user,
        readyTimeout: this.deps.settings.readyTimeoutMs,
        keepaliveInterval: this.deps.settings.keepaliveIntervalMs,
        keepaliveCountMax: this.deps.settings.keepaliveCountMax,
        ...(await this.deps.credentials(host)),
        ...(sock ? { sock } : {}),
      };
    } catch (error) {
      release();
      sock?.destroy();
      if (abandoned()) return;
      this.handshake = undefined;
      const failure = error instanceof HostError ? error : new HostError(host.name, (error as Error).message);
      this.afterFailure(failure);
      return;
    }

    if (abandoned()) {
      release();
      sock?.destroy();
      return;
    }
    const client = new Client();
    attempt.client = client;
    let verdict: HostKeyVerdict | undefined;
    let lastError: unknown;
    let wasReady = false;
    config.hostVerifier = (keyBlob: Buffer, verify: (valid: boolean) => void): void => {
      this.deps.verifyHostKey(host, keyBlob).then(
        (result) => { verdict = result; verify(result.accepted); },
        (error: Error) => {
          verdict = { accepted: false, state: 'blocked', message: hostFailureMessage(host.name, { reason: `its host key could not be checked: ${error.message}` }) };
          verify(false);
        },
      );
    };
    // Requests and answers are small messages that each wait for the other side: with Nagle's
    // algorithm on, a request written while an earlier small packet (a keepalive, a window adjust)
    // is unacknowledged waits for the host's delayed ACK, about 40 ms on Linux, on every round trip.
    client.on('connect', () => client.setNoDelay(true));
    client.on('ready', () => {
      release();
      wasReady = true;
      if (abandoned()) {
        client.end();
        return;
      }
      this.handshake = undefined;
      this.client = client;
      this.attempt = 0;
      this.setStatus({ state: 'connected' });
      this.emit('ready');
    });
    client.on('error', (error) => { lastError = error; });
    client.on('close', () => {
      release();
      // A connection closed on purpose (stop, fail) was already taken out of use.
      if (wasReady ? this.client !== client : abandoned()) return;
      if (!wasReady) this.handshake = undefined;
      const failure = verdict && !verdict.accepted
        ? new HostError(host.name, verdict.message, 'permanent', undefined, 'whole')
        : lastError !== undefined
          ? describeSshError(host.name, host.address, host.port, lastError)
          : new HostError(host.name, `the SSH connection to ${host.address}:${host.port} was closed by the host`, 'unreachable');
      if (this.client === client) {
        this.client = undefined;
        this.emit('lost', failure);
      }
      if (verdict && !verdict.accepted) {
        this.setStatus({ state: verdict.state, error: failure.failure });
        return;
      }
      if (wasReady && this.wanted) this.attempt = 0;
      this.afterFailure(failure);
    });
    client.connect(config);
  }

  private afterFailure(failure: HostError): void {
    if (!this.wanted) {
      this.setStatus({ state: 'disconnected' });
      return;
    }
    if (failure.kind !== 'unreachable') {
      this.setStatus({ state: 'failed', error: failure.failure });
      return;
    }
    const delay = backoffDelay(this.attempt, this.deps.settings.backoff);
    this.attempt += 1;
    this.setStatus({ state: 'unreachable', error: failure.failure, nextAttemptAt: Date.now() + delay });
    this.clearRetry();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.wanted && !this.client && !this.handshake) void this.connectOnce();
    }, delay);
  }

  /** Stops retrying with a cause the admin must fix (no suitable Node, sudo wants a password). */
  fail(error: HostError): void {
    this.clearRetry();
    this.abandonHandshake();
    const client = this.client;
    this.client = undefined;
    this.setStatus({ state: 'failed', error: error.failure });
    client?.end();
  }

  /** Ends a handshake still under way, so it cannot become a second, unused connection. */
  private abandonHandshake(): void {
    const pending = this.handshake?.client;
    this.handshake = undefined;
    pending?.destroy();
  }

  private clearRetry(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private setStatus(status: ConnectionStatus): void {
    this.current = status;
    this.emit('status', status);
  }
}

const SESSION_LIMIT_ATTEMPTS = 5;

/** OpenSSH refuses a session over MaxSessions with "open failed" (administratively prohibited). */
function isSessionLimitRefusal(error: unknown): boolean {
  return error instanceof Error && /open failed/.test(error.message);
}

function openExecChannel(client: Client, command: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    try {
      client.exec(command, (error, channel) => (error ? reject(error) : resolve(channel)));
    } catch (error) {
      // ssh2 throws 'Not connected' when the socket ended but 'close' has not come yet.
      reject(new Error(`the SSH connection is closing (${(error as Error).message})`));
    }
  });
}
