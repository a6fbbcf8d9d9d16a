// The feed's window of loaded videos: only what the next swipe needs. The
// active video gets its source and poster at once; the next one gets them
// once the active one's time moves, so that on a slow connection the first
// frames do not share the bandwidth; videos further away have neither, and those
// far behind or ahead are released, so a long session does not keep dozens
// of decoders and buffers alive.
import { chooseRendition } from './rendition.js';

export function updateWindow(items, active) {
  for (const it of items) {
    const d = it.index - active;
    if (d === 0) attach(it);
    else if (d > 2 || d < -2) release(it);
  }
  const current = items[active];
  const next = items[active + 1];
  if (!current || !next || next.src) return;
  const v = current.video;
  if (!v.paused && v.currentTime > 0) {
    attach(next);
    return;
  }
  // The feed may have moved on by the time the active video plays.
  const go = () => {
    if (!(v.currentTime > 0)) return;
    v.removeEventListener('timeupdate', go);
    if (current.el.classList.contains('active')) attach(next);
  };
  v.addEventListener('timeupdate', go);
}

function attach(it) {
  it.video.preload = 'auto';
  if (it.src) return;
  const r = chooseRendition(it.v.renditions);
  if (!r) {
    it.error.hidden = false;
    return;
  }
  it.src = r.url;
  if (it.v.poster_url) it.video.poster = it.v.poster_url;
  it.video.src = r.url;
  it.el.dataset.rendition = r.name || `${r.width}x${r.height}`;
}

export function release(it) {
  if (!it.src) return;
  it.src = null;
  it.video.pause();
  it.video.removeAttribute('src');
  it.video.removeAttribute('poster');
  it.video.preload = 'none';
  it.video.load();
}
