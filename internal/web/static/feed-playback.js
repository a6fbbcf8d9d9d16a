// Playback in the feed: the active video plays, muted until the viewer
// unmutes (remembered for the browser session), a tap pauses and a double tap
// likes; and how each video was watched goes to the view telemetry.
import { h, icon } from './dom.js';
import { Telemetry, WatchClock } from './telemetry.js';

const UNMUTED_KEY = 'flick.unmuted';
const SKIP_MS = 2000;
const DOUBLE_TAP_MS = 260;

export class Playback {
  // current() is the active feed item; onScreen() says whether the feed is
  // mounted in a visible page; like(it) likes a video on a double tap.
  constructor({ current, onScreen, like }) {
    this.current = current;
    this.onScreen = onScreen;
    this.like = like;
    this.userPaused = false;
    this.telemetry = new Telemetry();
    this.muteBtn = h('button', { class: 'mute-button', type: 'button', 'data-testid': 'mute-button', onclick: () => this.setMuted(!this.muted) });
    this.unmuteHint = h('button', { class: 'unmute-hint', type: 'button', 'data-testid': 'unmute-hint', onclick: () => this.setMuted(false) },
      icon('volumeOff', { size: 18 }), 'Tap to unmute');
    this.loadMuted();
  }

  isActive(it) { return this.current() === it; }

  // bind follows an item's video: the watch clock runs only while it plays.
  bind(it) {
    it.video.addEventListener('playing', () => { if (this.isActive(it)) { it.clock?.start(); it.playIcon.hidden = true; } });
    for (const ev of ['pause', 'waiting', 'ended']) it.video.addEventListener(ev, () => it.clock?.stop());
    it.video.addEventListener('timeupdate', () => {
      const d = it.video.duration;
      if (d > 0) it.progress.style.transform = `scaleX(${Math.min(1, it.video.currentTime / d)})`;
    });
    it.video.addEventListener('error', () => { if (it.src) it.error.hidden = false; });
  }

  // leave stops the video scrolled away from and rewinds it for next time.
  leave(it) {
    this.endWatch(it);
    it.video.pause();
    it.video.currentTime = 0;
  }

  // enter starts the newly active video: a pause chosen on the previous one
  // does not carry over, and an impression is counted only on screen.
  enter(it) {
    this.userPaused = false;
    if (!this.onScreen()) return;
    it.clock = new WatchClock();
    it.firstWatch = true;
    this.telemetry.record('impression', it.v.id);
    this.play(it);
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

  // suspend pauses while the feed is off screen, sending what was watched.
  suspend() {
    const it = this.current();
    if (it) {
      this.endWatch(it);
      it.video.pause();
    }
    this.telemetry.flush();
  }

  resume() {
    const it = this.current();
    if (!it || it.clock) return;
    it.clock = new WatchClock();
    it.firstWatch = false;
    this.play(it);
  }

  close() {
    this.telemetry.close();
  }

  tap(it) {
    // One tap pauses or plays; two quick taps like, as on phones everywhere.
    if (it.tapTimer) {
      clearTimeout(it.tapTimer);
      it.tapTimer = null;
      it.heartBurst.classList.remove('burst');
      void it.heartBurst.offsetWidth; // restart the animation
      it.heartBurst.classList.add('burst');
      if (!it.v.liked) this.like(it);
      return;
    }
    it.tapTimer = setTimeout(() => {
      it.tapTimer = null;
      this.togglePlay(it);
    }, DOUBLE_TAP_MS);
  }

  togglePlay(it = this.current()) {
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

  // loadMuted takes up the choice made in another feed of this session.
  loadMuted() {
    this.muted = sessionStorage.getItem(UNMUTED_KEY) !== '1';
    this.syncMute();
  }

  setMuted(muted) {
    this.muted = muted;
    sessionStorage.setItem(UNMUTED_KEY, muted ? '0' : '1');
    const it = this.current();
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
}
