// The installable app: registers the service worker (/sw.js, which keeps
// the app's files and an offline page) and, when a new version of Flick
// has been deployed, offers to reload into it. The new worker waits until
// the person says so, so that no page mixes two versions' modules.
import { h } from './dom.js';

// How often an open app looks for a deploy, besides each navigation and
// each return to the foreground.
const UPDATE_CHECK_MS = 30 * 60 * 1000;

let prompt = null;
let reloadWanted = false;

function offerReload(worker) {
  if (prompt) return;
  const reload = h('button', { class: 'button primary', type: 'button', 'data-testid': 'update-reload', text: 'Reload', onclick: () => {
    reloadWanted = true;
    reload.disabled = true;
    worker.postMessage({ type: 'skip-waiting' });
  } });
  prompt = h('div', { class: 'update-prompt', 'data-testid': 'update-prompt' },
    h('span', { text: 'New version available' }), reload);
  // It stays in the toasts' stack (above the tab bar), so that toasts
  // never cover it.
  (document.getElementById('toasts') || document.body).append(prompt);
}

export function registerServiceWorker() {
  const sw = navigator.serviceWorker;
  if (!sw) return;
  // The first worker also takes control (clients.claim), which must not
  // reload the page; only the person's "Reload" does.
  sw.addEventListener('controllerchange', () => { if (reloadWanted) location.reload(); });
  sw.register('/sw.js', { scope: '/' }).then((reg) => {
    const watch = (w) => w?.addEventListener('statechange', () => {
      if (w.state === 'installed' && sw.controller) offerReload(w);
    });
    if (reg.waiting && sw.controller) offerReload(reg.waiting);
    watch(reg.installing);
    reg.addEventListener('updatefound', () => watch(reg.installing));
    const check = () => reg.update().catch(() => {}); // offline: next time
    document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') check(); });
    setInterval(check, UPDATE_CHECK_MS);
  }).catch(() => {}); // without a worker the app works as before, online only
}
