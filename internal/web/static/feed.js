// The vertical video feed: one video fills the screen, scroll-snap flicks
// between them, the active one plays and the next one preloads. Used for the
// For You and Following tabs and for a shared video (/v/{id}).
import { api } from './api.js';
import { CommentsDrawer } from './comments.js';
import { avatar, compact, copyText, h, icon, prefersReducedMotion, richText } from './dom.js';
import { chooseRendition } from './rendition.js';
import { currentUser, onUserChange } from './session.js';
import { Sheet } from './sheet.js';
import { Telemetry, WatchClock } from './telemetry.js';
import { errorBox, promptLogin, spinner, toast } from './ui.js';

const UNMUTED_KEY = 'flick.unmuted';
const SKIP_MS = 2000;
const DOUBLE_TAP_MS = 260;
const LONG_CAPTION = 90;

// followCache remembers, per handle, whether the viewer follows the author,
// so that the + button is right without asking the API on every video.
const followCache = new Map();
onUserChange(() => followCache.clear());

export class Feed {
  // source() returns the next page {items, done}; empty is the element shown
  // when the feed has nothing at all.
  constructor({ kind, label, source, empty }) {
    this.kind = kind;
    this.source = source;
    this.empty = empty;
    this.items = [];
    this.seen = new Set();
    this.active = -1;
    this.loading = false;
    this.done = false;
    this.mounted = false;
    this.userPaused = false;
    this.telemetry = new Telemetry();
    this.muted = sessionStorage.getItem(UNMUTED_KEY) !== '1';
    this.build(label);
  }

  build(label) {
    this.status = h('div', { class: 'feed-status', 'data-testid': 'feed-status' });
    this.scroller = h('div', { class: 'feed-scroller', 'data-testid': 'feed-scroller' }, this.status);
    this.muteBtn = h('button', { class: 'mute-button', type: 'button', 'data-testid': 'mute-button', onclick: () => this.setMuted(!this.muted) });
    this.unmuteHint = h('button', { class: 'unmute-hint', type: 'button', 'data-testid': 'unmute-hint', onclick: () => this.setMuted(false) },
      icon('volumeOff', { size: 18 }), 'Tap to unmute');
    const tab = (href, name, text) => h('a', { href, class: 'feed-tab', 'data-testid': `tab-${name}`, 'aria-current': this.kind === name ? 'page' : undefined, text });
    const tabs = this.kind === 'video' ? null : h('nav', { class: 'feed-tabs', 'aria-label': 'Feeds' },
      tab('/following', 'following', 'Following'), tab('/', 'foryou', 'For You'));
    this.drawer = new CommentsDrawer({ onPosted: (id) => this.bump(id, 'comments', 1) });
    this.sheet = new Sheet();
    this.el = h('section', { class: 'feed', 'data-testid': 'feed', 'data-feed': this.kind, 'aria-label': label },
      tabs, this.scroller, this.unmuteHint, this.muteBtn, this.drawer.el, this.sheet.el);
    this.syncMute();

    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting && e.intersectionRatio >= 0.6) this.setActive(Number(e.target.dataset.index));
      }
    }, { root: this.scroller, threshold: [0.6] });

    this.onKey = (e) => this.key(e);
    this.onVisibility = () => {
      if (!this.mounted) return;
      if (document.visibilityState === 'hidden') this.suspend();
      else this.resume();
    };
  }

  mount(main) {
    main.append(this.el);
    this.mounted = true;
    document.addEventListener('keydown', this.onKey);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.muted = sessionStorage.getItem(UNMUTED_KEY) !== '1';
    this.syncMute();
    if (this.active >= 0) {
      // Re-attached from the cache: detaching lost the scroll position.
      this.scroller.scrollTop = this.items[this.active].el.offsetTop;
      this.resume();
    } else if (!this.items.length) {
      this.loadMore();
    }
  }

  unmount() {
    if (!this.mounted) return;
    this.suspend();
    this.telemetry.flush();
    this.drawer.close();
    this.sheet.close();
    document.removeEventListener('keydown', this.onKey);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.mounted = false;
    this.el.remove();
  }

  destroy() {
    if (this.mounted) this.unmount();
    this.observer.disconnect();
    this.telemetry.close();
    for (const it of this.items) this.release(it);
  }

  async loadMore() {
    if (this.loading || this.done) return;
    this.loading = true;
    this.setStatus(spinner('Loading videos'));
    let added = 0;
    try {
      const page = await this.source();
      this.done = page.done;
      for (const v of page.items) {
        if (!v?.id || this.seen.has(v.id)) continue;
        this.seen.add(v.id);
        this.addItem(v);
        added++;
      }
      if (!this.items.length && this.done) this.setStatus(this.empty, 'empty');
      else this.setStatus(this.done ? h('p', { class: 'feed-end', text: 'You’re all caught up.' }) : null, this.done ? 'end' : '');
    } catch (err) {
      this.setStatus(errorBox(err.message, () => { this.loadMore(); }), this.items.length ? '' : 'empty');
    } finally {
      this.loading = false;
    }
    // A page of videos already shown: keep going while the viewer is near the end.
    if (!this.done && (added === 0 || this.active >= this.items.length - 3) && this.mounted) this.loadMore();
  }

  setStatus(content, mode = '') {
    this.status.replaceChildren(...(content ? [content] : []));
    this.status.dataset.mode = mode;
  }

  addItem(v) {
    v.counts = { views: 0, likes: 0, comments: 0, shares: 0, ...(v.counts || {}) };
    const it = { v, index: this.items.length };
    const handle = v.author?.handle || 'unknown';
    const profile = `/@${handle}`;

    it.video = h('video', {
      class: `video${v.width > v.height ? ' landscape' : ''}`, playsInline: true, loop: true, muted: true,
      preload: 'none', poster: v.poster_url || undefined, 'data-testid': 'feed-video', disablepictureinpicture: true,
    });
    it.progress = h('div', { class: 'progress-fill' });
    it.playIcon = h('div', { class: 'play-indicator', hidden: true, 'aria-hidden': 'true' }, icon('play', { filled: true, size: 64 }));
    it.heartBurst = h('div', { class: 'heart-burst', 'aria-hidden': 'true' }, icon('heart', { filled: true, size: 96 }));
    it.tap = h('button', { class: 'tap-layer', type: 'button', 'aria-label': 'Pause video', 'data-testid': 'tap-layer', onclick: () => this.tap(it) });
    it.error = h('p', { class: 'video-error', hidden: true, role: 'alert', text: 'This video can’t be played right now.' });

    const caption = v.caption ? h('p', { class: 'caption', 'data-testid': 'caption' }, richText(v.caption)) : null;
    const more = caption && (v.caption.length > LONG_CAPTION || v.caption.includes('\n'))
      ? h('button', { class: 'link-button caption-more', type: 'button', 'aria-expanded': 'false', text: 'more', onclick: (e) => {
        const open = caption.classList.toggle('expanded');
        e.currentTarget.textContent = open ? 'less' : 'more';
        e.currentTarget.setAttribute('aria-expanded', String(open));
      } })
      : null;
    const reasons = (v.reasons || []).filter(Boolean);
    const overlay = h('div', { class: 'overlay' },
      h('a', { class: 'author', href: profile, 'data-testid': 'author-link' },
        h('strong', { text: `@${handle}` }),
        v.author?.display_name && v.author.display_name !== handle ? h('span', { class: 'author-name', text: v.author.display_name }) : null),
      caption, more,
      reasons.length ? h('button', { class: 'link-button why-button', type: 'button', 'data-testid': 'why-button',
        'aria-haspopup': 'dialog', text: 'Why this video?', onclick: () => this.why(it) }) : null);

    it.followBtn = h('button', { class: 'follow-button', type: 'button', hidden: true, 'data-testid': 'follow-button',
      'aria-label': `Follow @${handle}`, onclick: () => this.follow(it) }, icon('plus', { size: 16 }));
    it.likeCount = h('span', { class: 'action-count', 'data-testid': 'like-count' });
    it.likeBtn = h('button', { class: 'action like', type: 'button', 'data-testid': 'like-button', onclick: () => this.toggleLike(it) },
      h('span', { class: 'action-icon' }, icon('heart', { filled: true, size: 30 })), it.likeCount);
    it.commentCount = h('span', { class: 'action-count', 'data-testid': 'comment-count' });
    it.commentBtn = h('button', { class: 'action', type: 'button', 'data-testid': 'comment-button', onclick: () => this.drawer.open(v, it.commentBtn) },
      h('span', { class: 'action-icon' }, icon('comment', { filled: true, size: 30 })), it.commentCount);
    it.shareCount = h('span', { class: 'action-count', 'data-testid': 'share-count' });
    it.shareBtn = h('button', { class: 'action', type: 'button', 'data-testid': 'share-button', onclick: () => this.share(it) },
      h('span', { class: 'action-icon' }, icon('share', { filled: true, size: 30 })), it.shareCount);
    it.moreBtn = h('button', { class: 'action', type: 'button', 'data-testid': 'more-button', 'aria-label': 'More options',
      'aria-haspopup': 'dialog', onclick: () => this.menu(it) }, h('span', { class: 'action-icon' }, icon('more', { filled: true, size: 30 })));

    it.el = h('article', { class: 'feed-item', 'data-testid': 'feed-item', 'data-index': it.index, 'data-video-id': v.id,
      'aria-label': `Video by @${handle}` },
      h('div', { class: 'player' }, it.video, it.tap, it.playIcon, it.heartBurst, it.error,
        h('div', { class: 'progress' }, it.progress), overlay),
      h('div', { class: 'actions' },
        h('div', { class: 'avatar-wrap' }, h('a', { href: profile, 'aria-label': `@${handle}’s profile` }, avatar(v.author || {}, 48)), it.followBtn),
        it.likeBtn, it.commentBtn, it.shareBtn, it.moreBtn));

    it.video.addEventListener('playing', () => { if (this.isActive(it)) { it.clock?.start(); it.playIcon.hidden = true; } });
    for (const ev of ['pause', 'waiting', 'ended']) it.video.addEventListener(ev, () => it.clock?.stop());
    it.video.addEventListener('timeupdate', () => {
      const d = it.video.duration;
      if (d > 0) it.progress.style.transform = `scaleX(${Math.min(1, it.video.currentTime / d)})`;
    });
    it.video.addEventListener('error', () => { if (it.src) it.error.hidden = false; });

    this.renderCounts(it);
    this.items.push(it);
    this.scroller.insertBefore(it.el, this.status);
    this.observer.observe(it.el);
  }

  isActive(it) { return this.items[this.active] === it; }

  setActive(i) {
    if (i === this.active || !this.items[i]) return;
    const prev = this.items[this.active];
    if (prev) {
      this.endWatch(prev);
      prev.video.pause();
      prev.video.currentTime = 0;
      prev.el.classList.remove('active');
    }
    this.active = i;
    this.userPaused = false;
    const it = this.items[i];
    it.el.classList.add('active');
    this.updateWindow();
    if (this.mounted && document.visibilityState === 'visible') {
      it.clock = new WatchClock();
      it.firstWatch = true;
      this.telemetry.record('impression', it.v.id);
      this.play(it);
    }
    this.refreshFollow(it);
    if (i >= this.items.length - 3) this.loadMore();
  }

  // updateWindow gives the active and the next video their source (the next
  // one preloads) and releases those far away, so a long session does not
  // keep dozens of decoders and buffers alive.
  updateWindow() {
    for (const it of this.items) {
      const d = it.index - this.active;
      if (d === 0 || d === 1) this.attach(it);
      else if (d > 2 || d < -2) this.release(it);
    }
  }

  attach(it) {
    it.video.preload = 'auto';
    if (it.src) return;
    const r = chooseRendition(it.v.renditions);
    if (!r) {
      it.error.hidden = false;
      return;
    }
    it.src = r.url;
    it.video.src = r.url;
    it.el.dataset.rendition = r.name || `${r.width}x${r.height}`;
  }

  release(it) {
    if (!it.src) return;
    it.src = null;
    it.video.pause();
    it.video.removeAttribute('src');
    it.video.preload = 'none';
    it.video.load();
  }

  play(it) {
    const v = it.video;
    v.muted = this.muted;
    if (this.userPaused) return;
    v.play().catch(() => {
      if (!this.isActive(it)) return;
      if (!v.muted) {
        // Unmuted autoplay was refused: fall back to muted, as browsers allow.
        this.muted = true;
        v.muted = true;
        this.syncMute();
        v.play().catch(() => { it.playIcon.hidden = false; });
      } else {
        it.playIcon.hidden = false;
      }
    });
  }

  // endWatch reports how the active video was watched: a skip if it was left
  // within two seconds of appearing, else a view with the time it played.
  endWatch(it) {
    if (!it.clock) return;
    it.clock.stop();
    const ms = it.clock.watchMs;
    if (it.firstWatch && it.clock.dwellMs < SKIP_MS) this.telemetry.record('skip', it.v.id, ms);
    else if (it.firstWatch || ms > 0) this.telemetry.record('view', it.v.id, ms);
    it.clock = null;
  }

  suspend() {
    const it = this.items[this.active];
    if (!it) return;
    this.endWatch(it);
    it.video.pause();
    this.telemetry.flush();
  }

  resume() {
    const it = this.items[this.active];
    if (!it || it.clock) return;
    it.clock = new WatchClock();
    it.firstWatch = false;
    this.play(it);
  }

  tap(it) {
    // One tap pauses or plays; two quick taps like, as on phones everywhere.
    if (it.tapTimer) {
      clearTimeout(it.tapTimer);
      it.tapTimer = null;
      it.heartBurst.classList.remove('burst');
      void it.heartBurst.offsetWidth; // restart the animation
      it.heartBurst.classList.add('burst');
      if (!it.v.liked) this.toggleLike(it);
      return;
    }
    it.tapTimer = setTimeout(() => {
      it.tapTimer = null;
      this.togglePlay(it);
    }, DOUBLE_TAP_MS);
  }

  togglePlay(it = this.items[this.active]) {
    if (!it || !this.isActive(it)) return;
    if (it.video.paused) {
      this.userPaused = false;
      this.play(it);
      it.tap.setAttribute('aria-label', 'Pause video');
    } else {
      this.userPaused = true;
      it.video.pause();
      it.playIcon.hidden = false;
      it.tap.setAttribute('aria-label', 'Play video');
    }
  }

  setMuted(muted) {
    this.muted = muted;
    sessionStorage.setItem(UNMUTED_KEY, muted ? '0' : '1');
    const it = this.items[this.active];
    if (it) {
      it.video.muted = muted;
      if (!muted && it.video.paused && !this.userPaused) this.play(it);
    }
    this.syncMute();
  }

  syncMute() {
    this.muteBtn.replaceChildren(icon(this.muted ? 'volumeOff' : 'volumeOn', { size: 22 }));
    this.muteBtn.setAttribute('aria-label', this.muted ? 'Unmute' : 'Mute');
    this.muteBtn.setAttribute('aria-pressed', String(!this.muted));
    this.unmuteHint.hidden = !this.muted;
  }

  go(delta) {
    const i = Math.max(0, Math.min(this.items.length - 1, (this.active < 0 ? 0 : this.active) + delta));
    const it = this.items[i];
    if (!it) return;
    this.scroller.scrollTo({ top: it.el.offsetTop, behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  }

  key(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || this.drawer.isOpen || this.sheet.isOpen) return;
    if (e.target.closest?.('input, textarea, select, [contenteditable="true"]')) return;
    switch (e.key) {
      case 'ArrowDown': case 'j': case 'PageDown': this.go(1); break;
      case 'ArrowUp': case 'k': case 'PageUp': this.go(-1); break;
      case 'm': this.setMuted(!this.muted); break;
      case 'l': { const it = this.items[this.active]; if (it) this.toggleLike(it); break; }
      case ' ':
        if (e.target.closest?.('button, a')) return;
        this.togglePlay();
        break;
      default: return;
    }
    e.preventDefault();
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
    for (const it of this.items) {
      if (it.v.id !== id) continue;
      it.v.counts[counter] = Math.max(0, it.v.counts[counter] + delta);
      this.renderCounts(it);
    }
  }

  // toggleLike updates the heart at once and reconciles with the server's
  // answer; of overlapping requests only the last one's answer counts.
  async toggleLike(it) {
    if (!currentUser()) {
      promptLogin('Log in to like videos.');
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
    const copied = await copyText(url);
    toast(copied ? 'Link copied to clipboard.' : `Copy this link: ${url}`);
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
    // Nobody needs to tell the feed they are not interested in their own video.
    it.moreBtn.hidden = !!(me && (me.id === it.v.author?.id || me.handle === handle));
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
    for (const it of this.items) {
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
  // why lists the reasons that put the video in the feed.
  why(it) {
    const reasons = (it.v.reasons || []).filter(Boolean);
    this.sheet.open('Why this video?',
      h('ul', { class: 'why-list', 'data-testid': 'why-list' }, reasons.map((r) => h('li', { 'data-testid': 'why-reason', text: r }))),
      h('p', { class: 'muted sheet-note' }, 'Tune what you see with “…” on a video or in ', h('a', { href: '/settings', text: 'Settings' }), '.'));
  }

  menu(it) {
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
      toast('Got it. You’ll see fewer videos like this.');
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

  // dismiss takes the items matching pred out of the feed; when the active
  // one goes, the next one takes its place and plays.
  dismiss(pred) {
    const gone = new Set(this.items.filter(pred));
    if (!gone.size) return;
    const current = this.items[this.active];
    const next = this.items.slice(0, Math.max(this.active, 0)).filter((x) => !gone.has(x)).length;
    for (const it of gone) {
      it.clock = null; // no view or skip is reported for a dismissed video
      this.observer.unobserve(it.el);
      this.release(it);
      it.el.remove();
    }
    this.items = this.items.filter((x) => !gone.has(x));
    this.items.forEach((x, i) => { x.index = i; x.el.dataset.index = i; });
    if (current && !gone.has(current)) {
      this.active = current.index;
      return;
    }
    this.active = -1;
    if (this.items[next]) {
      this.scroller.scrollTop = this.items[next].el.offsetTop;
      this.setActive(next);
    } else if (!this.items.length && this.done) {
      this.setStatus(this.empty, 'empty');
    } else {
      this.loadMore();
    }
  }
}
