// The upload page: pick a file, write a caption, watch the upload and then the
// processing progress, and get a link to the finished video.
import { api, upload } from './api.js';
import { h } from './dom.js';
import { currentUser } from './session.js';
import { emptyState, loginHref } from './ui.js';

const MAX_CAPTION = 2200;
const POLL_MS = 1000;

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
    counter.textContent = `${n.toLocaleString()}/${MAX_CAPTION.toLocaleString()}`;
    counter.classList.toggle('over', n > MAX_CAPTION);
    caption.setAttribute('aria-invalid', String(n > MAX_CAPTION));
    submit.disabled = n > MAX_CAPTION || !file.files.length;
  };
  caption.addEventListener('input', updateCount);
  file.addEventListener('change', () => {
    const f = file.files[0];
    if (preview) URL.revokeObjectURL(preview);
    preview = null;
    previewBox.replaceChildren();
    previewBox.hidden = !f;
    fileName.textContent = f ? `${f.name} · ${(f.size / 1048576).toFixed(1)} MB` : 'Choose a video';
    if (f) {
      preview = URL.createObjectURL(f);
      previewBox.append(h('video', { src: preview, muted: true, playsInline: true, autoplay: true, loop: true, 'aria-label': 'Preview' }));
    }
    updateCount();
  });

  const form = h('form', { class: 'upload-form', 'data-testid': 'upload-form' },
    h('label', { class: 'dropzone', for: 'upload-file' }, h('strong', { text: 'Select video to upload' }), fileName,
      h('small', { text: 'MP4, WebM or MOV · vertical looks best · up to 10 minutes' })),
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
