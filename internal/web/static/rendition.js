// Rendition choice: the smallest rendition whose short side covers the
// screen's short side in device pixels (the pixel ratio capped at 2, beyond
// which nobody sees the difference on a phone), else the largest there is;
// and on a connection slower than a rendition's bitrate (the browser's own
// estimate, navigator.connection.downlink, where it has one), only the
// renditions it can play without stalling, else the lightest.

// HEADROOM is the share of the estimated downlink a rendition may take: the
// next video preloads meanwhile, and the estimate is rough.
const HEADROOM = 0.75;

export function chooseRendition(renditions, screenShort = Math.min(screen.width, screen.height), dpr = window.devicePixelRatio || 1,
  downlinkMbps = navigator.connection?.downlink) {
  const all = (renditions || []).filter((r) => r.url);
  if (!all.length) return null;
  // If the browser claims it can play none of them, try anyway: canPlayType
  // is only a guess.
  const supported = all.filter((r) => !r.mime || canPlay(r.mime));
  const playable = supported.length ? supported : all;
  const short = (r) => Math.min(r.width, r.height);
  const sorted = [...playable].sort((a, b) => short(a) - short(b) || a.bitrate - b.bitrate);
  const budget = downlinkMbps > 0 ? downlinkMbps * 1e6 * HEADROOM : Infinity;
  const affordable = sorted.filter((r) => !(r.bitrate > budget));
  const pool = affordable.length ? affordable : sorted.slice(0, 1);
  const need = screenShort * Math.min(dpr, 2);
  return pool.find((r) => short(r) >= need) || pool[pool.length - 1];
}

let probe;
function canPlay(mime) {
  probe ||= document.createElement('video');
  return probe.canPlayType(mime.split(';')[0]) !== '';
}
