// One request through the lean client: what the pipeline holds (`UpstreamCall`). It outlives a connection
// when a stale pooled connection forces one retry on a fresh one.
import type { UpstreamCall, UpstreamFailure, UpstreamHandler, UpstreamRequest } from '../upstream';
import type { Connection } from './connection';
import type { Framing } from './request';

export interface CallOwner {
  /** a queued call was aborted before it got a connection */
  dequeue(call: Call): void;
}

export class Call implements UpstreamCall, Framing {
  /** the connection carrying (or connecting for) this call */
  conn: Connection | null = null;
  done = false;
  retried = false;
  /** content length of the body, -1 = chunked stream */
  bodyLength = 0;
  head = '';
  readonly isHead: boolean;

  constructor(readonly owner: CallOwner, readonly req: UpstreamRequest, readonly h: UpstreamHandler) {
    this.isHead = req.method === 'HEAD';
  }

  /** A request with no body or a Buffer body can be sent again (stale keep-alive connection). */
  get replayable(): boolean {
    const b = this.req.body;
    return b === null || b instanceof Buffer;
  }

  abort(): void {
    if (this.done) return;
    this.done = true;
    const c = this.conn;
    this.conn = null;
    if (c !== null) c.abortCall(this);
    else this.owner.dequeue(this);
  }

  resume(): void {
    if (!this.done && this.conn !== null) this.conn.resumeCall(this);
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    this.conn = null;
    this.h.onEnd();
  }

  fail(kind: UpstreamFailure, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.conn = null;
    this.h.onError(kind, err);
  }
}
