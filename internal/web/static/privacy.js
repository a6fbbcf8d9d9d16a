// Your data: where it is kept, downloading it, who accessed it (the entries of
// the access log about you) and deleting the account.
import { api } from './api.js';
import { h } from './dom.js';
import { currentUser, setCurrentUser } from './session.js';
import { emptyState, errorBox, loginHref, spinner, toast } from './ui.js';

const ACCESS_PAGE = 20;

const ROLES = { admin: 'Flick support', auditor: 'Auditor', moderator: 'Moderator', owner: 'You', system: 'Automated job' };

const ACTIONS = {
  'account.view': 'Viewed your account details',
  'account.export': 'Exported your data',
  'account.move': 'Moved your data to another region',
  'account.delete': 'Deleted your data',
};

const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

// when shows an entry's time in local time, exact in the tooltip.
export function when(iso) {
  return h('time', { datetime: iso, title: iso, text: timeFmt.format(new Date(iso)) });
}

// who names the actor of an access entry: its role, and the account ID or
// job name that the log records.
function who(e) {
  return [h('strong', { text: ROLES[e.actor_role] || e.actor_role }), h('code', { class: 'actor', text: e.actor })];
}

const actionText = (action) => ACTIONS[action] || action;

// dataSection is the "Your data" card of the settings page.
export function dataSection(me) {
  const auditor = me.roles?.includes('auditor');
  return h('section', { class: 'card your-data', 'data-testid': 'your-data' }, h('h2', { text: 'Your data' }),
    h('p', { 'data-testid': 'data-region' }, 'Your data is stored in region ', h('strong', { text: me.region || '—' }), '.'),
    h('div', { class: 'data-actions' },
      // A same-origin form POST, not a link: the export writes an access-log
      // entry, which no cross-site link may do, and the browser streams the
      // zip (originals included) to disk instead of holding it in memory.
      h('form', { class: 'export-form', method: 'post', action: '/api/v1/me/export' },
        h('button', { class: 'button', type: 'submit', 'data-testid': 'export-button', text: 'Download your data' })),
      h('a', { class: 'button', href: '/settings/access', 'data-testid': 'access-link', text: 'Who accessed my data' }),
      auditor ? h('a', { class: 'button', href: '/audit', 'data-testid': 'audit-link', text: 'Audit the access log' }) : null),
    h('p', { class: 'muted small', text: 'The download is a zip of everything Flick holds about you, with your original videos.' }),
    deleteRow());
}

// deleteRow is "Delete account", confirmed with the password in a dialog.
function deleteRow() {
  const password = h('input', { id: 'delete-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'delete-password' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'delete-error' });
  const submit = h('button', { class: 'button danger', type: 'submit', 'data-testid': 'delete-confirm', text: 'Delete my account' });
  const dialog = h('dialog', { class: 'dialog', 'aria-labelledby': 'delete-title', 'data-testid': 'delete-dialog' });
  const form = h('form', { class: 'dialog-body' },
    h('h2', { id: 'delete-title', text: 'Delete your account?' }),
    h('p', { text: 'Your account, videos, comments, likes and everything else Flick holds about you are deleted in every region. This can’t be undone; download your data first if you want a copy.' }),
    h('div', { class: 'field' }, h('label', { for: password.id, text: 'Enter your password to confirm' }), password),
    error,
    h('div', { class: 'dialog-actions' },
      h('button', { class: 'button subtle', type: 'button', 'data-testid': 'delete-cancel', text: 'Cancel', onclick: () => dialog.close() }),
      submit));
  dialog.append(form);
  dialog.addEventListener('close', () => {
    password.value = '';
    error.hidden = true;
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!password.value) {
      password.focus();
      return;
    }
    submit.disabled = true;
    error.hidden = true;
    try {
      await api('DELETE', '/me', { password: password.value });
      dialog.close();
      setCurrentUser(null);
      toast('Your account was deleted.');
      window.dispatchEvent(new CustomEvent('flick:navigate', { detail: '/login' }));
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      password.select();
    } finally {
      submit.disabled = false;
    }
  });
  return h('div', { class: 'delete-row' },
    h('button', { class: 'button danger', type: 'button', 'data-testid': 'delete-button', text: 'Delete account', onclick: () => {
      dialog.showModal();
      password.focus();
    } }),
    dialog);
}

// accessPage lists the access log's entries about the signed-in account,
// newest first, a page at a time.
export function accessPage(main) {
  const me = currentUser();
  if (!me) {
    main.replaceChildren(h('div', { class: 'page narrow' }, emptyState('Log in to see who accessed your data', null, { href: loginHref(), text: 'Log in' })));
    return;
  }
  const body = h('tbody');
  const table = h('table', { class: 'log-table', 'data-testid': 'access-table', hidden: true },
    h('thead', {}, h('tr', {}, ['When', 'Who', 'What', 'Why'].map((c) => h('th', { scope: 'col', text: c })))), body);
  const status = h('div', {}, spinner());
  const more = h('button', { class: 'button load-more', type: 'button', hidden: true, 'data-testid': 'access-more', text: 'Show older entries' });
  let before = '';
  const load = async () => {
    more.disabled = true;
    try {
      const q = new URLSearchParams({ limit: ACCESS_PAGE });
      if (before) q.set('before', before);
      const page = await api('GET', `/me/access?${q}`);
      const entries = page?.entries || [];
      body.append(...entries.map(accessRow));
      before = page?.next_before || '';
      table.hidden = !body.childElementCount;
      status.replaceChildren(...(body.childElementCount ? [] : [emptyState('No one has accessed your data',
        'When Flick support, a moderator or an automated job views, exports, moves or deletes your data, it is listed here: who, what and why. ' +
        'The access log is tamper-evident: entries can’t be changed or removed, and independent auditors check it.')]));
      more.hidden = !before;
    } catch (err) {
      status.replaceChildren(errorBox(err.message, load));
    } finally {
      more.disabled = false;
    }
  };
  more.addEventListener('click', load);
  main.replaceChildren(h('div', { class: 'page access', 'data-testid': 'access-page' },
    h('a', { class: 'back-link', href: '/settings', text: '← Settings' }),
    h('h1', { text: 'Who accessed your data' }),
    h('p', { class: 'muted', text: 'Whenever your personal data is viewed, exported, moved or deleted, Flick first writes who did it and why to its tamper-evident access log. These are the entries about your account, newest first.' }),
    h('div', { class: 'table-wrap' }, table), status, more));
  load();
}

function accessRow(e) {
  return h('tr', { 'data-testid': 'access-entry' },
    h('td', {}, when(e.time)),
    h('td', {}, who(e)),
    h('td', {}, actionText(e.action), e.detail ? h('small', { class: 'muted detail', text: e.detail }) : null),
    h('td', { class: 'reason', text: e.reason }));
}
