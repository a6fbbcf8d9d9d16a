// The upload page: pick a file, write a caption, watch the upload and then the
// processing progress, and get a link to the finished video.
import { api, upload } from './api.js';
import { limits } from './boot.js';
import { h } from './dom.js';
import { currentUser } from './session.js';
import { emptyState, loginHref } from './ui.js';

const POLL_MS = 1000;

const megabytes = (bytes) => `${Number((bytes / 1048576).toFixed(1))}\u00a0MB`;
const tooBig = (f) => !!f && f.size > limits.max_upload_bytes;

// duration says how long the operator lets videos be: "10 minutes",
// "1 minute 30 seconds", each number kept on the line of its unit.
function duration(seconds) {
  const parts = [[Math.floor(seconds / 3600), 'hour'], [Math.floor((seconds % 3600) / 60), 'minute'], [seconds % 60, 'second']];
  return parts.filter(([n]) => n > 0)
    .map(([n, unit]) => new Intl.NumberFormat('en', { style: 'unit', unit, unitDisplay: 'long', maximumFractionDigits: 1 }).format(n).replace(' ', '\u00a0'))
    .join(' ');
}

export function uploadPage(main) {
  if (!currentUser()) {
    main.replaceChildren(h('div', { class: 'page narrow' }, emptyState('Log in to upload', 'Share short videos with everyone on Flick.', { href: loginHref(), text: 'Log in' })));
    return undefined;
  }
  let stopped = false;
  let preview = null;

  const file = h('input', { type: 'file', id: 'upload-file', name: 'file', accept: 'video/*', required: true, class: 'visually-hidden', 'data-testid': 'upload-file' });
  const fileName = h('span', { class: 'drop-name', text: 'Choose a video' });
  const previewBox = h('div', { class: 'upload-preview', hidden: true });
  const caption = h('textarea', { id: 'upload-caption', name: 'caption', rows: 4, 'data-testid': 'upload-caption', placeholder: 'Describe your video. Add #hashtags and @mentions.' });
  const counter = h('span', { class: 'char-count', 'data-testid': 'caption-count', 'aria-live': 'polite' });
  const submit = h('button', { class: 'button primary wide', type: 'submit', 'data-testid': 'upload-submit', text: 'Post' });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'upload-error', hidden: true });
  const upBar = h('progress', { max: 100, value: 0, 'data-testid': 'upload-progress', 'aria-label': 'Upload progress' });
  const upText = h('span', { class: 'progress-text', 'data-testid': 'upload-percent', text: '0%' });
  const procBar = h('progress', { max: 100, value: 0, 'data-testid': 'processing-progress', 'aria-label': 'Processing progress' });
  const procText = h('span', { class: 'progress-text', 'data-testid': 'processing-status', text: 'Waiting for upload' });
  const result = h('div', { class: 'upload-result' });
  const stages = h('div', { class: 'stages', hidden: true, 'data-testid': 'upload-stages' },
    h('div', { class: 'stage' }, h('div', { class: 'stage-head' }, h('span', { text: 'Uploading' }), upText), upBar),
    h('div', { class: 'stage' }, h('div', { class: 'stage-head' }, h('span', { text: 'Processing' }), procText), procBar),
    result);

  const updateCount = () => {
    const n = [...caption.value].length;
    const max = limits.max_caption_runes;
    counter.textContent = `${n.toLocaleString()}/${max.toLocaleString()}`;
    counter.classList.toggle('over', n > max);
    caption.setAttribute('aria-invalid', String(n > max));
    submit.disabled = n > max || !file.files.length || tooBig(file.files[0]);
  };
  caption.addEventListener('input', updateCount);
  file.addEventListener('change', () => {
    const f = file.files[0];
    if (preview) URL.revokeObjectURL(preview);
    preview = null;
    previewBox.replaceChildren();
    previewBox.hidden = !f;
    fileName.textContent = f ? `${f.name} · ${megabytes(f.size)}` : 'Choose a video';
    // The server would refuse it only once all of it was sent.
    const big = tooBig(f);
    error.hidden = !big;
    if (big) error.textContent = `This video is ${megabytes(f.size)}; the most you can upload is ${megabytes(limits.max_upload_bytes)}.`;
    if (f) {
      preview = URL.createObjectURL(f);
      previewBox.append(h('video', { src: preview, muted: true, playsInline: true, autoplay: true, loop: true, 'aria-label': 'Preview' }));
    }
    updateCount();
  });

  const form = h('form', { class: 'upload-form', 'data-testid': 'upload-form' },
    h('label', { class: 'dropzone', for: 'upload-file' }, h('strong', { text: 'Select video to upload' }), fileName,
      h('small', { 'data-testid': 'upload-limits',
        text: `MP4, WebM or MOV · vertical looks best · up to ${duration(limits.max_duration_seconds)} and ${megabytes(limits.max_upload_bytes)}` })),
    file, previewBox,
    h('div', { class: 'field' }, h('div', { class: 'field-head' }, h('label', { for: 'upload-caption', text: 'Caption' }), counter), caption),
    error, submit, stages);

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    error.hidden = true;
    submit.disabled = true;
    file.disabled = true;
    caption.readOnly = true;
    stages.hidden = false;
    const body = new FormData();
    body.append('caption', caption.value);
    body.append('file', f);
    try {
      const v = await upload('/videos', body, (frac) => {
        const p = Math.round(frac * 100);
        upBar.value = p;
        upText.textContent = `${p}%`;
      });
      upBar.value = 100;
      upText.textContent = 'Done';
      await watchProcessing(v);
    } catch (err) {
      error.textContent = err.message;
      error.hidden = false;
      upText.textContent = upBar.value === 100 ? 'Done' : 'Failed';
      procText.textContent = '—';
      submit.disabled = false;
      file.disabled = false;
      caption.readOnly = false;
    }
  });

  async function watchProcessing(v) {
    while (!stopped) {
      procBar.value = v.progress || 0;
      if (v.status === 'ready') {
        procBar.value = 100;
        procText.textContent = 'Ready';
        procText.dataset.status = 'ready';
        result.replaceChildren(h('p', { class: 'success', text: 'Your video is live.' }),
          h('a', { class: 'button primary', href: `/v/${encodeURIComponent(v.id)}`, 'data-testid': 'video-link', text: 'Watch it' }),
          h('a', { class: 'button', href: '/upload', 'data-testid': 'upload-another', text: 'Upload another' }));
        return;
      }
      if (v.status === 'failed') {
        procText.textContent = 'Failed';
        procText.dataset.status = 'failed';
        error.textContent = v.failure ? `Processing failed: ${v.failure}` : 'Processing failed.';
        error.hidden = false;
        result.replaceChildren(h('a', { class: 'button', href: '/upload', text: 'Try another video' }));
        return;
      }
      procText.textContent = `Processing… ${v.progress || 0}%`;
      procText.dataset.status = 'processing';
      await new Promise((r) => setTimeout(r, POLL_MS));
      if (stopped) return;
      try {
        v = await api('GET', `/videos/${encodeURIComponent(v.id)}`);
      } catch (err) {
        if (err.status === 404) throw err;
        // A blip while polling is not a failed upload: keep polling.
      }
    }
  }

  main.replaceChildren(h('div', { class: 'page narrow upload', 'data-testid': 'upload-page' },
    h('h1', { text: 'Upload video' }), h('p', { class: 'muted', text: 'Post a video to your account.' }), form));
  updateCount();
  return () => {
    stopped = true;
    if (preview) URL.revokeObjectURL(preview);
  };
}
