// What a front end received from the bridge, in order, with waits on the next message that
// matches (resolved when it arrives, no polling), and the answer to a call by its id.
import { bridgeServerMessageSchema, type BridgeServerMessage } from '../../../shared/api/bridge';

type Waiter = { match: (message: BridgeServerMessage) => boolean; resolve: (message: BridgeServerMessage) => void };

export class BridgeInbox {
  readonly messages: BridgeServerMessage[] = [];
  private readonly waiters = new Set<Waiter>();

  /** Every message is checked against the protocol's server schema, as the renderer's client does. */
  push(message: unknown): void {
    const parsed = bridgeServerMessageSchema.parse(message);
    this.messages.push(parsed);
    for (const waiter of [...this.waiters]) {
      if (waiter.match(parsed)) {
        this.waiters.delete(waiter);
        waiter.resolve(parsed);
      }
    }
  }

  /** The first message from `from` on (default: from now) that matches; the vitest timeout bounds the wait. */
  next<T extends BridgeServerMessage>(match: (message: BridgeServerMessage) => message is T, from?: number): Promise<T>;
  next(match: (message: BridgeServerMessage) => boolean, from?: number): Promise<BridgeServerMessage>;
  next(match: (message: BridgeServerMessage) => boolean, from = this.messages.length): Promise<BridgeServerMessage> {
    const seen = this.messages.slice(from).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.add({ match, resolve }));
  }

  /** The result or error answering request `id`. */
  answer(id: number): Promise<Extract<BridgeServerMessage, { type: 'result' | 'error' }>> {
    return this.next((message): message is Extract<BridgeServerMessage, { type: 'result' | 'error' }> =>
      (message.type === 'result' || message.type === 'error') && message.id === id, 0);
  }

  /** Everything terminal `id` wrote so far, decoded. */
  terminalText(id: string): string {
    return Buffer.concat(this.messages.filter((message) => message.type === 'terminalOutput' && message.terminal === id)
      .map((message) => Buffer.from((message as { data: string }).data, 'base64'))).toString('utf8');
  }
}
