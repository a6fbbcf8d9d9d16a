// Sign-up and log-in forms. The API's messages are shown as they come: they
// are written for people.
import { api } from './api.js';
import { limits } from './boot.js';
import { h } from './dom.js';
import { handleRule, normalizeHandle, validHandle } from './handle.js';
import { setCurrentUser } from './session.js';
import { safeNext } from './ui.js';

function field(label, input, hint) {
  const hintEl = hint ? h('small', { class: 'hint', id: `${input.id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input, hintEl);
}

function authForm({ title, subtitle, fields, submitText, testid, request, footer }) {
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'form-error', hidden: true });
  const submit = h('button', { class: 'button primary wide', type: 'submit', 'data-testid': `${testid}-submit`, text: submitText });
  const form = h('form', { class: 'auth-form', 'data-testid': `${testid}-form`, novalidate: true }, fields, error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      const r = await request(new FormData(form));
      setCurrentUser(r?.account || r);
      const next = safeNext(new URLSearchParams(location.search).get('next'));
      window.dispatchEvent(new CustomEvent('flick:navigate', { detail: next }));
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      submit.disabled = false;
    }
  });
  return h('div', { class: 'page narrow auth' },
    h('h1', { text: title }), h('p', { class: 'muted', text: subtitle }), form, footer);
}

const keepNext = (path) => path + location.search;

export function loginPage(main) {
  main.replaceChildren(authForm({
    title: 'Log in to Flick', subtitle: 'Like, comment, follow creators and post your own videos.', submitText: 'Log in', testid: 'login',
    fields: [
      field('Handle', h('input', { id: 'login-handle', name: 'handle', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, 'data-testid': 'login-handle' })),
      field('Password', h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password' })),
    ],
    request: (f) => api('POST', '/sessions', { handle: f.get('handle').trim(), password: f.get('password') }),
    footer: h('p', { class: 'switch' }, 'New here? ', h('a', { href: keepNext('/signup'), 'data-testid': 'to-signup', text: 'Create an account' })),
  }));
}

// regionField offers the instance's regions, the default chosen; it stays
// hidden while there is only one (or the list cannot be read).
function regionField() {
  const select = h('select', { id: 'signup-region', name: 'region', 'data-testid': 'signup-region' });
  const el = field('Where your data is kept', select, 'Your profile, videos and activity are stored in this region.');
  el.hidden = true;
  api('GET', '/regions').then((r) => {
    const regions = r?.regions || [];
    select.replaceChildren(...regions.map((name) => h('option', { value: name, text: name, selected: name === r.default })));
    el.hidden = regions.length < 2;
  }, () => {});
  return el;
}

export function signupPage(main) {
  const today = new Date().toISOString().slice(0, 10);
  const region = regionField();
  main.replaceChildren(authForm({
    title: 'Join Flick', subtitle: 'Create an account to post videos and follow creators.', submitText: 'Sign up', testid: 'signup',
    fields: [
      field('Handle', h('input', { id: 'signup-handle', name: 'handle', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, maxlength: limits.max_handle_len, 'data-testid': 'signup-handle' }),
        `${limits.min_handle_len}–${limits.max_handle_len} letters, digits, _ and .`),
      field('Password', h('input', { id: 'signup-password', name: 'password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, 'data-testid': 'signup-password' }),
        'At least 8 characters. A long phrase is best.'),
      field('Birthdate', h('input', { id: 'signup-birthdate', name: 'birthdate', type: 'date', max: today, required: true, autocomplete: 'bday', 'data-testid': 'signup-birthdate' }),
        `You must be ${limits.min_age} or older. Never shown to anyone.`),
      field('Email (optional)', h('input', { id: 'signup-email', name: 'email', type: 'email', autocomplete: 'email', 'data-testid': 'signup-email' })),
      region,
    ],
    request: async (f) => {
      const handle = normalizeHandle(f.get('handle'));
      if (!validHandle(handle)) throw new Error(handleRule);
      const body = { handle, password: f.get('password'), birthdate: f.get('birthdate') };
      const email = f.get('email').trim();
      if (email) body.email = email;
      if (!region.hidden && f.get('region')) body.region = f.get('region');
      return api('POST', '/accounts', body);
    },
    footer: h('p', { class: 'switch' }, 'Already have an account? ', h('a', { href: keepNext('/login'), 'data-testid': 'to-login', text: 'Log in' })),
  }));
}
