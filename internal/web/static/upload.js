// The upload page: pick or drop a file, choose its cover, caption, who can
// watch and whether people may comment, then watch the upload and the
// processing progress (at the top of the screen, where a phone shows it)
// and get a link to the finished video. An interrupted upload is kept on
// the device as a draft to resume.
import { api, upload } from './api.js';
import { limits } from './boot.js';
import { h } from './dom.js';
import { dropDraft, loadDraft, saveDraft } from './drafts.js';
import { currentUser } from './session.js';
import { emptyState, loginHref } from './ui.js';
import { coverPicker, settingsFields } from './video-settings.js';

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
  let cover = null;

  const file = h('input', { type: 'file', id: 'upload-file', name: 'file', accept: 'video/*', required: true, class: 'visually-hidden', 'data-testid': 'upload-file' });
  const fileName = h('span', { class: 'drop-name', text: 'Choose a video' });
  const previewBox = h('div', { class: 'upload-preview', hidden: true });
  const previewNote = h('p', { class: 'muted upload-note', hidden: true, 'data-testid': 'preview-note',
    text: 'This browser can’t preview this file, so the cover can’t be chosen here. You can still post it: Flick checks the video.' });
  const caption = h('textarea', { id: 'upload-caption', name: 'caption', rows: 3, 'data-testid': 'upload-caption', placeholder: 'Describe your video. Add #hashtags and @mentions.' });
  const counter = h('span', { class: 'char-count', 'data-testid': 'caption-count', 'aria-live': 'polite' });
  const settings = settingsFields();
  const submit = h('button', { class: 'button primary wide', type: 'submit', 'data-testid': 'upload-submit', text: 'Post' });
  const error = h('p', { class: 'form-error', role: 'alert', 'data-testid': 'upload-error', hidden: true });
  const upBar = h('progress', { max: 100, value: 0, 'data-testid': 'upload-progress', 'aria-label': 'Upload progress' });
  const upText = h('span', { class: 'progress-text', 'data-testid': 'upload-percent', text: '0%' });
  const procBar = h('progress', { max: 100, value: 0, 'data-testid': 'processing-progress', 'aria-label': 'Processing progress' });
  const procText = h('span', { class: 'progress-text', 'data-testid': 'processing-status', text: 'Waiting for upload' });
  const result = h('div', { class: 'upload-result' });
  const stages = h('section', { class: 'stages', hidden: true, 'data-testid': 'upload-stages', 'aria-label': 'Posting' },
    h('div', { class: 'stage' }, h('div', { class: 'stage-head' }, h('span', { text: 'Uploading' }), upText), upBar),
    h('div', { class: 'stage' }, h('div', { class: 'stage-head' }, h('span', { text: 'Processing' }), procText), procBar),
    result);
  const draftBox = h('div', { class: 'draft-offer', hidden: true, 'data-testid': 'draft-offer', role: 'region', 'aria-label': 'Unfinished upload' });

  const updateCount = () => {
    const n = [...caption.value].length;
    const max = limits.max_caption_runes;
    counter.textContent = `${n.toLocaleString()}/${max.toLocaleString()}`;
    counter.classList.toggle('over', n > max);
    caption.setAttribute('aria-invalid', String(n > max));
    submit.disabled = n > max || !file.files.length || tooBig(file.files[0]);
  };
  caption.addEventListener('input', updateCount);

  // choose shows the selected file: its name, and a preview to pick the
  // cover from, unless the browser cannot play it.
  const choose = (at = null) => {
    const f = file.files[0];
    if (preview) URL.revokeObjectURL(preview);
    preview = null;
    cover = null;
    previewBox.replaceChildren();
    previewBox.hidden = !f;
    previewNote.hidden = true;
    fileName.textContent = f ? `${f.name} · ${megabytes(f.size)}` : 'Choose a video';
    // The server would refuse it only once all of it was sent.
    const big = tooBig(f);
    error.hidden = !big;
    if (big) error.textContent = `This video is ${megabytes(f.size)}; the most you can upload is ${megabytes(limits.max_upload_bytes)}.`;
    if (f) {
      preview = URL.createObjectURL(f);
      cover = coverPicker(preview, { at, onFail: () => {
        previewBox.hidden = true;
        previewNote.hidden = false;
        cover = null;
      } });
      previewBox.append(cover.el);
    }
    updateCount();
  };
  file.addEventListener('change', () => choose());

  const dropzone = h('label', { class: 'dropzone', for: 'upload-file', 'data-testid': 'dropzone' },
    h('strong', { text: 'Select video to upload' }), fileName,
    h('span', { class: 'drop-hint', text: 'or drag and drop it here' }),
    h('small', { 'data-testid': 'upload-limits',
      text: `MP4, WebM or MOV · vertical looks best · up to ${duration(limits.max_duration_seconds)} and ${megabytes(limits.max_upload_bytes)}` }));
  const setFiles = (files) => {
    if (!files?.length || file.disabled) return;
    const dt = new DataTransfer();
    dt.items.add(files[0]);
    file.files = dt.files;
  };
  dropzone.addEventListener('dragover', (e) => {
    e.preventDefault();
    dropzone.classList.add('dragging');
  });
  dropzone.addEventListener('dragleave', () => dropzone.classList.remove('dragging'));
  dropzone.addEventListener('drop', (e) => {
    e.preventDefault();
    dropzone.classList.remove('dragging');
    setFiles(e.dataTransfer?.files);
    choose();
  });

  const form = h('form', { class: 'upload-form', 'data-testid': 'upload-form' },
    stages, draftBox, dropzone, file, previewBox, previewNote,
    h('div', { class: 'field' }, h('div', { class: 'field-head' }, h('label', { for: 'upload-caption', text: 'Caption' }), counter), caption),
    settings.el, error, submit);
  const page = h('div', { class: 'page narrow upload', 'data-testid': 'upload-page' },
    h('h1', { text: 'Upload video' }), h('p', { class: 'muted', text: 'Post a video to your account.' }), form);

  // posting puts the progress at the top and folds the form away while the
  // video goes up, so that a phone shows it without scrolling.
  const posting = (on) => {
    page.classList.toggle('posting', on);
    file.disabled = on;
    caption.readOnly = on;
    if (on) scrollTo({ top: 0 });
  };

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = file.files[0];
    if (!f) return;
    error.hidden = true;
    submit.disabled = true;
    stages.hidden = false;
    result.replaceChildren();
    upBar.value = 0;
    procBar.value = 0;
    upText.textContent = '0%';
    procText.textContent = 'Waiting for upload';
    delete procText.dataset.status;
    posting(true);
    const { visibility, comments_enabled: comments } = settings.values();
    const at = cover?.value();
    const body = new FormData();
    body.append('caption', caption.value);
    body.append('visibility', visibility);
    body.append('comments_enabled', String(comments));
    if (at !== null && at !== undefined) body.append('cover_ms', String(at));
    body.append('file', f);
    await saveDraft({ file: f, name: f.name, type: f.type, caption: caption.value, visibility, comments_enabled: comments, cover_ms: at ?? null, saved_at: Date.now() });
    let v;
    try {
      v = await upload('/videos', body, (frac) => {
        const p = Math.round(frac * 100);
        upBar.value = p;
        upText.textContent = `${p}%`;
      });
    } catch (err) {
      // Only an interrupted upload is worth resuming; a refused file is not.
      if (err.status !== 0) dropDraft();
      failed(err.message, upBar.value === 100 ? 'Done' : 'Failed');
      return;
    }
    dropDraft();
    upBar.value = 100;
    upText.textContent = 'Done';
    try {
      await watchProcessing(v);
    } catch (err) {
      failed(err.message, 'Done');
    }
  });

  // failed shows what went wrong at the top, with the form back to fix it.
  function failed(message, upStatus) {
    error.textContent = message;
    error.hidden = false;
    upText.textContent = upStatus;
    procText.textContent = '—';
    stages.hidden = true;
    posting(false);
    submit.disabled = false;
    updateCount();
    error.scrollIntoView({ block: 'center' });
  }

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
        result.replaceChildren(h('p', { class: 'form-error', role: 'alert', 'data-testid': 'processing-error',
          text: v.failure ? `Processing failed: ${v.failure}` : 'Processing failed.' }),
        h('a', { class: 'button', href: '/upload', text: 'Try another video' }));
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

  // offerDraft offers to resume an upload that was interrupted, or to
  // discard it.
  async function offerDraft() {
    const d = await loadDraft();
    if (!d?.file || stopped) return;
    const discard = () => {
      dropDraft();
      draftBox.hidden = true;
    };
    const resume = () => {
      draftBox.hidden = true;
      setFiles([new File([d.file], d.name, { type: d.type })]);
      caption.value = d.caption || '';
      settings.set(d);
      choose(d.cover_ms);
      if (!submit.disabled) form.requestSubmit();
    };
    draftBox.replaceChildren(
      h('p', {}, h('strong', { text: 'Unfinished upload' }), h('span', { class: 'muted', text: ` ${d.name} · ${megabytes(d.file.size)}` })),
      h('div', { class: 'confirm-row' },
        h('button', { class: 'button primary', type: 'button', 'data-testid': 'draft-resume', text: 'Resume', onclick: resume }),
        h('button', { class: 'button', type: 'button', 'data-testid': 'draft-discard', text: 'Discard', onclick: discard })));
    draftBox.hidden = false;
  }

  main.replaceChildren(page);
  updateCount();
  offerDraft();
  return () => {
    stopped = true;
    if (preview) URL.revokeObjectURL(preview);
  };
}
