// A feed video's "…" menu (not interested, hide the creator) and its
// "Why this video?" sheet: how a viewer tunes For You from the video itself.
import { api } from './api.js';
import { h } from './dom.js';
import { currentUser } from './session.js';
import { Sheet } from './sheet.js';
import { promptLogin, toast } from './ui.js';

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
    const handle = it.v.author?.handle || 'unknown';
    const option = (testid, text, note, onclick) => h('button', { class: 'sheet-option', type: 'button', 'data-testid': testid, onclick },
      h('strong', { text }), h('small', { class: 'muted', text: note }));
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
}
