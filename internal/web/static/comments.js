// The comments drawer: a modal sheet listing a video's comments and replies,
// with a form to post one, a heart on each, and a delete action for the
// comment's author and the video's creator. A comment deleted with replies
// stays as a "Comment deleted" tombstone above them. A bottom sheet on
// phones, a side panel on desktop.
import { api, pager } from './api.js';
import { limits } from './boot.js';
import { ago, avatar, compact, h, icon, richText } from './dom.js';
import { currentUser } from './session.js';
import { loginHref, spinner } from './ui.js';

let drawerCount = 0;

export class CommentsDrawer {
  // onCount(videoID, delta) is told of each comment posted (+1) or deleted (-1).
  constructor({ onCount }) {
    this.onCount = onCount;
    this.threads = new Map(); // top-level comment id -> its reply list and loader
    const titleId = `comments-title-${++drawerCount}`;
    this.title = h('h2', { id: titleId, class: 'drawer-title', 'data-testid': 'comments-title' });
    this.list = h('ol', { class: 'comment-list', 'data-testid': 'comment-list' });
    this.more = h('button', { class: 'button subtle load-more', type: 'button', hidden: true, 'data-testid': 'comments-more',
      text: 'Load more comments', onclick: () => this.loadPage() });
    this.status = h('div', { class: 'drawer-status' });
    this.input = h('textarea', { class: 'comment-input', name: 'text', rows: 1, maxlength: limits.max_comment_runes, required: true,
      placeholder: 'Add a comment…', 'aria-label': 'Add a comment', 'data-testid': 'comment-input' });
    this.input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        this.form.requestSubmit();
      }
    });
    this.replyLabel = h('span');
    this.replying = h('div', { class: 'replying', hidden: true }, this.replyLabel,
      h('button', { class: 'icon-button small', type: 'button', 'aria-label': 'Cancel reply', onclick: () => this.setReply(null) }, icon('close', { size: 16 })));
    this.formError = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'comment-error', hidden: true });
    this.submit = h('button', { class: 'button primary', type: 'submit', 'data-testid': 'comment-submit', text: 'Post' });
    this.form = h('form', { class: 'comment-form', 'data-testid': 'comment-form', onsubmit: (e) => { e.preventDefault(); this.post(); } },
      this.replying, this.formError, h('div', { class: 'comment-row' }, this.input, this.submit));
    this.loginWhy = h('span', { text: ' to join the conversation.' });
    this.loginNote = h('p', { class: 'login-note', 'data-testid': 'comments-login' }, h('a', { href: '/login', text: 'Log in' }), this.loginWhy);
    this.offNote = h('p', { class: 'login-note', 'data-testid': 'comments-off', hidden: true, text: 'The creator turned comments off for this video.' });

    this.el = h('dialog', { class: 'drawer', 'data-testid': 'comments-drawer', 'aria-labelledby': titleId },
      h('div', { class: 'drawer-sheet' },
        h('header', { class: 'drawer-head' }, this.title,
          h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close comments', 'data-testid': 'comments-close', onclick: () => this.close() },
            icon('close'))),
        h('div', { class: 'drawer-body' }, this.list, this.status, this.more),
        this.offNote, this.form, this.loginNote));
    // A click on the backdrop lands on the dialog itself, outside the sheet.
    this.el.addEventListener('click', (e) => { if (e.target === this.el) this.close(); });
  }

  get isOpen() { return this.el.open; }

  open(video) {
    this.video = video;
    this.token = {};
    this.next = pager(`/videos/${encodeURIComponent(video.id)}/comments`);
    this.threads.clear();
    this.list.replaceChildren();
    this.setReply(null);
    this.formError.hidden = true;
    this.renderTitle();
    // With comments off, those already posted stay readable; no new ones.
    const off = video.comments_enabled === false;
    const signedIn = !!currentUser();
    this.offNote.hidden = !off;
    this.form.hidden = off || !signedIn;
    this.loginNote.hidden = off || signedIn;
    this.loginNote.classList.remove('asking');
    this.loginWhy.textContent = ' to join the conversation.';
    this.loginNote.firstChild.href = loginHref();
    if (!this.el.open) this.el.showModal();
    this.loadPage();
    if (!this.form.hidden && matchMedia('(hover: hover)').matches) this.input.focus();
  }

  close() {
    if (this.el.open) this.el.close();
  }

  // count tells the feed, which updates the video's counts the title reads.
  count(delta) {
    this.onCount(this.video.id, delta);
    this.renderTitle();
  }

  renderTitle() {
    const n = this.video.counts?.comments || 0;
    this.title.textContent = n === 1 ? '1 comment' : `${compact(n)} comments`;
  }

  async loadPage() {
    const token = this.token;
    this.more.hidden = true;
    this.status.replaceChildren(spinner('Loading comments'));
    try {
      const page = await this.next();
      if (token !== this.token) return;
      for (const c of page.items) this.list.append(this.renderComment(c));
      this.more.hidden = page.done;
      this.status.replaceChildren(this.list.children.length ? '' : h('p', { class: 'muted', 'data-testid': 'comments-empty', text: this.video.comments_enabled === false ? 'No comments.' : 'No comments yet. Be the first!' }));
    } catch (err) {
      if (token !== this.token) return;
      this.status.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: err.message }));
      this.more.hidden = false;
    }
  }

  renderComment(c, parent = null) {
    if (c.deleted) return this.renderTombstone(c);
    const author = c.author || {};
    const profile = `/@${author.handle}`;
    const me = currentUser();
    const li = h('li', { class: 'comment', 'data-testid': parent ? 'reply' : 'comment', 'data-comment-id': c.id },
      h('a', { class: 'comment-avatar', href: profile, tabindex: '-1', 'aria-hidden': 'true' }, avatar(author, parent ? 28 : 36)));
    const meta = h('div', { class: 'comment-meta' },
      c.created_at ? h('time', { datetime: c.created_at, text: ago(c.created_at) }) : null,
      // A reply names the comment it answers; the server hangs it off the
      // thread's top, which may be a tombstone nobody can answer itself.
      me ? h('button', { class: 'link-button', type: 'button', 'data-testid': 'reply-button', text: 'Reply',
        onclick: () => this.setReply({ parentId: c.id, handle: author.handle }) }) : null,
      me && (me.id === author.id || me.id === this.video.author?.id)
        ? h('button', { class: 'link-button', type: 'button', 'data-testid': 'delete-comment', text: 'Delete',
          onclick: () => this.confirmDelete(c, parent, li, meta) })
        : null);
    const main = h('div', { class: 'comment-main' },
      h('a', { class: 'comment-author', href: profile, text: author.display_name || `@${author.handle}` }),
      h('p', { class: 'comment-text', 'data-testid': 'comment-text' }, richText(c.text)), meta);
    li.append(main, this.heart(c));
    if (!parent) this.addThread(c, main);
    return li;
  }

  // renderTombstone keeps a deleted comment's place above its replies.
  renderTombstone(c) {
    const main = h('div', { class: 'comment-main' },
      h('p', { class: 'comment-text deleted', 'data-testid': 'comment-text', text: 'Comment deleted' }));
    const li = h('li', { class: 'comment tombstone', 'data-testid': 'comment', 'data-deleted': 'true', 'data-comment-id': c.id },
      h('span', { class: 'comment-avatar tombstone-avatar', 'aria-hidden': 'true' }), main);
    this.addThread(c, main);
    return li;
  }

  addThread(c, main) {
    const replies = h('ol', { class: 'reply-list' });
    const toggle = h('button', { class: 'link-button view-replies', type: 'button', 'data-testid': 'view-replies', hidden: !(c.reply_count > 0),
      text: c.reply_count === 1 ? 'View 1 reply' : `View ${c.reply_count || 0} replies`, onclick: () => this.loadReplies(c.id) });
    const old = this.threads.get(c.id);
    if (old) replies.append(...old.replies.children); // a comment turned tombstone keeps the replies shown
    this.threads.set(c.id, { replies, toggle, next: old?.next || null, count: c.reply_count || 0, deleted: !!c.deleted });
    main.append(replies, toggle);
  }

  // heart is a comment's like button with its count; signed out, it asks
  // once to log in, in the drawer (a toast would sit behind the modal).
  heart(c) {
    const count = h('span', { class: 'comment-like-count', 'data-testid': 'comment-like-count' });
    const btn = h('button', { class: 'comment-like', type: 'button', 'data-testid': 'comment-like' }, icon('heart', { filled: true, size: 18 }), count);
    const render = () => {
      btn.classList.toggle('liked', !!c.liked);
      btn.setAttribute('aria-pressed', String(!!c.liked));
      btn.setAttribute('aria-label', `${c.liked ? 'Unlike' : 'Like'} comment (${c.likes || 0} likes)`);
      count.textContent = c.likes ? compact(c.likes) : '';
      count.dataset.count = c.likes || 0;
    };
    let last = 0;
    btn.onclick = async () => {
      if (!currentUser()) {
        this.askLogin('to like comments.');
        return;
      }
      const want = !c.liked;
      c.liked = want;
      c.likes = Math.max(0, (c.likes || 0) + (want ? 1 : -1));
      render();
      const mine = ++last;
      try {
        const r = await api(want ? 'POST' : 'DELETE', `/comments/${encodeURIComponent(c.id)}/like`);
        if (mine !== last) return;
        c.liked = r.liked;
        c.likes = r.likes;
      } catch (err) {
        if (mine !== last) return;
        c.liked = !want;
        c.likes = Math.max(0, c.likes + (want ? -1 : 1));
        this.status.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: err.message }));
      }
      render();
    };
    render();
    return btn;
  }

  askLogin(why) {
    this.loginWhy.textContent = ` ${why}`;
    this.loginNote.classList.add('asking');
    this.loginNote.firstChild.focus();
  }

  // confirmDelete asks in place; undo is not offered, so the question is
  // explicit about what goes.
  confirmDelete(c, parent, li, meta) {
    const was = [...meta.childNodes];
    const cancel = () => meta.replaceChildren(...was);
    const yes = h('button', { class: 'link-button danger', type: 'button', 'data-testid': 'confirm-delete', text: 'Delete',
      onclick: () => this.remove(c, parent, li, meta, cancel) });
    meta.replaceChildren(h('span', { class: 'confirm-question', text: 'Delete this comment?' }), yes,
      h('button', { class: 'link-button', type: 'button', text: 'Cancel', onclick: cancel }));
    yes.focus();
  }

  async remove(c, parent, li, meta, cancel) {
    for (const b of meta.querySelectorAll('button')) b.disabled = true;
    try {
      await api('DELETE', `/comments/${encodeURIComponent(c.id)}`);
    } catch (err) {
      cancel();
      this.status.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: err.message }));
      return;
    }
    this.count(-1);
    const thread = this.threads.get(c.id);
    if (!parent && thread?.count > 0) {
      li.replaceWith(this.renderTombstone({ ...c, deleted: true }));
      return;
    }
    li.remove();
    this.threads.delete(c.id);
    const top = parent && this.threads.get(parent);
    if (!top) return;
    top.count = Math.max(0, top.count - 1);
    if (top.deleted && top.count === 0) top.replies.closest('li')?.remove();
  }

  async loadReplies(id) {
    const t = this.threads.get(id);
    const token = this.token;
    t.next ||= pager(`/videos/${encodeURIComponent(this.video.id)}/comments?parent_id=${encodeURIComponent(id)}`);
    t.toggle.disabled = true;
    try {
      const page = await t.next();
      if (token !== this.token) return;
      for (const r of page.items) {
        if (!t.replies.querySelector(`[data-comment-id="${CSS.escape(r.id)}"]`)) t.replies.append(this.renderComment(r, id));
      }
      t.toggle.hidden = page.done;
      t.toggle.textContent = 'View more replies';
    } catch (err) {
      t.toggle.textContent = err.message;
    } finally {
      t.toggle.disabled = false;
    }
  }

  setReply(reply) {
    this.reply = reply;
    this.replying.hidden = !reply;
    this.replyLabel.textContent = reply ? `Replying to @${reply.handle}` : '';
    this.input.placeholder = reply ? `Reply to @${reply.handle}…` : 'Add a comment…';
    if (reply) this.input.focus();
  }

  async post() {
    const text = this.input.value.trim();
    if (!text) return;
    const video = this.video;
    const body = { text };
    if (this.reply) body.parent_id = this.reply.parentId;
    this.submit.disabled = true;
    this.formError.hidden = true;
    try {
      const c = await api('POST', `/videos/${encodeURIComponent(video.id)}/comments`, body);
      if (video !== this.video) return;
      c.author ||= currentUser();
      c.text ??= text;
      const thread = c.parent_id && this.threads.get(c.parent_id);
      if (thread) {
        thread.replies.append(this.renderComment(c, c.parent_id));
        thread.count++;
      } else this.list.prepend(this.renderComment(c));
      this.status.replaceChildren();
      this.input.value = '';
      this.setReply(null);
      this.count(1);
    } catch (err) {
      this.formError.textContent = err.message;
      this.formError.hidden = false;
    } finally {
      this.submit.disabled = false;
    }
  }
}
