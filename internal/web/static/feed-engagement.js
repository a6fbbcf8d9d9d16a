// What a viewer does to a video in the feed: like, comment, share, follow
// its creator, and the counts that show it.
import { api } from './api.js';
import { CommentsDrawer } from './comments.js';
import { compact } from './dom.js';
import { currentUser, onUserChange } from './session.js';
import { promptLogin, shareLink, toast } from './ui.js';

// followCache remembers, per handle, whether the viewer follows the author,
// so that the + button is right without asking the API on every video.
const followCache = new Map();
const LOG_IN_TO_LIKE = 'Log in to like videos.';
onUserChange(() => followCache.clear());

export class Engagement {
  // items() are the feed's items, kind the feed's kind.
  constructor({ kind, items }) {
    this.kind = kind;
    this.items = items;
    this.drawer = new CommentsDrawer({ onCount: (id, delta) => this.bump(id, 'comments', delta) });
  }

  openComments(it) {
    this.drawer.open(it.v, it.commentBtn);
  }

  renderCounts(it) {
    const { v } = it;
    it.likeBtn.setAttribute('aria-pressed', String(!!v.liked));
    it.likeBtn.setAttribute('aria-label', `${v.liked ? 'Unlike' : 'Like'} (${v.counts.likes} likes)`);
    it.likeBtn.classList.toggle('liked', !!v.liked);
    it.likeCount.textContent = compact(v.counts.likes);
    it.likeCount.dataset.count = v.counts.likes;
    it.commentCount.textContent = compact(v.counts.comments);
    it.commentCount.dataset.count = v.counts.comments;
    it.commentBtn.setAttribute('aria-label', `Comments (${v.counts.comments})`);
    it.shareCount.textContent = compact(v.counts.shares);
    it.shareCount.dataset.count = v.counts.shares;
    it.shareBtn.setAttribute('aria-label', `Share (${v.counts.shares} shares)`);
  }

  bump(id, counter, delta) {
    for (const it of this.items()) {
      if (it.v.id !== id) continue;
      it.v.counts[counter] = Math.max(0, it.v.counts[counter] + delta);
      this.renderCounts(it);
    }
  }

  // doubleTapLike likes the video (a double tap never unlikes) and says
  // whether it did, for the heart to show; signed out, it asks to log in.
  doubleTapLike(it) {
    if (!currentUser()) {
      promptLogin(LOG_IN_TO_LIKE);
      return false;
    }
    if (!it.v.liked) this.toggleLike(it);
    return true;
  }

  // toggleLike updates the heart at once and reconciles with the server's
  // answer; of overlapping requests only the last one's answer counts.
  async toggleLike(it) {
    if (!currentUser()) {
      promptLogin(LOG_IN_TO_LIKE);
      return;
    }
    const { v } = it;
    const want = !v.liked;
    v.liked = want;
    v.counts.likes = Math.max(0, v.counts.likes + (want ? 1 : -1));
    this.renderCounts(it);
    const seq = (it.likeSeq = (it.likeSeq || 0) + 1);
    try {
      const r = await api(want ? 'POST' : 'DELETE', `/videos/${encodeURIComponent(v.id)}/like`);
      if (seq !== it.likeSeq) return;
      if (typeof r?.liked === 'boolean') v.liked = r.liked;
      if (r?.counts) Object.assign(v.counts, r.counts);
    } catch (err) {
      if (seq !== it.likeSeq) return;
      v.liked = !want;
      v.counts.likes = Math.max(0, v.counts.likes + (want ? -1 : 1));
      toast(err.message);
    }
    this.renderCounts(it);
  }

  async share(it) {
    const { v } = it;
    const url = new URL(`/v/${encodeURIComponent(v.id)}`, location.origin).href;
    if (!await shareLink(url, `@${v.author?.handle} on Flick`)) return;
    this.bump(v.id, 'shares', 1);
    api('POST', `/videos/${encodeURIComponent(v.id)}/share`).then((r) => {
      if (r?.counts) {
        Object.assign(v.counts, r.counts);
        this.renderCounts(it);
      }
    }).catch(() => {}); // the link is copied either way; the count is best effort
  }

  refreshFollow(it) {
    const me = currentUser();
    const handle = it.v.author?.handle;
    if (!handle || (me && (me.id === it.v.author.id || me.handle === handle))) {
      it.followBtn.hidden = true;
      return;
    }
    if (!me) {
      it.followBtn.hidden = false;
      return;
    }
    if (this.kind === 'following') followCache.set(handle, true);
    if (followCache.has(handle)) {
      it.followBtn.hidden = followCache.get(handle);
      return;
    }
    api('GET', `/accounts/${encodeURIComponent(handle)}`).then((a) => {
      followCache.set(handle, !!a?.following);
      this.syncFollow(handle);
    }).catch(() => {});
  }

  syncFollow(handle) {
    for (const it of this.items()) {
      if (it.v.author?.handle === handle) it.followBtn.hidden = followCache.get(handle);
    }
  }

  async follow(it) {
    const handle = it.v.author.handle;
    if (!currentUser()) {
      promptLogin(`Log in to follow @${handle}.`);
      return;
    }
    it.followBtn.disabled = true;
    try {
      await api('POST', `/accounts/${encodeURIComponent(handle)}/follow`);
      followCache.set(handle, true);
      this.syncFollow(handle);
      toast(`You’re following @${handle}.`);
    } catch (err) {
      toast(err.message);
    } finally {
      it.followBtn.disabled = false;
    }
  }
}
