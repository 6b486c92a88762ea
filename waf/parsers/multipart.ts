// multipart/form-data parser: field names, text values and file names. File content is skipped.
// Broken boundaries, missing part headers or a missing closing delimiter are parse errors.

export interface MultipartField {
  name: string;
  /** text value (undefined for file parts) */
  value?: string;
  /** file name (file parts only) */
  filename?: string;
}

export type MultipartResult = { ok: true; fields: MultipartField[] } | { ok: false; error: string };

/** Parameters of a header value like `multipart/form-data; boundary="x"` (lower-case names). */
export function headerParams(v: string): Map<string, string> {
  const out = new Map<string, string>();
  let i = v.indexOf(';');
  while (i >= 0 && i < v.length) {
    i++;
    while (i < v.length && (v[i] === ' ' || v[i] === '\t')) i++;
    const eq = v.indexOf('=', i);
    if (eq < 0) break;
    const name = v.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    let val = '';
    if (v[j] === '"') {
      j++;
      while (j < v.length && v[j] !== '"') {
        if (v[j] === '\\' && j + 1 < v.length) j++;
        val += v[j];
        j++;
      }
      j++;
      const semi = v.indexOf(';', j);
      i = semi;
    } else {
      const semi = v.indexOf(';', j);
      val = (semi < 0 ? v.slice(j) : v.slice(j, semi)).trim();
      i = semi;
    }
    if (name && !out.has(name)) out.set(name, val);
    if (i < 0) break;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function decodeText(b: Buffer): string | null {
  try {
    return utf8.decode(b);
  } catch {
    return null;
  }
}

/** RFC 5987 `UTF-8''%e2%82%ac` */
function ext(v: string): string {
  const q = v.indexOf("''");
  const enc = q >= 0 ? v.slice(q + 2) : v;
  try {
    return decodeURIComponent(enc);
  } catch {
    return enc;
  }
}

export function parseMultipart(body: Buffer, contentType: string, maxFields = 100000): MultipartResult {
  const boundary = headerParams(contentType).get('boundary');
  if (!boundary) return { ok: false, error: 'multipart: missing boundary parameter' };
  if (boundary.length > 200) return { ok: false, error: 'multipart: boundary too long' };
  const delim = Buffer.from('--' + boundary, 'latin1');
  const crlfDelim = Buffer.from('\r\n--' + boundary, 'latin1');
  let pos: number;
  if (body.subarray(0, delim.length).equals(delim)) pos = delim.length;
  else {
    const first = body.indexOf(crlfDelim);
    if (first < 0) return { ok: false, error: 'multipart: opening boundary not found' };
    pos = first + crlfDelim.length;
  }
  const fields: MultipartField[] = [];
  for (;;) {
    // after a delimiter: `--` closes, CRLF starts a part (transport padding allowed)
    if (body[pos] === 45 && body[pos + 1] === 45) return { ok: true, fields };
    while (body[pos] === 32 || body[pos] === 9) pos++;
    if (body[pos] !== 13 || body[pos + 1] !== 10) return { ok: false, error: 'multipart: malformed boundary line' };
    pos += 2;
    const hdrEnd = body.indexOf('\r\n\r\n', pos, 'latin1');
    const next = body.indexOf(crlfDelim, pos);
    if (next < 0) return { ok: false, error: 'multipart: closing boundary not found' };
    let name: string | undefined;
    let filename: string | undefined;
    let hasDisposition = false;
    let contentStart: number;
    if (hdrEnd >= 0 && hdrEnd < next) {
      const headerText = body.toString('latin1', pos, hdrEnd);
      for (const line of headerText.split('\r\n')) {
        const colon = line.indexOf(':');
        if (colon <= 0) return { ok: false, error: 'multipart: malformed part header' };
        const hn = line.slice(0, colon).trim().toLowerCase();
        if (hn !== 'content-disposition') continue;
        hasDisposition = true;
        // re-read as UTF-8 for non-ASCII names
        const hv = Buffer.from(line.slice(colon + 1), 'latin1').toString('utf8');
        const kind = hv.trim().toLowerCase();
        if (!kind.startsWith('form-data')) return { ok: false, error: 'multipart: part is not form-data' };
        const ps = headerParams(hv);
        name = ps.get('name');
        const fnStar = ps.get('filename*');
        filename = fnStar !== undefined ? ext(fnStar) : ps.get('filename');
      }
      contentStart = hdrEnd + 4;
    } else if (body[pos] === 13 && body[pos + 1] === 10) {
      contentStart = pos + 2; // no headers at all
    } else return { ok: false, error: 'multipart: part headers not terminated' };
    if (!hasDisposition || name === undefined) return { ok: false, error: 'multipart: part without content-disposition name' };
    if (filename !== undefined) fields.push({ name, filename });
    else {
      const text = decodeText(body.subarray(contentStart, next));
      if (text === null) return { ok: false, error: `multipart: invalid UTF-8 in field ${name.slice(0, 40)}` };
      fields.push({ name, value: text });
    }
    if (fields.length > maxFields) return { ok: true, fields };
    pos = next + crlfDelim.length;
  }
}
