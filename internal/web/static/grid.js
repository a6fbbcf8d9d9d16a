// The poster grid used by profiles, hashtag pages and search: three columns
// of posters linking to /v/{id}, loading more as the end scrolls into view.
import { compact, h, icon } from './dom.js';
import { errorBox, spinner } from './ui.js';

// from (@handle, tag:name) is the list the cell belongs to: the video opens
// there and continues through it.
export function gridCell(v, { showStatus = false, from = '' } = {}) {
  const status = v.status && v.status !== 'ready' ? v.status : '';
  const badge = showStatus && status === 'processing'
    ? h('span', { class: 'badge processing', 'data-testid': 'grid-status', text: `Processing ${v.progress || 0}%` })
    : showStatus && status === 'failed'
      ? h('span', { class: 'badge failed', 'data-testid': 'grid-status', title: v.failure || '', text: 'Failed' })
      : null;
  const label = `${v.pinned ? 'Pinned: ' : ''}${v.caption ? v.caption.slice(0, 100) : `Video by @${v.author?.handle || ''}`}`;
  // Who else can watch, on one's own grid.
  const audience = showStatus && v.visibility && v.visibility !== 'public'
    ? h('span', { class: 'badge audience', 'data-testid': 'grid-visibility', text: v.visibility === 'private' ? 'Only me' : 'Followers' })
    : null;
  return h('a', { class: `grid-item${status ? ` ${status}` : ''}`, href: `/v/${encodeURIComponent(v.id)}${from ? `?from=${encodeURIComponent(from)}` : ''}`, 'data-testid': 'grid-item', 'data-video-id': v.id, 'aria-label': label },
    v.poster_url ? h('img', { src: v.poster_url, alt: '', loading: 'lazy', decoding: 'async' }) : h('span', { class: 'grid-placeholder' }),
    badge,
    v.pinned ? h('span', { class: 'badge pinned', 'data-testid': 'pin-badge', text: 'Pinned' }) : null,
    audience,
    showStatus && status === 'failed' && v.failure ? h('span', { class: 'grid-failure', text: v.failure }) : null,
    status ? null : h('span', { class: 'grid-views' }, icon('play', { filled: true, size: 14 }), compact(v.counts?.views)));
}

// videoGrid renders pages from next() ({items, done}) and returns the element
// and a cleanup function.
export function videoGrid(next, { empty, showStatus = false, from = '', testid = 'video-grid' } = {}) {
  const grid = h('div', { class: 'grid', 'data-testid': testid });
  const foot = h('div', { class: 'grid-foot' });
  const el = h('div', { class: 'grid-wrap' }, grid, foot);
  let loading = false;
  let done = false;
  const load = async () => {
    if (loading || done) return;
    loading = true;
    foot.replaceChildren(spinner());
    try {
      const page = await next();
      done = page.done;
      for (const v of page.items) grid.append(gridCell(v, { showStatus, from }));
      foot.replaceChildren(!grid.children.length && done && empty ? empty : '');
    } catch (err) {
      foot.replaceChildren(errorBox(err.message, load));
    } finally {
      loading = false;
    }
    // Keep filling while the foot is still on screen.
    if (!done && foot.getBoundingClientRect().top < innerHeight + 400) load();
  };
  const io = new IntersectionObserver((es) => { if (es.some((e) => e.isIntersecting)) load(); }, { rootMargin: '400px' });
  io.observe(foot);
  load();
  return { el, cleanup: () => io.disconnect() };
}
