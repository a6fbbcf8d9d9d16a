// Settings: the public profile, the avatar, signed-in devices and logging out.
import { api, listOf } from './api.js';
import { ago, avatar, h } from './dom.js';
import { currentUser, logOut, setCurrentUser } from './session.js';
import { emptyState, loginHref, toast } from './ui.js';

const MAX_NAME = 50;
const MAX_BIO = 300;

export function settingsPage(main) {
  const me = currentUser();
  if (!me) {
    main.replaceChildren(h('div', { class: 'page narrow' }, emptyState('Log in to change your settings', null, { href: loginHref(), text: 'Log in' })));
    return;
  }
  main.replaceChildren(h('div', { class: 'page narrow settings', 'data-testid': 'settings' },
    h('h1', { text: 'Settings' }), profileSection(me), avatarSection(me), sessionsSection(),
    h('section', { class: 'card' }, h('h2', { text: 'Log out' }),
      h('p', { class: 'muted', text: 'Sign out of Flick on this device.' }),
      h('button', { class: 'button danger', type: 'button', 'data-testid': 'logout-button', text: 'Log out', onclick: async () => {
        await logOut().catch(() => {});
        window.dispatchEvent(new CustomEvent('flick:navigate', { detail: '/' }));
      } }))));
}

function counted(input, max) {
  const count = h('span', { class: 'char-count', 'aria-live': 'polite' });
  const update = () => {
    const n = [...input.value].length;
    count.textContent = `${n}/${max}`;
    count.classList.toggle('over', n > max);
  };
  input.addEventListener('input', update);
  update();
  return count;
}

function profileSection(me) {
  const name = h('input', { id: 'settings-name', name: 'display_name', value: me.display_name || '', maxlength: MAX_NAME, autocomplete: 'name', 'data-testid': 'settings-name' });
  const bio = h('textarea', { id: 'settings-bio', name: 'bio', rows: 3, 'data-testid': 'settings-bio' });
  bio.value = me.bio || '';
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'settings-error' });
  const save = h('button', { class: 'button primary', type: 'submit', 'data-testid': 'settings-save', text: 'Save' });
  const form = h('form', { class: 'card', 'data-testid': 'profile-form' },
    h('h2', { text: 'Profile' }),
    h('div', { class: 'field' }, h('div', { class: 'field-head' }, h('label', { for: name.id, text: 'Display name' }), counted(name, MAX_NAME)), name),
    h('div', { class: 'field' }, h('div', { class: 'field-head' }, h('label', { for: bio.id, text: 'Bio' }), counted(bio, MAX_BIO)), bio),
    error, save);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    save.disabled = true;
    error.hidden = true;
    try {
      const r = await api('PATCH', '/me', { display_name: name.value.trim(), bio: bio.value.trim() });
      setCurrentUser({ ...currentUser(), ...(r?.account || r) });
      toast('Profile saved.');
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      save.disabled = false;
    }
  });
  return form;
}

function avatarSection(me) {
  const pic = h('div', { class: 'avatar-preview' }, avatar(me, 80));
  const input = h('input', { type: 'file', id: 'settings-avatar', accept: 'image/jpeg,image/png,image/webp,image/gif', class: 'visually-hidden', 'data-testid': 'avatar-file' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true });
  input.addEventListener('change', async () => {
    const f = input.files[0];
    if (!f) return;
    error.hidden = true;
    const preview = URL.createObjectURL(f);
    pic.replaceChildren(h('img', { class: 'avatar', src: preview, alt: '', width: 80, height: 80 }));
    try {
      const r = await api('PUT', '/me/avatar', f);
      const updated = { ...currentUser(), ...(r?.account || r) };
      setCurrentUser(updated);
      if (updated.avatar_url) {
        // Same URL, new picture: bypass the browser's cached copy.
        pic.replaceChildren(avatar({ ...updated, avatar_url: `${updated.avatar_url}?v=${Date.now()}` }, 80));
      }
      toast('Avatar updated.');
    } catch (err) {
      pic.replaceChildren(avatar(currentUser(), 80));
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      URL.revokeObjectURL(preview);
      input.value = '';
    }
  });
  return h('section', { class: 'card' }, h('h2', { text: 'Avatar' }),
    h('div', { class: 'avatar-row' }, pic, h('label', { class: 'button', for: input.id, text: 'Choose a picture' }), input), error);
}

function sessionsSection() {
  const list = h('ul', { class: 'session-list', 'data-testid': 'session-list' });
  const section = h('section', { class: 'card' }, h('h2', { text: 'Where you’re logged in' }), list);
  const load = async () => {
    try {
      const sessions = listOf(await api('GET', '/me/sessions'), 'sessions');
      list.replaceChildren(...sessions.map((s) => sessionRow(s, load)));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'form-error', text: err.message }));
    }
  };
  load();
  return section;
}

function sessionRow(s, reload) {
  return h('li', { class: 'session', 'data-testid': 'session' },
    h('div', {},
      h('strong', { text: describeAgent(s.user_agent) }), s.current ? h('span', { class: 'badge', text: 'This device' }) : null,
      h('small', { class: 'muted', text: `Signed in ${ago(s.created_at)} · last active ${ago(s.last_seen_at || s.created_at)}` })),
    h('button', { class: 'button subtle', type: 'button', 'data-testid': 'revoke-session', text: s.current ? 'Log out' : 'Revoke', onclick: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      try {
        await api('DELETE', `/me/sessions/${encodeURIComponent(s.id)}`);
        if (s.current) {
          setCurrentUser(null);
          window.dispatchEvent(new CustomEvent('flick:navigate', { detail: '/' }));
          return;
        }
        toast('Session revoked.');
        reload();
      } catch (err) {
        toast(err.message);
        button.disabled = false;
      }
    } }));
}

// describeAgent names the browser and system from a User-Agent string well
// enough for someone to recognise their own device.
function describeAgent(ua = '') {
  const browser = [['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']].find(([k]) => ua.includes(k))?.[1];
  const os = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Mac OS', 'macOS'], ['Windows', 'Windows'], ['Linux', 'Linux']].find(([k]) => ua.includes(k))?.[1];
  if (browser && os) return `${browser} on ${os}`;
  return browser || os || (ua ? ua.slice(0, 60) : 'Unknown device');
}
