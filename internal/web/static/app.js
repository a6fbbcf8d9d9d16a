// Flick's web app: a small client-side router over the HTML shell that the
// server sends for every page route. Views render with DOM APIs only.
// First: the theme is set before anything renders.
import './theme.js';
import { ApiError, api, pager } from './api.js';
import { auditPage } from './audit.js';
import { forgotPage, loginPage, resetPage, signupPage } from './auth.js';
import { h, icon } from './dom.js';
import { Feed } from './feed.js';
import { validHandle } from './handle.js';
import { notificationsPage, syncBadge } from './notifications.js';
import { accessPage } from './privacy.js';
import { profilePage } from './profile.js';
import { registerServiceWorker } from './pwa.js';
import { match, title, unmatched } from './routes.js';
import { searchPage, tagPage } from './search.js';
import { currentUser, loadCurrentUser, onUserChange } from './session.js';
import { settingsPage } from './settings.js';
import { emptyState } from './ui.js';
import { uploadPage } from './upload.js';

const main = document.getElementById('main');

const FEED_PAGES = new Set(['foryou', 'following', 'video']);

// The For You and Following feeds are kept while you visit other pages, so
// coming back lands on the video you left, as in the apps.
const feeds = new Map();
let cleanup = null;

function feed(kind) {
  let f = feeds.get(kind);
  if (!f) {
    f = kind === 'foryou'
      ? new Feed({ kind, label: 'For You feed', source: pager('/feed/foryou'),
        empty: emptyState('No videos yet', 'Be the first to post something.', { href: '/upload', text: 'Upload a video' }) })
      : new Feed({ kind, label: 'Following feed', source: pager('/feed/following'),
        empty: emptyState('Nothing from people you follow yet', 'Follow creators and their new videos show up here.', { href: '/', text: 'Find creators on For You' }) });
    feeds.set(kind, f);
  }
  return f;
}

// A shared link opens that video first and continues into For You; one
// opened from a profile or a hashtag page (?from=@handle, ?from=tag:name)
// continues through the videos after it there.
function sharedVideo(id, rest = pager('/feed/foryou')) {
  let first = true;
  return async () => {
    if (!first) return rest();
    const v = await api('GET', `/videos/${encodeURIComponent(id)}`).catch((err) => {
      throw err.status === 404 ? new ApiError(404, err.code, 'This video doesn’t exist or was deleted.') : err;
    });
    if (v.status === 'processing') throw new ApiError(409, 'processing', `This video is still processing (${v.progress || 0}%). Try again in a moment.`);
    if (v.status === 'failed') throw new ApiError(422, 'failed', `This video could not be processed${v.failure ? `: ${v.failure}` : '.'}`);
    first = false;
    return { items: [v], done: false };
  };
}

// videoContext reads ?from= into the list a video continues into and where
// its back button goes; null for anything else.
function videoContext() {
  const from = new URLSearchParams(location.search).get('from') || '';
  const handle = from.startsWith('@') ? from.slice(1) : '';
  const tag = from.startsWith('tag:') ? from.slice(4) : '';
  if (handle && validHandle(handle)) {
    return { list: `/accounts/${encodeURIComponent(handle)}/videos`, back: { href: `/@${handle}`, label: `Back to @${handle}` } };
  }
  if (tag && !/[\s/#]/.test(tag)) {
    return { list: `/hashtags/${encodeURIComponent(tag)}/videos`, back: { href: `/tag/${encodeURIComponent(tag)}`, label: `Back to #${tag}` } };
  }
  return null;
}

// after walks a list from the video after id on; a list that turns out not
// to hold id is walked whole.
function after(id, next) {
  let passed = false;
  const skipped = [];
  return async () => {
    const page = await next();
    if (passed) return page;
    const at = page.items.findIndex((v) => v.id === id);
    if (at >= 0) {
      passed = true;
      return { items: page.items.slice(at + 1), done: page.done };
    }
    skipped.push(...page.items);
    return { items: page.done ? skipped : [], done: page.done };
  };
}

function videoFeed(id) {
  const ctx = videoContext();
  const source = ctx ? sharedVideo(id, after(id, pager(ctx.list))) : sharedVideo(id);
  return new Feed({ kind: 'video', label: 'Video', source, back: ctx?.back, empty: emptyState('Video not found') });
}

function mountFeed(f, transient) {
  f.mount(main);
  return transient ? () => f.destroy() : () => f.unmount();
}

async function render({ first = false } = {}) {
  if (cleanup) cleanup();
  cleanup = null;
  // The server may refuse a path the router would take (a malformed handle,
  // say); its answer stands, and so does the title it gave the first page.
  const r = first && document.body.dataset.page === unmatched.name ? unmatched : match(location.pathname);
  document.body.dataset.page = r.name;
  document.body.classList.toggle('feed-mode', FEED_PAGES.has(r.name));
  if (!first) document.title = title(r);
  highlightNav(r);
  main.replaceChildren();
  if (!first) main.focus({ preventScroll: true });
  switch (r.name) {
    case 'foryou': cleanup = mountFeed(feed('foryou')); break;
    case 'following':
      cleanup = currentUser() ? mountFeed(feed('following'))
        : (main.replaceChildren(emptyState('See videos from creators you follow', 'Log in to get your Following feed.', { href: '/login?next=%2Ffollowing', text: 'Log in' })), null);
      break;
    case 'video': cleanup = mountFeed(videoFeed(r.arg), true); break;
    case 'upload': cleanup = uploadPage(main); break;
    case 'login': loginPage(main); break;
    case 'signup': signupPage(main); break;
    case 'forgot': forgotPage(main); break;
    case 'reset': resetPage(main); break;
    case 'search': searchPage(main); break;
    case 'settings': settingsPage(main); break;
    case 'notifications': notificationsPage(main); break;
    case 'access': accessPage(main); break;
    case 'audit': cleanup = auditPage(main); break;
    case 'tag': cleanup = tagPage(main, { tag: r.arg.toLowerCase() }); break;
    case 'profile': {
      // The profile loads asynchronously; a navigation meanwhile must still
      // be able to clean it up.
      let done = null;
      let gone = false;
      cleanup = () => { gone = true; done?.(); };
      profilePage(main, { handle: r.arg.toLowerCase() }).then((c) => { if (gone) c?.(); else done = c; });
      break;
    }
    default:
      main.replaceChildren(emptyState('Page not found', 'The page you’re looking for doesn’t exist or has moved.', { href: '/', text: 'Go to For You' }));
  }
}

// navigate records the page it leaves, so that a back button can tell
// whether going back returns there.
function navigate(to) {
  const here = location.pathname + location.search;
  if (to !== here) history.pushState({ back: here }, '', to);
  render();
  window.scrollTo(0, 0);
}

function highlightNav(r) {
  const me = currentUser();
  const own = r.name === 'profile' && me && r.arg.toLowerCase() === me.handle;
  const active = r.name === 'profile' && !own ? '' : r.name === 'access' ? 'settings' : r.name;
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === active) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

// The audit page is in the side navigation for auditors only.
const auditLink = h('a', { class: 'navlink', href: '/audit', 'data-nav': 'audit', 'data-testid': 'nav-audit', hidden: true }, icon('eye'), 'Audit');
document.querySelector('.sidenav [data-nav="settings"]')?.after(auditLink);

function syncAuthNav(me) {
  for (const a of document.querySelectorAll('[data-nav="profile"]')) a.href = me ? `/@${me.handle}` : '/login';
  for (const el of document.querySelectorAll('[data-auth]')) el.hidden = (el.dataset.auth === 'in') !== !!me;
  auditLink.hidden = !me?.roles?.includes('auditor');
  syncBadge(me);
}

// Same-origin links navigate inside the app; everything the API or the
// media server owns is left to the browser.
document.addEventListener('click', (e) => {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = e.target.closest?.('a[href]');
  if (!a || a.target || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || /^\/(api|media|static|healthz|readyz|metrics)(\/|$)/.test(url.pathname)) return;
  e.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => render());
window.addEventListener('flick:navigate', (e) => navigate(e.detail));

for (const a of document.querySelectorAll('[data-icon]')) a.prepend(icon(a.dataset.icon, { size: a.classList.contains('tab-upload') ? 22 : 24 }));

onUserChange((me) => {
  // Likes, follows and the feeds themselves depend on who is watching.
  for (const f of feeds.values()) f.destroy();
  feeds.clear();
  syncAuthNav(me);
});

// Hiding a creator, keyword filters, the non-personalised mode and a reset
// change what the feeds hold: the cached ones not on screen start over.
window.addEventListener('flick:controls-changed', () => {
  for (const [kind, f] of feeds) {
    if (f.mounted) continue;
    f.destroy();
    feeds.delete(kind);
  }
});

await loadCurrentUser();
syncAuthNav(currentUser());
render({ first: true });
registerServiceWorker();
