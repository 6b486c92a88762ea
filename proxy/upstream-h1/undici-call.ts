// An adapter from an undici dispatcher's handler to the proxy's UpstreamHandler. Used for h2c backends (undici's
// H2CClient) and by the bench's undici comparison; not on the HTTP/1.1 hot path.
import { H2CClient, type Dispatcher } from 'undici';
import { HOP_BY_HOP } from '../http-util';
import type { UpstreamCall, UpstreamHandler, UpstreamRequest } from '../upstream';
import { classify } from './errors';
import { CONNECT_TIMEOUT_MS } from './connection';

export function h2cClient(origin: string): Dispatcher {
  return new H2CClient(origin, { connectTimeout: CONNECT_TIMEOUT_MS });
}

export class DispatcherCall implements UpstreamCall, Dispatcher.DispatchHandler {
  private controller: Dispatcher.DispatchController | null = null;
  private done = false;
  private abortRequested = false;
  private gotHeaders = false;

  constructor(d: Dispatcher, origin: string, req: UpstreamRequest, private readonly h: UpstreamHandler) {
    d.dispatch({
      origin,
      path: req.path,
      method: req.method as Dispatcher.HttpMethod,
      headers: req.headers,
      body: req.body,
      headersTimeout: req.headersTimeoutMs,
      bodyTimeout: req.bodyTimeoutMs,
      idempotent: false,
    }, this);
  }

  abort(): void {
    if (this.done) return;
    this.abortRequested = true;
    this.done = true;
    this.controller?.abort(new Error('aborted by proxy'));
  }

  resume(): void { this.controller?.resume(); }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.abortRequested) controller.abort(new Error('aborted by proxy'));
  }

  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[]>): void {
    if (this.done || status < 200) return;
    this.gotHeaders = true;
    const flat: string[] = [];
    let cl = -1;
    const conn = headers['connection'];
    const listed = typeof conn === 'string' && conn.length > 0 ? conn.split(',').map((t) => t.trim().toLowerCase()) : null;
    for (const name in headers) {
      if (HOP_BY_HOP.has(name) || name === 'date' || (listed !== null && listed.includes(name))) continue;
      const v = headers[name];
      if (name === 'content-length') { cl = Number(Array.isArray(v) ? v[0] : v); continue; }
      if (Array.isArray(v)) for (const one of v) flat.push(name, one);
      else flat.push(name, v);
    }
    this.h.onHeaders(status, flat, cl);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.done) return;
    if (!this.h.onData(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    if (this.done) return;
    this.done = true;
    this.h.onEnd();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error): void {
    if (this.done) return;
    this.done = true;
    this.h.onError(classify(err, !this.gotHeaders && (err as { code?: string }).code === 'UND_ERR_CONNECT'), err);
  }
}
