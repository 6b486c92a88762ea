// Streams a request body to the backend with backpressure: the source is paused while the socket's write
// buffer is full and resumed on 'drain'. Content-Length bodies must deliver exactly the declared bytes;
// bodies without a length go out chunked.
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { E_REQUEST_BODY, upstreamError } from './errors';

export interface PumpOwner {
  bodyDone(): void;
  bodyFailed(err: Error): void;
}

const CRLF = Buffer.from('\r\n', 'latin1');
const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');

export class BodyPump {
  private sent = 0;
  private ended = false;
  private detached = false;
  private waiting = false;
  private reported = false;

  /** `length` = declared content-length, -1 = chunked */
  constructor(private readonly owner: PumpOwner, private readonly socket: Socket, private readonly stream: Readable,
    private readonly length: number) {
    if (stream.destroyed || stream.readableEnded) {
      process.nextTick(this.onClose);
      return;
    }
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
    stream.on('close', this.onClose);
    stream.resume();
  }

  /** The socket drained: let the source flow again. */
  drain(): void {
    if (this.waiting && !this.detached) { this.waiting = false; this.stream.resume(); }
  }

  detach(): void {
    if (this.detached) return;
    this.detached = true;
    const s = this.stream;
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('error', this.onError);
    s.off('close', this.onClose);
  }

  private readonly onData = (data: Buffer | string): void => {
    if (this.detached) return;
    const chunk = typeof data === 'string' ? Buffer.from(data) : data;
    const n = chunk.length;
    if (n === 0) return;
    let ok: boolean;
    if (this.length < 0) {
      const s = this.socket;
      s.cork();
      s.write(`${n.toString(16)}\r\n`, 'latin1');
      s.write(chunk);
      ok = s.write(CRLF);
      s.uncork();
    } else {
      this.sent += n;
      if (this.sent > this.length) { this.fail('request body longer than its content-length'); return; }
      ok = this.socket.write(chunk);
      // every declared byte is out: the request is complete even if the source has not signalled its end yet
      if (this.sent === this.length) { this.reported = true; this.owner.bodyDone(); }
    }
    if (!ok) { this.waiting = true; this.stream.pause(); }
  };

  private readonly onEnd = (): void => {
    if (this.detached) return;
    this.ended = true;
    if (this.length < 0) this.socket.write(LAST_CHUNK);
    else if (this.sent !== this.length) { this.fail('request body shorter than its content-length'); return; }
    this.detach();
    if (!this.reported) { this.reported = true; this.owner.bodyDone(); }
  };

  private readonly onError = (err: Error): void => {
    if (this.detached) return;
    this.detach();
    this.owner.bodyFailed(err);
  };

  private readonly onClose = (): void => {
    if (this.detached || this.ended) return;
    this.fail('request body stream closed before its end');
  };

  private fail(message: string): void {
    this.detach();
    this.owner.bodyFailed(upstreamError(E_REQUEST_BODY, message));
  }
}
