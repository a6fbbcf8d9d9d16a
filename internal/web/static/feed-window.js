// The feed's window of loaded videos: the active and the next video have
// their source (the next one preloads) and those far away are released, so a
// long session does not keep dozens of decoders and buffers alive.
import { chooseRendition } from './rendition.js';

export function updateWindow(items, active) {
  for (const it of items) {
    const d = it.index - active;
    if (d === 0 || d === 1) attach(it);
    else if (d > 2 || d < -2) release(it);
  }
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
  it.video.src = r.url;
  it.el.dataset.rendition = r.name || `${r.width}x${r.height}`;
}

export function release(it) {
  if (!it.src) return;
  it.src = null;
  it.video.pause();
  it.video.removeAttribute('src');
  it.video.preload = 'none';
  it.video.load();
}
