// What a creator chooses about a video, on the upload page and in the
// feed's Edit sheet: who can watch, whether people may comment, and the
// cover (a frame of the video, picked with a scrubber over it).
import { h } from './dom.js';

const VISIBILITIES = [['public', 'Everyone'], ['followers', 'Followers'], ['private', 'Only me']];

let count = 0;

// settingsFields are the "Who can watch" and "Allow comments" controls.
export function settingsFields({ visibility = 'public', comments_enabled: comments = true } = {}) {
  const n = ++count;
  const who = h('select', { id: `who-${n}`, name: 'visibility', 'data-testid': 'visibility-select' },
    VISIBILITIES.map(([value, text]) => h('option', { value, text, selected: value === visibility })));
  const allow = h('input', { type: 'checkbox', role: 'switch', id: `comments-${n}`, name: 'comments_enabled', 'data-testid': 'comments-toggle', checked: comments });
  const el = h('div', { class: 'video-settings' },
    h('div', { class: 'field' }, h('label', { for: who.id, text: 'Who can watch' }), who),
    h('div', { class: 'switch-row' }, h('label', { for: allow.id }, h('strong', { text: 'Allow comments' }),
      h('small', { class: 'muted', text: 'Comments already posted stay visible.' })), allow));
  return {
    el,
    values: () => ({ visibility: who.value, comments_enabled: allow.checked }),
    set: (v) => {
      who.value = v.visibility || 'public';
      allow.checked = v.comments_enabled !== false;
    },
  };
}

const clock = (ms) => {
  const s = ms / 1000;
  return `${Math.floor(s / 60)}:${(s % 60).toFixed(1).padStart(4, '0')}`;
};

// coverPicker shows the video at src paused on the cover frame, with a
// scrubber to choose another. value() is the chosen time in ms, or null
// until the video's length is known (the server then keeps its choice).
// onFail runs when the browser cannot play the file.
export function coverPicker(src, { at = null, onFail } = {}) {
  const n = ++count;
  const video = h('video', { src, muted: true, playsInline: true, preload: 'auto', 'aria-label': 'Cover preview', 'data-testid': 'cover-video' });
  const range = h('input', { type: 'range', id: `cover-${n}`, min: 0, max: 0, step: 10, value: 0, disabled: true, 'data-testid': 'cover-range' });
  const time = h('output', { for: range.id, class: 'cover-time', 'data-testid': 'cover-time' });
  let known = false;
  const show = () => {
    time.textContent = clock(Number(range.value));
    video.currentTime = Number(range.value) / 1000;
  };
  video.addEventListener('loadedmetadata', () => {
    const ms = Math.floor(video.duration * 1000);
    if (!Number.isFinite(ms) || ms <= 0) return;
    // The last frame starts before the end: stay 100 ms short of it.
    range.max = Math.max(ms - 100, 0);
    range.value = at ?? (ms >= 2000 ? 1000 : 0);
    range.disabled = false;
    known = true;
    show();
  });
  video.addEventListener('error', () => onFail?.());
  range.addEventListener('input', show);
  const el = h('div', { class: 'cover-picker' },
    h('div', { class: 'cover-frame' }, video),
    h('div', { class: 'cover-controls' }, h('div', { class: 'field-head' }, h('label', { for: range.id, text: 'Cover' }), time), range));
  return { el, video, value: () => (known ? Number(range.value) : null) };
}
