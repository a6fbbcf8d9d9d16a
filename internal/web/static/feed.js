// The vertical video feed: one video fills the screen, scroll-snap flicks
// between them, the active one plays and the next one preloads. Used for the
// For You and Following tabs and for a shared video (/v/{id}). This class
// keeps the list and which video is active; playback, the window of loaded
// videos, engagement and the "…" menu each have their own module.
import { h, icon, prefersReducedMotion } from './dom.js';
import { Engagement } from './feed-engagement.js';
import { feedItem } from './feed-item.js';
import { ItemMenu } from './feed-menu.js';
import { Playback } from './feed-playback.js';
import { release, updateWindow } from './feed-window.js';
import { errorBox, spinner } from './ui.js';

// A wheel gesture moves the feed one video: wheel events closer together
// than WHEEL_GAP_MS are one gesture (a trackpad's swipe and its inertia, a
// spin of the wheel), which moves once its deltas add up to WHEEL_STEP pixels.
const WHEEL_GAP_MS = 300;
const WHEEL_STEP = 40;
const SEEK_S = 5;

export class Feed {
  // source() returns the next page {items, done}; empty is the element shown
  // when the feed has nothing at all; back ({href, label}), when set, is
  // where the feed's back button returns to (a profile or a hashtag page).
  constructor({ kind, label, source, empty, back }) {
    this.kind = kind;
    this.source = source;
    this.empty = empty;
    this.back = back;
    this.items = [];
    this.seen = new Set();
    this.active = -1;
    this.loading = false;
    this.done = false;
    this.mounted = false;
    this.build(label);
  }

  build(label) {
    this.engagement = new Engagement({ kind: this.kind, items: () => this.items });
    this.playback = new Playback({
      current: () => this.items[this.active],
      onScreen: () => this.mounted && document.visibilityState === 'visible',
      like: (it) => this.engagement.doubleTapLike(it),
      fullscreen: () => this.el,
    });
    this.menu = new ItemMenu({ dismiss: (pred) => this.dismiss(pred), restore: (v) => this.restore(v) });
    this.on = {
      tap: (it) => this.playback.tap(it),
      like: (it) => this.engagement.toggleLike(it),
      comments: (it) => this.engagement.openComments(it),
      share: (it) => this.engagement.share(it),
      follow: (it) => this.engagement.follow(it),
      why: (it) => this.menu.why(it),
      menu: (it) => this.menu.open(it),
    };

    this.status = h('div', { class: 'feed-status', 'data-testid': 'feed-status' });
    this.scroller = h('div', { class: 'feed-scroller', 'data-testid': 'feed-scroller' }, this.status);
    const tab = (href, name, text) => h('a', { href, class: 'feed-tab', 'data-testid': `tab-${name}`, 'aria-current': this.kind === name ? 'page' : undefined, text });
    const tabs = this.kind === 'video' ? null : h('nav', { class: 'feed-tabs', 'aria-label': 'Feeds' },
      tab('/following', 'following', 'Following'), tab('/', 'foryou', 'For You'));
    const back = this.back ? h('a', { class: 'control-button back-button', href: this.back.href, 'aria-label': this.back.label,
      title: this.back.label, 'data-testid': 'back-button', onclick: (e) => {
        // Opened from that page: going back restores it as it was.
        if (history.state?.back === this.back.href) {
          e.preventDefault();
          history.back();
        }
      } }, icon('back', { size: 24 })) : null;
    this.el = h('section', { class: 'feed', 'data-testid': 'feed', 'data-feed': this.kind, 'aria-label': label },
      h('h1', { class: 'visually-hidden', text: label }),
      tabs, back, this.scroller, this.playback.controls, this.engagement.drawer.el, this.menu.sheet.el);
    this.scroller.addEventListener('wheel', (e) => this.wheel(e), { passive: false });

    this.observer = new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (e.isIntersecting && e.intersectionRatio >= 0.6) this.setActive(Number(e.target.dataset.index));
      }
    }, { root: this.scroller, threshold: [0.6] });

    this.onKey = (e) => this.key(e);
    this.onVisibility = () => {
      if (!this.mounted) return;
      if (document.visibilityState === 'hidden') this.playback.suspend();
      else this.playback.resume();
    };
  }

  mount(main) {
    main.append(this.el);
    this.mounted = true;
    document.addEventListener('keydown', this.onKey);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.playback.loadMuted();
    if (this.active >= 0) {
      // Re-attached from the cache: detaching lost the scroll position.
      this.scroller.scrollTop = this.items[this.active].el.offsetTop;
      this.playback.resume();
    } else if (!this.items.length) {
      this.loadMore();
    }
  }

  unmount() {
    if (!this.mounted) return;
    this.playback.suspend();
    this.engagement.drawer.close();
    this.menu.sheet.close();
    document.removeEventListener('keydown', this.onKey);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.mounted = false;
    this.el.remove();
  }

  destroy() {
    if (this.mounted) this.unmount();
    this.observer.disconnect();
    this.playback.close();
    for (const it of this.items) release(it);
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
      // The video after the active one may have just arrived.
      if (added && this.active >= 0) updateWindow(this.items, this.active);
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
    this.insertItem(v, this.items.length);
  }

  insertItem(v, at) {
    const it = feedItem(v, at, this.on);
    this.playback.bind(it);
    this.engagement.renderCounts(it);
    this.scroller.insertBefore(it.el, this.items[at]?.el || this.status);
    this.items.splice(at, 0, it);
    this.items.forEach((x, i) => { x.index = i; x.el.dataset.index = i; });
    this.observer.observe(it.el);
    return it;
  }

  // restore puts a dismissed video back where the viewer is, and plays it.
  restore(v) {
    if (!this.mounted || this.items.some((x) => x.v.id === v.id)) return;
    const at = Math.max(this.active, 0);
    const shown = this.items[this.active];
    if (shown) {
      this.playback.leave(shown);
      shown.el.classList.remove('active');
    }
    this.active = -1;
    const it = this.insertItem(v, at);
    this.scroller.scrollTop = it.el.offsetTop;
    this.setActive(at);
  }

  setActive(i) {
    if (i === this.active || !this.items[i]) return;
    const prev = this.items[this.active];
    if (prev) {
      this.playback.leave(prev);
      prev.el.classList.remove('active');
    }
    this.active = i;
    const it = this.items[i];
    it.el.classList.add('active');
    updateWindow(this.items, i);
    this.playback.enter(it);
    this.engagement.refreshFollow(it);
    if (i >= this.items.length - 3) this.loadMore();
  }

  go(delta) {
    const i = Math.max(0, Math.min(this.items.length - 1, (this.active < 0 ? 0 : this.active) + delta));
    const it = this.items[i];
    if (!it) return;
    this.scroller.scrollTo({ top: it.el.offsetTop, behavior: prefersReducedMotion() ? 'auto' : 'smooth' });
  }

  key(e) {
    if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || this.engagement.drawer.isOpen || this.menu.sheet.isOpen) return;
    if (e.target.closest?.('input, textarea, select, [contenteditable="true"]')) return;
    switch (e.key) {
      case 'ArrowDown': case 'j': case 'PageDown': this.go(1); break;
      case 'ArrowUp': case 'k': case 'PageUp': this.go(-1); break;
      case 'ArrowLeft': this.playback.seek(-SEEK_S); break;
      case 'ArrowRight': this.playback.seek(SEEK_S); break;
      case 'm': this.playback.setMuted(!this.playback.muted); break;
      case 'l': { const it = this.items[this.active]; if (it) this.engagement.toggleLike(it); break; }
      case ' ':
        if (e.target.closest?.('button, a')) return;
        this.playback.togglePlay();
        break;
      default: return;
    }
    e.preventDefault();
  }

  // wheel moves the feed one video per gesture: the browser's own scrolling
  // would stop between videos or skip several on a trackpad's inertia.
  wheel(e) {
    if (e.ctrlKey || !e.deltaY || e.target.closest?.('.caption.expanded')) return;
    e.preventDefault();
    if (!(e.timeStamp - this.wheelAt < WHEEL_GAP_MS)) {
      this.wheelSum = 0;
      this.wheelMoved = false;
    }
    this.wheelAt = e.timeStamp;
    if (this.wheelMoved) return;
    this.wheelSum += e.deltaMode === WheelEvent.DOM_DELTA_LINE ? e.deltaY * 16 : e.deltaY * (e.deltaMode === WheelEvent.DOM_DELTA_PAGE ? innerHeight : 1);
    if (Math.abs(this.wheelSum) >= WHEEL_STEP) {
      this.wheelMoved = true;
      this.go(Math.sign(this.wheelSum));
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
      release(it);
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
