// Playback in the feed: the active video plays, muted until the viewer
// unmutes (remembered on the device, with the volume), a tap pauses and a
// double tap likes, the scrubber and ←/→ seek; and how each video was
// watched goes to the view telemetry.
import { h, icon } from './dom.js';
import { Telemetry, WatchClock } from './telemetry.js';

const UNMUTED_KEY = 'flick.unmuted';
const VOLUME_KEY = 'flick.volume';
const SKIP_MS = 2000;
const DOUBLE_TAP_MS = 260;

// stored reads a device setting; storage may be unavailable (private modes).
function stored(key) {
  try { return localStorage.getItem(key); } catch { return null; }
}
function store(key, value) {
  try { localStorage.setItem(key, value); } catch { /* the choice lasts this page */ }
}

export class Playback {
  // current() is the active feed item; onScreen() says whether the feed is
  // mounted in a visible page; like(it) likes a video on a double tap and
  // says whether it did (signed out, it asks to log in instead);
  // fullscreen() is the element the fullscreen button fills.
  constructor({ current, onScreen, like, fullscreen }) {
    this.current = current;
    this.onScreen = onScreen;
    this.like = like;
    this.userPaused = false;
    this.telemetry = new Telemetry();
    this.muteBtn = h('button', { class: 'control-button', type: 'button', 'data-testid': 'mute-button', onclick: () => this.setMuted(!this.muted) });
    this.volume = h('input', { class: 'volume', type: 'range', min: 0, max: 1, step: 0.05, 'aria-label': 'Volume', 'data-testid': 'volume',
      oninput: () => this.setVolume(Number(this.volume.value)) });
    this.fullscreenBtn = document.fullscreenEnabled ? h('button', { class: 'control-button desktop-only', type: 'button', 'data-testid': 'fullscreen-button',
      onclick: () => (document.fullscreenElement ? document.exitFullscreen() : fullscreen().requestFullscreen()).catch(() => {}) }) : null;
    this.syncFullscreen = () => {
      if (!this.fullscreenBtn) return;
      const on = !!document.fullscreenElement;
      this.fullscreenBtn.replaceChildren(icon(on ? 'shrink' : 'expand', { size: 22 }));
      this.fullscreenBtn.setAttribute('aria-label', on ? 'Exit full screen' : 'Full screen');
    };
    document.addEventListener('fullscreenchange', this.syncFullscreen);
    this.syncFullscreen();
    this.controls = h('div', { class: 'player-controls', 'data-testid': 'player-controls' },
      this.muteBtn, h('span', { class: 'volume-wrap desktop-only' }, this.volume), this.fullscreenBtn);
    this.loadMuted();
  }

  isActive(it) { return this.current() === it; }

  // bind follows an item's video: the watch clock runs only while it plays.
  bind(it) {
    it.video.addEventListener('playing', () => { if (this.isActive(it)) { it.clock?.start(); it.playIcon.hidden = true; } });
    for (const ev of ['pause', 'waiting', 'ended']) it.video.addEventListener(ev, () => it.clock?.stop());
    it.video.addEventListener('timeupdate', () => this.syncScrubber(it));
    this.bindScrubber(it);
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
    v.volume = this.level;
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
    document.removeEventListener('fullscreenchange', this.syncFullscreen);
  }

  tap(it) {
    // One tap pauses or plays; two quick taps like, as on phones everywhere.
    if (it.tapTimer) {
      clearTimeout(it.tapTimer);
      it.tapTimer = null;
      if (!this.like(it)) return;
      it.heartBurst.classList.remove('burst');
      void it.heartBurst.offsetWidth; // restart the animation
      it.heartBurst.classList.add('burst');
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

  // seek moves the active video by seconds.
  seek(seconds) {
    const it = this.current();
    const d = it?.video.duration;
    if (!(d > 0)) return;
    it.video.currentTime = Math.min(Math.max(0, it.video.currentTime + seconds), d - 0.05);
    this.syncScrubber(it);
  }

  syncScrubber(it) {
    const d = it.video.duration;
    if (!(d > 0)) return;
    const f = Math.min(1, it.video.currentTime / d);
    it.progress.style.transform = `scaleX(${f})`;
    it.scrubber.setAttribute('aria-valuenow', String(Math.round(it.video.currentTime)));
    it.scrubber.setAttribute('aria-valuemax', String(Math.round(d)));
    it.scrubber.setAttribute('aria-valuetext', `${clock(it.video.currentTime)} of ${clock(d)}`);
  }

  // bindScrubber makes the progress bar draggable with a mouse, a pen or a
  // finger. It takes horizontal drags only (touch-action: pan-y): a vertical
  // swipe that starts on it still flicks the feed.
  bindScrubber(it) {
    const s = it.scrubber;
    const to = (e) => {
      const d = it.video.duration;
      if (!(d > 0)) return;
      const r = s.getBoundingClientRect();
      it.video.currentTime = Math.min(Math.max(0, (e.clientX - r.left) / r.width), 0.999) * d;
      this.syncScrubber(it);
    };
    s.addEventListener('pointerdown', (e) => {
      if (!this.isActive(it) || e.button !== 0) return;
      s.setPointerCapture(e.pointerId);
      s.classList.add('dragging');
      to(e);
    });
    s.addEventListener('pointermove', (e) => { if (s.hasPointerCapture(e.pointerId)) to(e); });
    const end = (e) => {
      if (s.hasPointerCapture(e.pointerId)) s.releasePointerCapture(e.pointerId);
      s.classList.remove('dragging');
    };
    s.addEventListener('pointerup', end);
    s.addEventListener('pointercancel', end);
  }

  // loadMuted takes up the sound settings chosen on this device.
  loadMuted() {
    this.muted = stored(UNMUTED_KEY) !== '1';
    const v = Number(stored(VOLUME_KEY) ?? 1);
    this.level = v >= 0 && v <= 1 ? v : 1;
    this.syncMute();
  }

  setMuted(muted) {
    this.muted = muted;
    store(UNMUTED_KEY, muted ? '0' : '1');
    if (!muted && this.level === 0) this.setVolume(1);
    const it = this.current();
    if (it) {
      it.video.muted = muted;
      if (!muted && it.video.paused && !this.userPaused) this.play(it);
    }
    this.syncMute();
  }

  // setVolume sets the level on the device; turning it up unmutes, and
  // down to nothing mutes.
  setVolume(level) {
    this.level = level;
    store(VOLUME_KEY, String(level));
    const it = this.current();
    if (it) it.video.volume = level;
    if (this.muted === level > 0) this.setMuted(level === 0);
    else this.syncMute();
  }

  syncMute() {
    this.muteBtn.replaceChildren(icon(this.muted ? 'volumeOff' : 'volumeOn', { size: 22 }));
    this.muteBtn.setAttribute('aria-label', this.muted ? 'Unmute' : 'Mute');
    this.muteBtn.setAttribute('aria-pressed', String(!this.muted));
    this.volume.value = String(this.muted ? 0 : this.level);
  }
}

// clock formats seconds as m:ss.
function clock(seconds) {
  const s = Math.floor(seconds);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
