// Sign-up and log-in forms, and the two pages of a forgotten password. The
// API's messages are shown as they come: they are written for people.
import { api } from './api.js';
import { limits, mailsResets } from './boot.js';
import { h } from './dom.js';
import { handleRule, normalizeHandle, validHandle } from './handle.js';
import { setCurrentUser } from './session.js';
import { safeNext, toast } from './ui.js';

function field(label, input, hint) {
  const hintEl = hint ? h('small', { class: 'hint', id: `${input.id}-hint`, text: hint }) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: input.id, text: label }), input, hintEl);
}

// signedIn is what a sign-up or log-in form does with the answer: keep the
// account and go where the visitor was heading.
function signedIn(r) {
  setCurrentUser(r?.account || r);
  const next = safeNext(new URLSearchParams(location.search).get('next'));
  window.dispatchEvent(new CustomEvent('flick:navigate', { detail: next }));
}

function authForm({ title, subtitle, fields, submitText, testid, request, footer, done = signedIn }) {
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'form-error', hidden: true });
  const submit = h('button', { class: 'button primary wide', type: 'submit', 'data-testid': `${testid}-submit`, text: submitText });
  const form = h('form', { class: 'auth-form', 'data-testid': `${testid}-form`, novalidate: true }, fields, error, submit);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    try {
      done(await request(new FormData(form)), form);
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
    footer: h('div', {},
      mailsResets ? h('p', { class: 'switch' }, h('a', { href: '/forgot-password', 'data-testid': 'to-forgot', text: 'Forgot password?' })) : null,
      h('p', { class: 'switch' }, 'New here? ', h('a', { href: keepNext('/signup'), 'data-testid': 'to-signup', text: 'Create an account' }))),
  }));
}

const passwordHint = 'At least 8 characters. A long phrase is best.';

// forgotPage asks for a reset link. The answer is the same whether or not
// the account exists, and it replaces the form.
export function forgotPage(main) {
  if (!mailsResets) {
    main.replaceChildren(h('div', { class: 'page narrow auth' }, h('h1', { text: 'Forgot your password?' }),
      h('p', { class: 'muted', 'data-testid': 'forgot-unavailable', text: 'This Flick instance does not send email. Ask its operator for a reset link.' })));
    return;
  }
  main.replaceChildren(authForm({
    title: 'Forgot your password?', subtitle: 'We’ll email a link to choose a new one to the address on your account.', submitText: 'Send the link', testid: 'forgot',
    fields: [
      field('Handle or email', h('input', { id: 'forgot-login', name: 'handle_or_email', autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true, 'data-testid': 'forgot-login' })),
    ],
    request: (f) => api('POST', '/password-resets', { handle_or_email: f.get('handle_or_email').trim() }),
    done: (r, form) => form.replaceWith(h('p', { class: 'notice', role: 'status', 'data-testid': 'forgot-sent', text: r.message })),
    footer: h('p', { class: 'switch' }, h('a', { href: '/login', text: 'Back to log in' })),
  }));
}

// resetPage sets a new password with the token the emailed link carries in
// its fragment (which no server ever sees). The token leaves the address
// bar at once, so that it is not left in the history.
export function resetPage(main) {
  const token = location.hash.slice(1);
  if (token) history.replaceState(history.state, '', location.pathname);
  const kept = token || sessionStorage.getItem('flick-reset') || '';
  if (kept) sessionStorage.setItem('flick-reset', kept);
  if (!kept) {
    main.replaceChildren(h('div', { class: 'page narrow auth' }, h('h1', { text: 'Choose a new password' }),
      h('p', { class: 'muted', 'data-testid': 'reset-missing', text: 'Open the link from your email to choose a new password.' })));
    return;
  }
  main.replaceChildren(authForm({
    title: 'Choose a new password', subtitle: 'You’ll be logged out everywhere, and can log in with the new one.', submitText: 'Set password', testid: 'reset',
    fields: [
      field('New password', h('input', { id: 'reset-password', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, 'data-testid': 'reset-password' }),
        passwordHint),
    ],
    request: (f) => api('POST', '/password-resets/confirm', { token: kept, new_password: f.get('new_password') }),
    done: () => {
      sessionStorage.removeItem('flick-reset');
      setCurrentUser(null);
      toast('Your password is set. Log in with it.');
      window.dispatchEvent(new CustomEvent('flick:navigate', { detail: '/login' }));
    },
    footer: h('p', { class: 'switch' }, h('a', { href: '/forgot-password', text: 'Ask for a new link' })),
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
        passwordHint),
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
