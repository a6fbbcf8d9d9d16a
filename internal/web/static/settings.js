// Settings: the public profile, the avatar, what the For You feed shows
// (keyword filters, the non-personalised mode, a fresh start, hidden
// creators), the password, signed-in devices, your data (its region, download, who accessed
// it, deleting the account), the appearance and logging out.
import { api, listOf } from './api.js';
import { limits } from './boot.js';
import { ago, avatar, h, icon } from './dom.js';
import { dataSection } from './privacy.js';
import { currentUser, logOut, setCurrentUser } from './session.js';
import { THEMES, setTheme, theme } from './theme.js';
import { emptyState, loginHref, toast } from './ui.js';

export function settingsPage(main) {
  const me = currentUser();
  if (!me) {
    main.replaceChildren(h('div', { class: 'page narrow' }, emptyState('Log in to change your settings', null, { href: loginHref(), text: 'Log in' }),
      appearanceSection()));
    return;
  }
  const sessions = sessionsSection();
  main.replaceChildren(h('div', { class: 'page narrow settings', 'data-testid': 'settings' },
    h('h1', { text: 'Settings' }), profileSection(me), likesSection(me), avatarSection(me), feedSection(), hiddenSection(),
    passwordSection(() => sessions.dispatchEvent(new Event('reload'))), sessions, dataSection(me), appearanceSection(),
    h('section', { class: 'card' }, h('h2', { text: 'Log out' }),
      h('p', { class: 'muted', text: 'Sign out of Flick on this device.' }),
      h('button', { class: 'button danger', type: 'button', 'data-testid': 'logout-button', text: 'Log out', onclick: async () => {
        await logOut().catch(() => {});
        window.dispatchEvent(new CustomEvent('flick:navigate', { detail: '/' }));
      } }))));
}

// appearanceSection picks the theme of this device: the system's, light or
// dark. It applies at once; the feed stays dark, as video wants.
function appearanceSection() {
  const current = theme();
  const options = THEMES.map(([name, label]) => h('label', { class: 'segment' },
    h('input', { type: 'radio', name: 'theme', value: name, checked: name === current, 'data-testid': `theme-${name}`,
      onchange: () => setTheme(name) }),
    h('span', { text: label })));
  return h('section', { class: 'card', 'data-testid': 'appearance-settings' }, h('h2', { text: 'Appearance' }),
    h('fieldset', { class: 'segmented' }, h('legend', { class: 'muted', text: 'Theme on this device' }), options));
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
  const name = h('input', { id: 'settings-name', name: 'display_name', value: me.display_name || '', maxlength: limits.max_name_runes, autocomplete: 'name', 'data-testid': 'settings-name' });
  const bio = h('textarea', { id: 'settings-bio', name: 'bio', rows: 3, 'data-testid': 'settings-bio' });
  bio.value = me.bio || '';
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'settings-error' });
  const save = h('button', { class: 'button primary', type: 'submit', 'data-testid': 'settings-save', text: 'Save' });
  const form = h('form', { class: 'card', 'data-testid': 'profile-form' },
    h('h2', { text: 'Profile' }),
    h('div', { class: 'field' }, h('div', { class: 'field-head' }, h('label', { for: name.id, text: 'Display name' }), counted(name, limits.max_name_runes)), name),
    h('div', { class: 'field' }, h('div', { class: 'field-head' }, h('label', { for: bio.id, text: 'Bio' }), counted(bio, limits.max_bio_runes)), bio),
    error, save);
  onSubmit(form, save, error, async () => {
    const r = await api('PATCH', '/me', { display_name: name.value.trim(), bio: bio.value.trim() });
    setCurrentUser({ ...currentUser(), ...(r?.account || r) });
    toast('Profile saved.');
  });
  return form;
}

// likesSection shows or hides the "Liked" tab of your profile to
// everyone, saved as soon as it is switched.
function likesSection(me) {
  const toggle = h('input', { type: 'checkbox', id: 'settings-likes-public', role: 'switch', checked: !!me.likes_public, 'data-testid': 'likes-public-toggle' });
  toggle.addEventListener('change', async () => {
    toggle.disabled = true;
    try {
      const r = await api('PATCH', '/me', { likes_public: toggle.checked });
      toggle.checked = !!r.likes_public;
      setCurrentUser({ ...currentUser(), ...r });
      toast(r.likes_public ? 'Everyone can now see the videos you liked.' : 'Only you can see the videos you liked now.');
    } catch (err) {
      toggle.checked = !toggle.checked;
      toast(err.message);
    } finally {
      toggle.disabled = false;
    }
  });
  return h('section', { class: 'card', 'data-testid': 'likes-settings' }, h('h2', { text: 'Liked videos' }),
    h('div', { class: 'switch-row' }, h('label', { for: toggle.id },
      h('strong', { text: 'Show the videos I liked' }),
      h('small', { class: 'muted', text: 'Everyone can open the Liked tab of your profile. Off: only you see it.' })),
    toggle));
}

// onSubmit runs action when form is submitted, with button disabled
// meanwhile and the API's message shown in error if it fails.
function onSubmit(form, button, error, action) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    button.disabled = true;
    error.hidden = true;
    try {
      await action();
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
    } finally {
      button.disabled = false;
    }
  });
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

// controlsChanged tells the app that cached feeds are out of date.
function controlsChanged() {
  window.dispatchEvent(new CustomEvent('flick:controls-changed'));
}

// feedSection edits the feed settings: keyword filters as chips, the
// non-personalised switch, and "Refresh your For You". Every change sends
// the whole settings object and shows what the server stored.
function feedSection() {
  let settings = { non_personalized: false, keyword_filters: [] };
  const chips = h('ul', { class: 'chips', 'data-testid': 'keyword-chips', 'aria-label': 'Keyword filters' });
  const keyword = h('input', { id: 'settings-keyword', name: 'keyword', maxlength: limits.max_keyword_runes, autocomplete: 'off',
    placeholder: 'A word or phrase', 'data-testid': 'keyword-input' });
  const add = h('button', { class: 'button', type: 'submit', 'data-testid': 'keyword-add', text: 'Add' });
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'feed-settings-error' });
  const toggle = h('input', { type: 'checkbox', id: 'settings-nonpersonal', role: 'switch', 'data-testid': 'nonpersonal-toggle' });

  const render = () => {
    toggle.checked = settings.non_personalized;
    chips.replaceChildren(...settings.keyword_filters.map((k) => h('li', { class: 'chip', 'data-testid': 'keyword-chip' },
      h('span', { text: k }),
      h('button', { class: 'icon-button small', type: 'button', 'aria-label': `Remove filter “${k}”`, 'data-testid': 'keyword-remove',
        onclick: () => save({ ...settings, keyword_filters: settings.keyword_filters.filter((x) => x !== k) }) }, icon('close', { size: 14 })))));
    if (!settings.keyword_filters.length) chips.append(h('li', { class: 'muted', text: 'No keyword filters.' }));
  };
  const save = async (next) => {
    error.hidden = true;
    try {
      settings = await api('PUT', '/me/settings', next);
      controlsChanged();
      render();
      return true;
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      render();
      return false;
    }
  };

  const form = h('form', { class: 'keyword-form', 'data-testid': 'keyword-form' }, keyword, add);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const k = keyword.value.trim();
    if (!k) return;
    if (settings.keyword_filters.length >= limits.max_keyword_filters) {
      error.textContent = `At most ${limits.max_keyword_filters} keyword filters.`;
      error.hidden = false;
      return;
    }
    add.disabled = true;
    if (await save({ ...settings, keyword_filters: [...settings.keyword_filters, k] })) keyword.value = '';
    add.disabled = false;
  });
  toggle.addEventListener('change', async () => {
    if (await save({ ...settings, non_personalized: toggle.checked })) {
      toast(settings.non_personalized ? 'For You now shows what’s popular in your region.' : 'For You is personalised again.');
    }
  });

  api('GET', '/me/settings').then((s) => { settings = s; render(); }, (err) => {
    error.textContent = err.message;
    error.hidden = false;
  });
  render();
  return h('section', { class: 'card', 'data-testid': 'feed-settings' }, h('h2', { text: 'Your For You' }),
    h('div', { class: 'field' }, h('label', { for: keyword.id, text: 'Keyword filters' }),
      h('p', { class: 'muted', text: 'Videos whose caption or hashtags contain these words are hidden from For You.' }), chips, form),
    h('div', { class: 'switch-row' }, h('label', { for: toggle.id },
      h('strong', { text: 'Non-personalised feed' }),
      h('small', { class: 'muted', text: 'For You shows what’s popular in your region instead of what it learned about you. Following stays in order of posting.' })),
    toggle),
    error, resetRow());
}

// resetRow is "Refresh your For You", confirmed in place before it runs.
function resetRow() {
  const confirmBox = h('div', { class: 'confirm', hidden: true, 'data-testid': 'reset-confirm' },
    h('p', { text: 'Forget what For You learned about you and start over? Your follows, hidden creators and filters stay.' }));
  const start = h('button', { class: 'button', type: 'button', 'data-testid': 'reset-button', text: 'Refresh your For You',
    onclick: () => { confirmBox.hidden = false; start.hidden = true; } });
  const cancel = () => { confirmBox.hidden = true; start.hidden = false; };
  confirmBox.append(
    h('button', { class: 'button danger', type: 'button', 'data-testid': 'reset-confirm-button', text: 'Refresh', onclick: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      try {
        await api('POST', '/me/foryou/reset');
        controlsChanged();
        toast('Your For You starts fresh.');
        cancel();
      } catch (err) {
        toast(err.message);
      } finally {
        button.disabled = false;
      }
    } }),
    h('button', { class: 'button subtle', type: 'button', 'data-testid': 'reset-cancel', text: 'Cancel', onclick: cancel }));
  return h('div', { class: 'reset-row' }, start, confirmBox);
}

// hiddenSection lists the creators hidden from the feeds, each with Unhide.
function hiddenSection() {
  const list = h('ul', { class: 'hidden-list', 'data-testid': 'hidden-list' });
  const load = async () => {
    try {
      const refs = listOf(await api('GET', '/me/blocks'));
      list.replaceChildren(...refs.map((a) => hiddenRow(a, load)));
      if (!refs.length) list.append(h('li', { class: 'muted', text: 'You haven’t hidden anyone.' }));
    } catch (err) {
      list.replaceChildren(h('li', { class: 'form-error', text: err.message }));
    }
  };
  load();
  return h('section', { class: 'card' }, h('h2', { text: 'Hidden creators' }), list);
}

function hiddenRow(a, reload) {
  return h('li', { class: 'hidden-account', 'data-testid': 'hidden-account' },
    h('a', { class: 'hidden-who', href: `/@${a.handle}` }, avatar(a, 36), h('span', {}, h('strong', { text: a.display_name || a.handle }), h('small', { class: 'muted', text: `@${a.handle}` }))),
    h('button', { class: 'button subtle', type: 'button', 'data-testid': 'unhide-button', text: 'Unhide', onclick: async (e) => {
      const button = e.currentTarget;
      button.disabled = true;
      try {
        await api('DELETE', `/accounts/${encodeURIComponent(a.handle)}/block`);
        controlsChanged();
        toast(`@${a.handle} can show up in your feeds again.`);
        reload();
      } catch (err) {
        toast(err.message);
        button.disabled = false;
      }
    } }));
}

// passwordSection changes the password; every other device is logged out,
// and changed() shows it in the list of devices.
function passwordSection(changed) {
  const current = h('input', { id: 'settings-current-password', name: 'current_password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'current-password' });
  const next = h('input', { id: 'settings-new-password', name: 'new_password', type: 'password', autocomplete: 'new-password', required: true, minlength: 8, 'data-testid': 'new-password' });
  const hint = h('small', { class: 'hint', id: 'settings-new-password-hint', text: 'At least 8 characters. Every other device will be logged out.' });
  next.setAttribute('aria-describedby', hint.id);
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'password-error' });
  const save = h('button', { class: 'button primary', type: 'submit', 'data-testid': 'password-save', text: 'Change password' });
  const form = h('form', { class: 'card', 'data-testid': 'password-form', novalidate: true },
    h('h2', { text: 'Password' }),
    h('div', { class: 'field' }, h('label', { for: current.id, text: 'Current password' }), current),
    h('div', { class: 'field' }, h('label', { for: next.id, text: 'New password' }), next, hint),
    error, save);
  onSubmit(form, save, error, async () => {
    await api('PUT', '/me/password', { current_password: current.value, new_password: next.value });
    form.reset();
    toast('Password changed. Every other device is logged out.');
    changed();
  });
  return form;
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
  section.addEventListener('reload', load);
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
