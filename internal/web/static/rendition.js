// Rendition choice: the smallest rendition whose short side covers the
// screen's short side in device pixels (the pixel ratio capped at 2, beyond
// which nobody sees the difference on a phone), else the largest there is.

export function chooseRendition(renditions, screenShort = Math.min(screen.width, screen.height), dpr = window.devicePixelRatio || 1) {
  const all = (renditions || []).filter((r) => r.url);
  if (!all.length) return null;
  // If the browser claims it can play none of them, try anyway: canPlayType
  // is only a guess.
  const supported = all.filter((r) => !r.mime || canPlay(r.mime));
  const playable = supported.length ? supported : all;
  const short = (r) => Math.min(r.width, r.height);
  const sorted = [...playable].sort((a, b) => short(a) - short(b) || a.bitrate - b.bitrate);
  const need = screenShort * Math.min(dpr, 2);
  return sorted.find((r) => short(r) >= need) || sorted[sorted.length - 1];
}

let probe;
function canPlay(mime) {
  probe ||= document.createElement('video');
  return probe.canPlayType(mime.split(';')[0]) !== '';
}
