// The JSON API client. Requests are same-origin with cookies; the browser adds
// the Origin header to unsafe requests, which the API checks against CSRF.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

const BASE = '/api/v1';

export async function api(method, path, body, { keepalive = false } = {}) {
  const init = { method, credentials: 'same-origin', headers: { Accept: 'application/json' }, keepalive };
  if (body instanceof Blob) {
    init.body = body;
    init.headers['Content-Type'] = body.type || 'application/octet-stream';
  } else if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach Flick. Check your connection and try again.');
  }
  return decode(res.status, () => res.text());
}

async function decode(status, text) {
  let data = null;
  try {
    const t = await text();
    data = t ? JSON.parse(t) : null;
  } catch {
    data = null;
  }
  if (status >= 200 && status < 300) return data;
  const err = data && data.error;
  throw new ApiError(status, err?.code || 'internal', err?.message || `Something went wrong (HTTP ${status}). Please try again.`);
}

// upload sends a multipart form with XMLHttpRequest, which (unlike fetch)
// reports upload progress: onProgress gets a fraction from 0 to 1.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', BASE + path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.upload.addEventListener('progress', (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener('load', () => decode(xhr.status, async () => xhr.responseText).then(resolve, reject));
    xhr.addEventListener('error', () => reject(new ApiError(0, 'network', 'The upload was interrupted. Check your connection and try again.')));
    xhr.addEventListener('abort', () => reject(new ApiError(0, 'aborted', 'The upload was cancelled.')));
    xhr.send(form);
  });
}

// pager walks a cursor-paginated list: each call returns the next page's
// items and whether more remain.
export function pager(path) {
  let cursor = '';
  let done = false;
  return async () => {
    if (done) return { items: [], done: true };
    const sep = path.includes('?') ? '&' : '?';
    const page = await api('GET', `${path}${sep}limit=12${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    cursor = page?.next_cursor || '';
    done = !cursor;
    return { items: page?.items || [], done };
  };
}

// listOf accepts a bare array or an object holding one under a known key.
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data;
  for (const k of ['items', ...keys]) if (Array.isArray(data?.[k])) return data[k];
  return [];
}
