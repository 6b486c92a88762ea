// Responses the gateway generates itself (404, 400, 500, 502, ...). The body format follows the client's
// Accept header (JSON, HTML or text) and always carries the request id, also as `X-Request-Id`.
import { STATUS_CODES } from 'node:http';

export interface LocalBody {
  contentType: string;
  body: string;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]);

export function localBody(status: number, requestId: string, accept: string | undefined, detail?: string): LocalBody {
  const title = STATUS_CODES[status] ?? 'Error';
  const a = accept ?? '';
  if (a.includes('json')) {
    return {
      contentType: 'application/json',
      body: JSON.stringify({ status, error: title, request_id: requestId, ...(detail ? { detail } : {}) }),
    };
  }
  if (a.includes('text/html')) {
    return {
      contentType: 'text/html; charset=utf-8',
      body: `<!DOCTYPE html><html><head><title>${status} ${escapeHtml(title)}</title></head><body><h1>${status} ${escapeHtml(title)}</h1>`
        + (detail ? `<p>${escapeHtml(detail)}</p>` : '') + `<p>Request ID: ${escapeHtml(requestId)}</p></body></html>\n`,
    };
  }
  return {
    contentType: 'text/plain; charset=utf-8',
    body: `${status} ${title}${detail ? `: ${detail}` : ''}\nRequest ID: ${requestId}\n`,
  };
}
