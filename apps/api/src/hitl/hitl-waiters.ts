import { EventEmitter } from 'node:events';
import { Injectable } from '@nestjs/common';

/**
 * Wakes long polls of this process the moment this process stores an answer. Other api
 * instances (cluster mode) do not hear it: their waits poll the database as well, so this is
 * a shortcut, never the only path.
 */
@Injectable()
export class HitlWaiters {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per waiting agent; hundreds are normal, none is a leak (see `next`).
    this.emitter.setMaxListeners(0);
  }

  /** Every waiter of the request wakes up. */
  notify(projectId: string, id: string): void {
    this.emitter.emit(keyOf(projectId, id));
  }

  /**
   * Resolves when the request is notified, after `ms`, or when `signal` aborts, whichever is
   * first; true only for a notification. The listener and the timer are removed in every
   * case.
   */
  next(projectId: string, id: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    const key = keyOf(projectId, id);
    return new Promise<boolean>((resolve) => {
      if (signal?.aborted) return resolve(false);
      const done = (notified: boolean) => {
        clearTimeout(timer);
        this.emitter.off(key, onNotify);
        signal?.removeEventListener('abort', onAbort);
        resolve(notified);
      };
      const onNotify = () => done(true);
      const onAbort = () => done(false);
      const timer = setTimeout(() => done(false), Math.max(0, ms));
      this.emitter.on(key, onNotify);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Listeners currently waiting on a request (tests and metrics). */
  waiting(projectId: string, id: string): number {
    return this.emitter.listenerCount(keyOf(projectId, id));
  }
}

const keyOf = (projectId: string, id: string) => `${projectId}\u0000${id}`;
