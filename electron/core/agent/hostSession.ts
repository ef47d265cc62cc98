// The agent side of one host: whenever its SSH connection comes up, make sure the agent is
// deployed, start it, check its protocol version, subscribe to its events and read the guests.
// Listeners attach here, not to one agent process, so subscriptions survive reconnects.
import { EventEmitter } from 'node:events';
import type { ClientChannel } from 'ssh2';
import type { Host } from '../../../shared/api/hosts';
import { FLEET_EXEC_MAX_CONCURRENCY } from '../../../shared/api/fleetExec';
import type { AgentEventName, AgentEventData } from '../../../shared/protocol/events';
import type { AgentMethodName, AgentParams, AgentResult } from '../../../shared/protocol/methods';
import { PROTOCOL_VERSION } from '../../../shared/protocol/envelope';
import type { z } from 'zod';
import type { agentMethods } from '../../../shared/protocol/methods';
import { backoffDelay, type BackoffPolicy } from '../ssh/backoff';
import type { ConnectionStatus, SshConnection } from '../ssh/sshConnection';
import { runRemote } from '../ssh/remoteExec';
import { HostError } from '../ssh/sshErrors';
import { AdminActionError } from './adminActionError';
import type { AgentBundle } from './agentBundle';
import { agentArgv, agentCommand, deployAgent, quickStartCommand, usesSudo, type AgentDeployment, type AgentLaunch } from './agentDeploy';
import type { AgentSigningKey } from './agentSigningKey';
import { agentSudoersRule, sudoPasswordRefusal } from './sudoersRule';
import { AgentRpcClient, type CallOptions } from './agentRpcClient';

export type HelloResult = z.infer<(typeof agentMethods)['hello']['result']>;

export interface HostSync {
  deployment: AgentDeployment;
  hello: HelloResult;
  info: AgentResult<'info'>;
  guests: AgentResult<'list'>['guests'];
  /** Guests listed by name only: the agent cannot read their configuration or state (and says why). */
  unreadable?: AgentResult<'list'>['unreadable'];
  /** Current state of every guest from `subscribe`, newer than `guests`' statuses. */
  baseline: AgentResult<'subscribe'>['guests'];
}

type AgentEventArgs = { [E in AgentEventName]: [E, AgentEventData<E>] }[AgentEventName];

interface HostSessionEvents {
  synced: [HostSync];
  agentEvent: AgentEventArgs;
  /** The agent stopped answering while the SSH connection stayed up (or went down with it). */
  agentLost: [HostError];
  /** Setup failed for a reason only the admin can fix (AdminActionError); the connection was failed with it. */
  setupFailed: [HostError];
  /** Setup failed for any other reason, which may pass: retried with backoff, shown to the admin meanwhile. */
  setupRetrying: [HostError];
  /** The agent sent a line that breaks the protocol; it was dropped, so the state may be stale. */
  agentProtocolError: [message: string];
}

export interface HostSessionDeps {
  host: () => Host;
  bundle: () => Promise<AgentBundle>;
  signingKey: () => Promise<AgentSigningKey>;
  /** Period of health samples the agent pushes, read at each subscribe. */
  healthIntervalMs: () => number;
  /** How long a call waits for a connecting host before giving up. */
  readyWaitMs: number;
  agentRestartBackoff: BackoffPolicy;
  /** Other hosts tunnel through this one: an agent that cannot run must not take the connection down. */
  servesAsJump?: () => boolean;
}

export class HostSession extends EventEmitter<HostSessionEvents> {
  private rpc: AgentRpcClient | undefined;
  private ready = false;
  private setupRunning = false;
  private restarts = 0;
  private restartTimer: NodeJS.Timeout | undefined;
  /** Set by start(): the admin wants this host managed, not only connected as a jump host. */
  private managed = false;
  /** Why the agent cannot run on a connection kept up for jumps; calls fail with it at once. */
  private agentFailure: HostError | undefined;
  lastSync: HostSync | undefined;
  /** The agent as last deployed and started here. */
  private launch: AgentLaunch | undefined;

  constructor(readonly connection: SshConnection, private readonly deps: HostSessionDeps) {
    super();
    // Each running exec listens for its own output and exit (actions/guestExec.ts): a fleet exec
    // may run up to FLEET_EXEC_MAX_CONCURRENCY of them on one host, besides the core's own listeners.
    this.setMaxListeners(FLEET_EXEC_MAX_CONCURRENCY + 16);
    connection.on('ready', () => {
      this.agentFailure = undefined;
      void this.setup();
    });
    connection.on('lost', (error) => this.onAgentGone(error));
  }

  get name(): string {
    return this.connection.name;
  }

  get isReady(): boolean {
    return this.ready;
  }

  start(): void {
    this.managed = true;
    this.connection.start();
    // Connected already, as a jump host or with an agent that could not run there: try the agent now.
    if (this.connection.status.state === 'connected' && !this.ready) void this.setup();
  }

  stop(): void {
    this.managed = false;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.rpc?.close();
    this.rpc = undefined;
    this.ready = false;
    this.connection.stop();
  }

  /** Calls the agent; waits for a connecting host up to readyWaitMs, fails at once for an unreachable one. */
  async call<M extends AgentMethodName>(method: M, params: AgentParams<M>, options: CallOptions = {}): Promise<AgentResult<M>> {
    await this.whenReady(options);
    const rpc = this.rpc;
    if (!rpc) throw new HostError(this.name, 'the agent is not running', 'unreachable', options.guest);
    return rpc.call(method, params, options);
  }

  /**
   * An exec channel of its own running this host's installed agent with `args` (a relayed
   * migration's ends, migration/migrationRelay.ts); only once the agent runs.
   */
  async agentChannel(args: readonly string[], options: { signal?: AbortSignal } = {}): Promise<ClientChannel> {
    await this.whenReady(options);
    const launch = this.launch;
    if (!launch) throw new HostError(this.name, 'the agent is not running', 'unreachable');
    const host = this.deps.host();
    return this.connection.exec(agentCommand({ user: host.user, sudo: host.sudo }, launch, args), options);
  }

  /**
   * Why this host's login may not start the installed agent with `args` as its own exec channel
   * (a sudo rule made before the relay's ends were in it, say), or undefined when it may: asks
   * `sudo -n -l`, which runs nothing. A root login always may.
   */
  async agentChannelRefusal(args: readonly string[], options: { signal?: AbortSignal } = {}): Promise<string | undefined> {
    await this.whenReady(options);
    const launch = this.launch;
    if (!launch) throw new HostError(this.name, 'the agent is not running', 'unreachable');
    const host = this.deps.host();
    if (!usesSudo({ user: host.user, sudo: host.sudo })) return undefined;
    const answer = await runRemote(this.connection, ['sudo', '-n', '-l', '--', ...agentArgv(launch, args)], { timeoutMs: 20_000, ...options });
    if (answer.code === 0) return undefined;
    const said = answer.stderr.toString('utf8').trim().split('\n').slice(-1)[0];
    const rule = agentSudoersRule(host.user, launch.nodePath, await this.deps.signingKey());
    return `sudo does not let ${host.user} run the agent's '${args.join(' ')}' on ${this.name}${said ? ` (${said})` : ''}; its sudoers rule predates it: replace the rule with ${rule}`;
  }

  /** Reads the guest list again (a guest appeared that this core has not seen). */
  async refresh(): Promise<void> {
    const sync = this.lastSync;
    if (!sync || !this.rpc) return;
    const list = await this.call('list', undefined);
    const info = await this.call('info', undefined);
    this.lastSync = { ...sync, guests: list.guests, unreadable: list.unreadable ?? [], baseline: list.guests.map((guest) => guest.status), info };
    this.emit('synced', this.lastSync);
  }

  /**
   * Subscribes a running agent again, at the health interval now set; the state it answers with
   * is synced, so a change the agent's watcher absorbed meanwhile is not missed. A host not
   * connected subscribes with the new interval when it connects.
   */
  async resubscribe(): Promise<void> {
    const sync = this.lastSync;
    if (!sync || !this.ready || !this.rpc) return;
    const subscribed = await this.rpc.call('subscribe', { guestState: true, healthIntervalMs: this.deps.healthIntervalMs() });
    this.lastSync = { ...sync, baseline: subscribed.guests };
    this.emit('synced', this.lastSync);
  }

  private whenReady(options: CallOptions): Promise<void> {
    if (this.ready) return Promise.resolve();
    if (this.connection.status.state === 'connected') {
      if (this.agentFailure) return Promise.reject(HostError.of(this.name, this.agentFailure.failure, options.guest));
      if (!this.managed) {
        return Promise.reject(new HostError(this.name, `is connected only as a jump host, without its agent; connect it (vfleet hosts connect ${this.name}) to manage it`, 'unreachable', options.guest, 'readsOn'));
      }
    }
    const status = this.connection.status;
    if (status.state !== 'connecting' && status.state !== 'connected') {
      return Promise.reject(this.notConnected(status, options.guest));
    }
    const waitMs = Math.min(options.timeoutMs ?? this.deps.readyWaitMs, this.deps.readyWaitMs);
    return new Promise<void>((resolve, reject) => {
      const done = (error?: Error): void => {
        clearTimeout(timer);
        this.off('synced', onSynced);
        this.off('setupFailed', onFailed);
        this.connection.off('status', onStatus);
        if (error) reject(error);
        else resolve();
      };
      const onSynced = (): void => done();
      const onFailed = (error: HostError): void => done(HostError.of(this.name, error.failure, options.guest));
      const onStatus = (): void => {
        const now = this.connection.status;
        if (now.state !== 'connecting' && now.state !== 'connected') done(this.notConnected(now, options.guest));
      };
      const timer = setTimeout(() => done(new HostError(this.name, `the agent was not ready within ${Math.round(waitMs / 1000)} s`, 'unreachable', options.guest)), waitMs);
      this.on('synced', onSynced);
      this.on('setupFailed', onFailed);
      this.connection.on('status', onStatus);
    });
  }

  /** Why a call cannot reach the agent of a host that is not connected: the connection's failure, for the call's guest. */
  private notConnected(status: ConnectionStatus, guest: string | undefined): HostError {
    if (status.error) return HostError.of(this.name, { ...status.error, kind: 'unreachable' }, guest);
    return new HostError(this.name, `is ${status.state === 'disconnected' ? 'not connected' : status.state}`, 'unreachable', guest, 'readsOn');
  }

  private async setup(): Promise<void> {
    // A host connected only as somebody's jump host needs no agent.
    if (this.setupRunning || !this.managed) return;
    this.setupRunning = true;
    try {
      const sync = await this.startAgent();
      this.restarts = 0;
      this.lastSync = sync;
      this.ready = true;
      this.emit('synced', sync);
    } catch (error) {
      const failure = error instanceof HostError ? error : new HostError(this.name, (error as Error).message);
      this.rpc?.close();
      this.rpc = undefined;
      if (failure instanceof AdminActionError) {
        if (this.deps.servesAsJump?.() && this.connection.status.state === 'connected') this.agentFailure = failure;
        else this.connection.fail(failure);
        this.emit('setupFailed', failure);
      } else {
        this.emit('setupRetrying', failure);
        this.scheduleRestart();
      }
    } finally {
      this.setupRunning = false;
    }
  }

  private async startAgent(): Promise<HostSync> {
    const host = this.deps.host();
    const login = { user: host.user, sudo: host.sudo };
    const bundle = await this.deps.bundle();
    // A host that already holds this bundle starts it in one channel; anything else (no copy, a
    // damaged one, a Node or sudo rule that changed) goes the checked way, whose errors say why.
    const quick = await this.openAgent(quickStartCommand(login, bundle)).catch(() => undefined);
    if (quick) {
      const launch = { file: quick.hello.agentFile, nodeVersion: quick.info.nodeVersion, nodePath: quick.hello.nodePath, uploaded: false, pruned: [] };
      this.launch = launch;
      return { ...quick, deployment: launch };
    }
    const signingKey = await this.deps.signingKey();
    const deployment = await deployAgent(this.connection, bundle, { signingKey, login });
    this.launch = deployment;
    const launched = await this.openAgent(agentCommand(login, deployment), (rpc) => {
      const refusal = usesSudo(login) ? sudoPasswordRefusal(this.name, host.user, rpc.stderr, deployment.nodePath, signingKey) : undefined;
      if (refusal) return refusal;
      return rpc.closed && rpc.stderr.trim() !== '' ? new HostError(this.name, `the vfleet agent stopped at start: ${rpc.stderr.trim().split('\n').at(-1)}`) : undefined;
    });
    return { ...launched, deployment };
  }

  /**
   * Starts the agent by `argv` and makes its first calls at once, without waiting for each answer:
   * hello (its protocol version checked), the guests, the subscription and the host's info.
   * `explain` may word a start that failed before hello answered (from the agent's stderr).
   */
  private async openAgent(argv: string[], explain?: (rpc: AgentRpcClient) => HostError | undefined): Promise<Omit<HostSync, 'deployment'>> {
    const rpc = new AgentRpcClient(this.name, await this.connection.exec(argv));
    this.rpc = rpc;
    rpc.on('event', (name, data) => this.emit('agentEvent', ...([name, data] as AgentEventArgs)));
    rpc.on('protocolError', (message) => this.emit('agentProtocolError', message));
    const calls = {
      hello: rpc.call('hello', { client: 'vfleet', protocolVersion: PROTOCOL_VERSION }, { timeoutMs: 30_000 }),
      list: rpc.call('list', undefined),
      subscribed: rpc.call('subscribe', { guestState: true, healthIntervalMs: this.deps.healthIntervalMs() }),
      info: rpc.call('info', undefined),
    };
    // Every call is settled, whatever happens first, so none rejects unheard.
    const settled = Promise.allSettled(Object.values(calls));
    let hello: HelloResult | undefined;
    try {
      hello = await calls.hello;
      if (hello.protocolVersion !== PROTOCOL_VERSION) {
        throw new AdminActionError(this.name, `its agent speaks protocol version ${hello.protocolVersion}, this vfleet speaks ${PROTOCOL_VERSION}; update vfleet or the agent bundle`);
      }
      const [list, subscribed, info] = await Promise.all([calls.list, calls.subscribed, calls.info]);
      // Watched from here on: a start that fails is the caller's to handle (setup retries it).
      rpc.on('closed', (error) => { if (this.rpc === rpc) this.onAgentGone(error); });
      if (rpc.closed) throw new HostError(this.name, 'the vfleet agent stopped right after it started', 'unreachable');
      return { hello, info, guests: list.guests, unreadable: list.unreadable ?? [], baseline: subscribed.guests };
    } catch (error) {
      if (this.rpc === rpc) this.rpc = undefined;
      rpc.close();
      await settled;
      throw (hello === undefined ? explain?.(rpc) : undefined) ?? error;
    }
  }

  private onAgentGone(error: HostError): void {
    const wasReady = this.ready;
    this.ready = false;
    this.rpc = undefined;
    if (wasReady) this.emit('agentLost', error);
    if (this.connection.status.state === 'connected') this.scheduleRestart();
  }

  private scheduleRestart(): void {
    if (this.restartTimer || this.connection.status.state !== 'connected') return;
    const delay = backoffDelay(this.restarts, this.deps.agentRestartBackoff);
    this.restarts += 1;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.connection.status.state === 'connected' && !this.ready) void this.setup();
    }, delay);
  }
}
