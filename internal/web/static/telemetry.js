// View telemetry: impressions and watch time, queued and sent in batches so
// that flicking through videos costs one request every few seconds, not one
// per video. A hidden page flushes with keepalive so nothing is lost when the
// tab closes.

const FLUSH_MS = 5000;
const MAX_BATCH = 20;

export class Telemetry {
  constructor(endpoint = '/api/v1/events') {
    this.endpoint = endpoint;
    this.queue = [];
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.onHide = () => { if (document.visibilityState === 'hidden') this.flush(); };
    document.addEventListener('visibilitychange', this.onHide);
    window.addEventListener('pagehide', this.onHide);
  }

  record(type, videoId, watchMs = 0) {
    this.queue.push({ type, video_id: videoId, watch_ms: Math.max(0, Math.round(watchMs)), at: new Date().toISOString() });
    if (this.queue.length >= MAX_BATCH) this.flush();
  }

  flush() {
    if (!this.queue.length) return;
    const batch = this.queue.splice(0, this.queue.length);
    const body = JSON.stringify(batch);
    // keepalive lets the request outlive the page; sendBeacon is the fallback
    // for browsers that refuse keepalive bodies.
    fetch(this.endpoint, {
      method: 'POST', credentials: 'same-origin', keepalive: true,
      headers: { 'Content-Type': 'application/json' }, body,
    }).catch(() => navigator.sendBeacon?.(this.endpoint, new Blob([body], { type: 'application/json' })));
  }

  close() {
    this.flush();
    clearInterval(this.timer);
    document.removeEventListener('visibilitychange', this.onHide);
    window.removeEventListener('pagehide', this.onHide);
  }
}

// WatchClock measures how long one video actually played while on screen.
export class WatchClock {
  constructor() {
    this.shownAt = performance.now();
    this.playedMs = 0;
    this.since = null;
  }
  start() { if (this.since === null) this.since = performance.now(); }
  stop() {
    if (this.since !== null) this.playedMs += performance.now() - this.since;
    this.since = null;
  }
  // dwellMs is the time since the video became active, whether it played or not.
  get dwellMs() { return performance.now() - this.shownAt; }
  get watchMs() { return this.playedMs + (this.since === null ? 0 : performance.now() - this.since); }
}
