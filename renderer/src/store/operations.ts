// The operations this page started (guest actions, bulk actions, fleet exec): what the Activity
// view lists as running and finished, with progress for the ones over many targets and cancel
// for the ones the core lets go of.
import { VfleetCallError } from '../api/vfleetClient';

export type OperationStatus = 'running' | 'ok' | 'failed' | 'cancelled';

export interface Operation {
  id: number;
  title: string;
  startedAt: number;
  endedAt?: number;
  status: OperationStatus;
  /** The failure, in the words the core gave it. */
  error?: string;
  /** For operations over many targets. */
  progress?: { done: number; total: number };
  /** Present while it runs, when it can be cancelled. */
  cancel?: () => void;
}

export interface OperationHandle {
  readonly signal: AbortSignal;
  cancel(): void;
  progress(done: number): void;
  succeed(): void;
  fail(error: unknown): void;
}

const KEPT = 200;

export class OperationLog {
  private operations: Operation[] = [];
  private readonly listeners = new Set<() => void>();
  private nextId = 1;

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Newest first; a new array after each change. */
  list = (): Operation[] => this.operations;

  start(title: string, options: { total?: number; cancellable?: boolean } = {}): OperationHandle {
    const id = this.nextId++;
    const controller = new AbortController();
    const operation: Operation = {
      id, title, startedAt: Date.now(), status: 'running',
      ...(options.total !== undefined ? { progress: { done: 0, total: options.total } } : {}),
      ...(options.cancellable ? { cancel: () => controller.abort() } : {}),
    };
    this.operations = [operation, ...this.operations].slice(0, KEPT);
    this.changed();
    const end = (status: OperationStatus, error?: string): void => {
      this.update(id, (operation) => {
        if (operation.status !== 'running') return operation;
        const { cancel: _cancel, ...rest } = operation;
        return { ...rest, status, endedAt: Date.now(), ...(error !== undefined ? { error } : {}) };
      });
    };
    return {
      signal: controller.signal,
      cancel: () => controller.abort(),
      progress: (done) => this.update(id, (operation) => (operation.progress ? { ...operation, progress: { ...operation.progress, done } } : operation)),
      succeed: () => end('ok'),
      fail: (error) => {
        const cancelled = (error instanceof VfleetCallError && error.error.kind === 'cancelled') || (error instanceof DOMException && error.name === 'AbortError');
        if (cancelled) end('cancelled');
        else end('failed', error instanceof Error ? error.message : String(error));
      },
    };
  }

  private update(id: number, change: (operation: Operation) => Operation): void {
    this.operations = this.operations.map((operation) => (operation.id === id ? change(operation) : operation));
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}
