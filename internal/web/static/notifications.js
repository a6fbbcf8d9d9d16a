// Notifications: the inbox page, and the unread badge on the navigation's
// bell, which polls gently (on focus and every minute while the tab is
// visible) and only while someone is signed in.
import { api } from './api.js';
import { ago, avatar, h, icon } from './dom.js';
import { currentUser } from './session.js';
import { emptyState, errorBox, loginHref, spinner } from './ui.js';

const POLL_MS = 60_000;

let timer = 0;

function showBadge(n) {
  for (const b of document.querySelectorAll('[data-badge]')) {
    b.hidden = !n;
    b.firstChild.textContent = n > 99 ? '99+' : String(n);
  }
}

let polling = null;

// refresh asks for the unread count, once at a time: coming back to the
// tab is both a focus and a visibility change.
function refresh() {
  if (!currentUser() || document.hidden) return polling;
  polling ??= api('GET', '/me/notifications?limit=1').then((page) => showBadge(page?.unread || 0), (err) => {
    // A session that ended stops the polling; other failures wait for the
    // next poll.
    if (err.status === 401) clearInterval(timer);
  }).finally(() => { polling = null; });
  return polling;
}

document.addEventListener('visibilitychange', refresh);
window.addEventListener('focus', refresh);

// syncBadge starts polling for a signed-in account and stops for nobody.
export function syncBadge(me) {
  clearInterval(timer);
  timer = 0;
  showBadge(0);
  if (!me) return;
  timer = setInterval(refresh, POLL_MS);
  refresh();
}

const name = (a) => a.display_name || a.handle;

// who names an item's actors: "aurora", "aurora and bo", "aurora and 12
// others".
function who(it) {
  const names = it.actors.map(name);
  if (it.actor_count <= 1) return [h('strong', { text: names[0] })];
  if (it.actor_count === 2 && names.length === 2) return [h('strong', { text: names[0] }), ' and ', h('strong', { text: names[1] })];
  const others = it.actor_count - 1;
  return [h('strong', { text: names[0] }), ` and ${others} ${others === 1 ? 'other' : 'others'}`];
}

const quote = (it) => (it.comment ? `: “${it.comment.text}”` : '.');

const TEXT = {
  follow: (it) => [...who(it), ' started following you.'],
  like: (it) => [...who(it), ' liked your video.'],
  comment: (it) => [...who(it), ` commented on your video${quote(it)}`],
  reply: (it) => [...who(it), ` replied to your comment${quote(it)}`],
  mention: (it) => [...who(it), it.comment ? ` mentioned you in a comment${quote(it)}` : ' mentioned you in a video.'],
  video_ready: () => ['Your video is ready to watch.'],
  video_failed: () => ['Your video couldn’t be processed. Open it to see why.'],
};

// target is where tapping an item goes: the video it is about, or the
// profile of whoever followed.
function target(it) {
  if (it.video) return `/v/${encodeURIComponent(it.video.id)}`;
  return it.actors.length ? `/@${encodeURIComponent(it.actors[0].handle)}` : '/';
}

function item(it) {
  const text = TEXT[it.type]?.(it);
  if (!text) return null; // a kind this version of the app does not know
  const faces = it.actors.length
    ? h('span', { class: 'inbox-faces' }, it.actors.slice(0, 2).map((a, i) => avatar(a, i ? 28 : 44)))
    : h('span', { class: 'inbox-faces' }, h('span', { class: `inbox-system ${it.type}` }, icon(it.type === 'video_failed' ? 'close' : 'check')));
  return h('li', {}, h('a', { class: `inbox-item${it.read ? '' : ' unread'}`, href: target(it), 'data-testid': 'notification', 'data-type': it.type },
    faces,
    h('span', { class: 'inbox-text' }, it.read ? null : h('span', { class: 'visually-hidden', text: 'New: ' }), h('span', {}, text), h('time', { class: 'muted small', datetime: it.created_at, text: ago(it.created_at) })),
    it.video?.poster_url ? h('img', { class: 'inbox-poster', src: it.video.poster_url, alt: '', width: 44, height: 58, loading: 'lazy', decoding: 'async' }) : null));
}

// notificationsPage lists the inbox, newest first, and marks what it shows
// read.
export function notificationsPage(main) {
  if (!currentUser()) {
    main.replaceChildren(h('div', { class: 'page narrow' }, emptyState('Log in to see your notifications', null, { href: loginHref(), text: 'Log in' })));
    return;
  }
  const list = h('ul', { class: 'inbox', 'data-testid': 'inbox' });
  const status = h('div', {}, spinner());
  const more = h('button', { class: 'button load-more', type: 'button', hidden: true, text: 'Show older' });
  let cursor = '';
  let first = true;
  const load = async () => {
    more.disabled = true;
    try {
      const page = await api('GET', `/me/notifications?limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      const items = page?.items || [];
      list.append(...items.map(item).filter(Boolean));
      cursor = page?.next_cursor || '';
      more.hidden = !cursor;
      status.replaceChildren(...(list.childElementCount ? [] : [emptyState('No notifications yet',
        'When people follow you, like, comment on or mention your videos, you’ll see it here.')]));
      if (first && items.length && page.unread) {
        await api('POST', '/me/notifications/read', { up_to: items[0].id });
        await polling;
        refresh();
      }
      first = false;
    } catch (err) {
      status.replaceChildren(errorBox(err.message, load));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  main.replaceChildren(h('div', { class: 'page narrow notifications', 'data-testid': 'notifications-page' },
    h('h1', { text: 'Notifications' }), list, status, more));
  load();
}
