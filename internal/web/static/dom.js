// DOM helpers. Everything that comes from the API is put on the page with
// textContent or attribute setters, never parsed as HTML: captions, comments,
// names and bios are hostile input.
import { validHandle } from './handle.js';

const PROPS = new Set(['value', 'checked', 'disabled', 'hidden', 'muted', 'loop', 'playsInline', 'autoplay', 'max', 'min', 'selected', 'readOnly', 'required', 'multiple']);

// h builds an element. props: class, text, data-*/aria-*/other attributes,
// onX listeners; children: nodes, strings (as text) or arrays, null skipped.
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (PROPS.has(k)) el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

const SVG = 'http://www.w3.org/2000/svg';

// Paths on a 24x24 grid. Outlined icons are stroked; "filled" ones filled.
const ICONS = {
  heart: 'M12 20.5s-7.6-4.7-9.6-9.4C.9 7.6 3.2 4 6.8 4c2.2 0 3.8 1.2 5.2 3 1.4-1.8 3-3 5.2-3 3.6 0 5.9 3.6 4.4 7.1-2 4.7-9.6 9.4-9.6 9.4z',
  comment: 'M12 3.5c5 0 9 3.5 9 7.9s-4 7.9-9 7.9c-1 0-2-.1-2.9-.4L4 20.5l1.3-4.1C3.9 15 3 13.3 3 11.4 3 7 7 3.5 12 3.5z',
  share: 'M13.5 4.5l8 7.3-8 7.2v-4.2c-5.4 0-8.6 1.6-11 5.2.8-5.6 3.9-10.5 11-11.3z',
  plus: 'M12 5v14M5 12h14',
  home: 'M3.5 10.5L12 3.5l8.5 7V20a.5.5 0 0 1-.5.5h-5v-6h-6v6H4a.5.5 0 0 1-.5-.5z',
  search: 'M10.5 3.5a7 7 0 1 0 0 14 7 7 0 0 0 0-14zM20.5 20.5l-5-5',
  upload: 'M12 15.5V4M7 8.5l5-4.5 5 4.5M4 14.5v4.5a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4.5',
  users: 'M9 11a3.8 3.8 0 1 0 0-7.6A3.8 3.8 0 0 0 9 11zM2.5 20.5v-.8c0-3 2.4-5.2 5.4-5.2h2.2c3 0 5.4 2.2 5.4 5.2v.8M16 3.6a3.8 3.8 0 0 1 0 7.2M21.5 20.5v-.8c0-2.4-1.5-4.3-3.6-5',
  user: 'M12 11.5a4.2 4.2 0 1 0 0-8.4 4.2 4.2 0 0 0 0 8.4zM3.8 21a8.2 8.2 0 0 1 16.4 0',
  settings: 'M4 6.5h9M17 6.5h3M4 12h3M11 12h9M4 17.5h11M19 17.5h1M15 4.5v4M9 10v4M17 15.5v4',
  volumeOff: 'M11 5L6.5 9H3.5v6h3l4.5 4zM22 9.5l-5 5M17 9.5l5 5',
  volumeOn: 'M11 5L6.5 9H3.5v6h3l4.5 4zM15.5 8.8a4.5 4.5 0 0 1 0 6.4M18.4 6a8.5 8.5 0 0 1 0 12',
  play: 'M7 4.8v14.4c0 .6.7 1 1.2.6l11-7.2a.7.7 0 0 0 0-1.2l-11-7.2c-.5-.4-1.2 0-1.2.6z',
  close: 'M6 6l12 12M18 6L6 18',
  check: 'M5 12.5l4.5 4.5L19 7.5',
  logout: 'M15 4h3a2 2 0 0 1 2 2v12a2 2 0 0 1-2 2h-3M10 16.5L5.5 12 10 7.5M5.5 12H16',
  eye: 'M2 12s3.6-6.5 10-6.5S22 12 22 12s-3.6 6.5-10 6.5S2 12 2 12zM12 9a3 3 0 1 0 0 6 3 3 0 0 0 0-6z',
  expand: 'M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5',
  shrink: 'M9 4v5H4M20 9h-5V4M15 20v-5h5M4 15h5v5',
  back: 'M15 5l-7 7 7 7',
  chevronDown: 'M6 9l6 6 6-6',
  chevronUp: 'M6 15l6-6 6 6',
  bell: 'M6 16.5V11a6 6 0 0 1 12 0v5.5l1.8 2.2H4.2zM10 20.8a2.2 2.2 0 0 0 4 0',
  more: 'M7 12a2 2 0 1 1-4 0 2 2 0 0 1 4 0zM14 12a2 2 0 1 1-4 0 2 2 0 0 1 4 0zM21 12a2 2 0 1 1-4 0 2 2 0 0 1 4 0z',
};

export function icon(name, { filled = false, size = 24, label } = {}) {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', size);
  svg.setAttribute('height', size);
  svg.setAttribute('class', `icon icon-${name}${filled ? ' filled' : ''}`);
  if (label) {
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', label);
  } else {
    svg.setAttribute('aria-hidden', 'true');
  }
  svg.setAttribute('focusable', 'false');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', ICONS[name]);
  svg.append(path);
  return svg;
}

const compactFmt = new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 });
export const compact = (n) => compactFmt.format(Math.max(0, Number(n) || 0));

const relFmt = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
const UNITS = [['year', 31536e6], ['month', 2592e6], ['week', 6048e5], ['day', 864e5], ['hour', 36e5], ['minute', 6e4]];

// ago formats a timestamp as "3 hr. ago"; under a minute is "now".
export function ago(iso) {
  const diff = Date.parse(iso) - Date.now();
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return relFmt.format(Math.round(diff / ms), unit);
  }
  return 'now';
}

// avatar is an account's picture, or its initial on a coloured disc.
export function avatar(account, size = 48) {
  const label = account.display_name || account.handle || '?';
  if (account.avatar_url) {
    return h('img', { class: 'avatar', src: account.avatar_url, alt: '', width: size, height: size, loading: 'lazy', decoding: 'async' });
  }
  const el = h('span', { class: 'avatar avatar-initial', 'aria-hidden': 'true', text: [...label][0].toUpperCase() });
  el.style.setProperty('--avatar-size', `${size}px`);
  el.style.setProperty('--avatar-hue', String(hue(account.handle || label)));
  return el;
}

function hue(s) {
  let x = 0;
  for (const c of s) x = (x * 31 + c.codePointAt(0)) % 360;
  return x;
}

const WORD = /[\p{L}\p{N}_]/u;

// richText turns a caption into text nodes and links for #hashtags and
// @mentions, following the server's parsing rules (flick.ParseCaption).
export function richText(text) {
  const runes = [...(text || '')];
  const out = [];
  let buf = '';
  for (let i = 0; i < runes.length; i++) {
    const r = runes[i];
    if ((r === '#' || r === '@') && !(i > 0 && WORD.test(runes[i - 1]))) {
      let j = i + 1;
      while (j < runes.length && (WORD.test(runes[j]) || (r === '@' && runes[j] === '.' && j + 1 < runes.length && WORD.test(runes[j + 1])))) j++;
      const word = runes.slice(i + 1, j).join('');
      const lower = word.toLowerCase();
      if (word && (r === '#' ? j - i - 1 <= 100 : validHandle(lower))) {
        if (buf) out.push(document.createTextNode(buf));
        buf = '';
        const href = r === '#' ? `/tag/${encodeURIComponent(lower)}` : `/@${lower}`;
        out.push(h('a', { class: r === '#' ? 'hashtag' : 'mention', href, text: r + word }));
        i = j - 1;
        continue;
      }
    }
    buf += r;
  }
  if (buf) out.push(document.createTextNode(buf));
  return out;
}

export function prefersReducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}

// copyText copies to the clipboard, falling back to a selection copy where the
// Clipboard API is unavailable (plain-HTTP origins other than localhost).
export async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    const ta = h('textarea', { class: 'visually-hidden', readOnly: true });
    ta.value = text;
    document.body.append(ta);
    ta.select();
    let ok = false;
    try { ok = document.execCommand('copy'); } catch { ok = false; }
    ta.remove();
    return ok;
  }
}
