// Small shared pieces of UI: toasts, the log-in prompt, empty states.
import { copyText, h } from './dom.js';

const TOAST_MS = 3200;

// toast shows a message for a few seconds, with a link ({href, text}) or a
// button ({text, onclick}) when given.
export function toast(message, link) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const el = h('div', { class: 'toast', 'data-testid': 'toast' }, h('span', { text: message }),
    link?.onclick ? h('button', { type: 'button', class: 'toast-link', 'data-testid': 'toast-action', text: link.text, onclick: () => { el.remove(); link.onclick(); } })
      : link ? h('a', { href: link.href, class: 'toast-link', text: link.text }) : null);
  box.append(el);
  setTimeout(() => {
    el.classList.add('leaving');
    setTimeout(() => el.remove(), 300);
  }, TOAST_MS);
}

// loginHref returns to the current page after logging in.
export function loginHref() {
  const here = location.pathname + location.search;
  return here === '/' || here.startsWith('/login') || here.startsWith('/signup') ? '/login' : `/login?next=${encodeURIComponent(here)}`;
}

// promptLogin asks to log in, once: repeated taps do not stack prompts.
export function promptLogin(message) {
  const shown = [...document.querySelectorAll('#toasts .toast:not(.leaving)')].some((t) => t.firstChild.textContent === message);
  if (!shown) toast(message, { href: loginHref(), text: 'Log in' });
}

// safeNext accepts only same-site paths, so ?next= can't send people away.
export function safeNext(value) {
  return typeof value === 'string' && value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\') ? value : '/';
}

export function emptyState(title, text, action) {
  return h('div', { class: 'empty-state', 'data-testid': 'empty-state' },
    h('h2', { text: title }), text ? h('p', { text }) : null,
    action ? h('a', { class: 'button primary', href: action.href, text: action.text }) : null);
}

export function spinner(label = 'Loading') {
  return h('div', { class: 'spinner', role: 'status', 'aria-label': label });
}

export function errorBox(message, retry) {
  return h('div', { class: 'error-box', role: 'alert', 'data-testid': 'error' },
    h('p', { text: message }), retry ? h('button', { class: 'button', type: 'button', onclick: retry, text: 'Try again' }) : null);
}

// shareLink offers url to the device's share sheet where it has one (Web
// Share: phones, some desktops), else copies it and says so. It resolves
// to false when the person closed the share sheet without sharing.
export async function shareLink(url, title) {
  if (navigator.share) {
    try {
      await navigator.share({ url, title });
      return true;
    } catch (err) {
      if (err?.name === 'AbortError') return false;
      // Refused (no user gesture left, say): copying still works.
    }
  }
  const copied = await copyText(url);
  toast(copied ? 'Link copied to clipboard.' : `Copy this link: ${url}`);
  return true;
}
