// A feed video's "…" menu and its "Why this video?" sheet: how a viewer
// tunes For You from the video itself (not interested, hide the creator),
// and how a creator manages their own video (edit, pin, delete).
import { api } from './api.js';
import { h, richText } from './dom.js';
import { currentUser } from './session.js';
import { Sheet } from './sheet.js';
import { promptLogin, toast } from './ui.js';
import { coverPicker, settingsFields } from './video-settings.js';

const option = (testid, text, note, onclick) => h('button', { class: 'sheet-option', type: 'button', 'data-testid': testid, onclick },
  h('strong', { text }), h('small', { class: 'muted', text: note }));

export class ItemMenu {
  // dismiss(pred) takes the items matching pred out of the feed;
  // restore(v) puts a dismissed video back where the viewer is.
  constructor({ dismiss, restore }) {
    this.dismiss = dismiss;
    this.restore = restore;
    this.sheet = new Sheet();
  }

  // why lists the reasons that put the video in the feed.
  why(it) {
    const reasons = (it.v.reasons || []).filter(Boolean);
    this.sheet.open('Why this video?',
      h('ul', { class: 'why-list', 'data-testid': 'why-list' }, reasons.map((r) => h('li', { 'data-testid': 'why-reason', text: r }))),
      h('p', { class: 'muted sheet-note' }, 'Tune what you see with “…” on a video or in ', h('a', { href: '/settings', text: 'Settings' }), '.'));
  }

  open(it) {
    if (!currentUser()) {
      promptLogin('Log in to tune your For You.');
      return;
    }
    const me = currentUser();
    if (me.id === it.v.author?.id || me.handle === it.v.author?.handle) {
      this.openOwn(it);
      return;
    }
    const handle = it.v.author?.handle || 'unknown';
    this.sheet.open('Options',
      option('not-interested', 'Not interested', 'Show fewer videos like this one.', () => this.notInterested(it)),
      option('hide-creator', `Hide @${handle}`, 'Never show videos from this account in your feeds.', () => this.hideCreator(it)),
      option('why-option', 'Why this video?', 'See what put it in your feed.', () => this.why(it)));
  }

  async notInterested(it) {
    this.sheet.close();
    try {
      await api('POST', `/videos/${encodeURIComponent(it.v.id)}/not-interested`);
      this.dismiss((x) => x.v.id === it.v.id);
      toast('Got it. You’ll see fewer videos like this.', { text: 'Undo', onclick: () => this.undoNotInterested(it) });
    } catch (err) {
      toast(err.message);
    }
  }

  async undoNotInterested(it) {
    try {
      await api('DELETE', `/videos/${encodeURIComponent(it.v.id)}/not-interested`);
      this.restore(it.v);
    } catch (err) {
      toast(err.message);
    }
  }

  async hideCreator(it) {
    this.sheet.close();
    const handle = it.v.author?.handle;
    try {
      await api('POST', `/accounts/${encodeURIComponent(handle)}/block`);
      this.dismiss((x) => x.v.author?.handle === handle);
      window.dispatchEvent(new CustomEvent('flick:controls-changed'));
      toast(`Videos from @${handle} are hidden.`, { href: '/settings', text: 'Undo in Settings' });
    } catch (err) {
      toast(err.message);
    }
  }

  openOwn(it) {
    const { v } = it;
    this.sheet.open('Your video', ...[
      option('edit-video', 'Edit', 'Caption, who can watch, comments and cover.', () => this.edit(it)),
      v.pinned
        ? option('unpin-video', 'Unpin from your profile', 'It goes back among your other videos.', () => this.pin(it, false))
        : option('pin-video', 'Pin to your profile', 'Pinned videos come first on your profile (up to 3).', () => this.pin(it, true)),
      option('delete-video', 'Delete', 'Remove the video for good.', () => this.confirmDelete(it)),
      v.reasons?.length ? option('why-option', 'Why this video?', 'See what put it in your feed.', () => this.why(it)) : null,
    ].filter(Boolean));
  }

  edit(it) {
    const { v } = it;
    const caption = h('textarea', { id: 'edit-caption', rows: 3, 'data-testid': 'edit-caption' });
    caption.value = v.caption || '';
    const settings = settingsFields(v);
    const rendition = v.renditions?.[0];
    const cover = rendition ? coverPicker(rendition.url, { at: v.cover_ms }) : null;
    const error = h('p', { class: 'form-error', role: 'alert', hidden: true, 'data-testid': 'edit-error' });
    const save = h('button', { class: 'button primary wide', type: 'submit', 'data-testid': 'edit-save', text: 'Save' });
    const form = h('form', { class: 'edit-form', 'data-testid': 'edit-form' },
      h('div', { class: 'field' }, h('label', { for: caption.id, text: 'Caption' }), caption),
      settings.el, cover ? cover.el : null, error, save);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const want = { caption: caption.value, ...settings.values() };
      const at = cover?.value();
      if (at !== null && at !== undefined && at !== v.cover_ms) want.cover_ms = at;
      // Only what changed: a new cover is remade with ffmpeg.
      const body = Object.fromEntries(Object.entries(want).filter(([k, x]) => x !== v[k]));
      if (!Object.keys(body).length) {
        this.sheet.close();
        return;
      }
      save.disabled = true;
      save.textContent = body.cover_ms !== undefined ? 'Saving the new cover…' : 'Saving…';
      try {
        const updated = await api('PATCH', `/videos/${encodeURIComponent(v.id)}`, body);
        this.sheet.close();
        applyEdit(it, updated);
        toast('Your video is updated.');
      } catch (err) {
        error.textContent = err.message;
        error.hidden = false;
        save.disabled = false;
        save.textContent = 'Save';
      }
    });
    this.sheet.open('Edit video', form);
  }

  async pin(it, on) {
    this.sheet.close();
    try {
      const updated = await api(on ? 'PUT' : 'DELETE', `/videos/${encodeURIComponent(it.v.id)}/pin`);
      it.v.pinned = updated.pinned;
      toast(on ? 'Pinned to the top of your profile.' : 'Unpinned.');
    } catch (err) {
      toast(err.message);
    }
  }

  confirmDelete(it) {
    const del = h('button', { class: 'button danger wide', type: 'button', 'data-testid': 'delete-confirm', text: 'Delete video',
      onclick: async () => {
        del.disabled = true;
        try {
          await api('DELETE', `/videos/${encodeURIComponent(it.v.id)}`);
          this.sheet.close();
          this.dismiss((x) => x.v.id === it.v.id);
          toast('Your video is deleted.');
        } catch (err) {
          this.sheet.close();
          toast(err.message);
        }
      } });
    this.sheet.open('Delete this video?',
      h('p', { class: 'muted', text: 'Its likes, comments and views go with it. This can’t be undone.' }),
      h('div', { class: 'confirm-row' }, del,
        h('button', { class: 'button wide', type: 'button', 'data-testid': 'delete-cancel', text: 'Cancel', onclick: () => this.sheet.close() })));
  }
}

// applyEdit shows an edited video's caption and cover in its feed item.
function applyEdit(it, updated) {
  Object.assign(it.v, updated);
  let caption = it.el.querySelector('.caption');
  if (!caption && updated.caption) {
    caption = h('p', { class: 'caption', 'data-testid': 'caption' });
    it.el.querySelector('.overlay .author')?.after(caption);
  }
  caption?.replaceChildren(...richText(updated.caption));
  if (updated.poster_url) it.video.poster = updated.poster_url;
}
