// The auditor's view of the access log: the newest signed checkpoint, every
// entry, and checks run in the browser — the checkpoint's Ed25519 signature,
// and the RFC 6962 tree hash of all entries against the signed root — so that
// an auditor relies on the maths rather than on the server.
import { api } from './api.js';
import { limits } from './boot.js';
import { copyText, h } from './dom.js';
import { equalBytes, fromBase64, inclusionRoot, leafHash, openNote, toBase64, treeHash } from './merkle.js';
import { when } from './privacy.js';
import { currentUser } from './session.js';
import { emptyState, errorBox, loginHref, spinner, toast } from './ui.js';

const PINNED_KEY = 'flick.audit.verifierKey'; // the verifier key this browser saw first
const SHOW_PAGE = 50;
const decoder = new TextDecoder();

export function auditPage(main) {
  const me = currentUser();
  if (!me || !me.roles?.includes('auditor')) {
    main.replaceChildren(h('div', { class: 'page narrow' }, me
      ? emptyState('This page is for auditors', 'The operator of this Flick grants the auditor role.')
      : emptyState('Log in to audit the access log', null, { href: loginHref(), text: 'Log in' })));
    return null;
  }
  let gone = false;
  const status = h('div', {}, spinner('Loading the checkpoint'));
  const page = h('div', { class: 'page audit', 'data-testid': 'audit-page' },
    h('h1', { text: 'Access log audit' }),
    h('p', { class: 'muted', text: 'Every access to someone’s data is appended to this log, which is an RFC 6962 Merkle tree. Your browser fetches every entry, hashes them itself and checks the result against the root in the operator’s signed checkpoint. Save the checkpoint note: a later one must extend it.' }),
    status);
  main.replaceChildren(page);
  audit(page, status, () => gone).catch((err) => status.replaceChildren(errorBox(err.message)));
  return () => { gone = true; };
}

async function audit(page, status, gone) {
  const cp = await api('GET', '/audit/checkpoint');
  if (gone()) return;
  const sigCheck = h('li', { class: 'check pending', 'data-testid': 'audit-signature', text: 'Checking the signature…' });
  const treeCheck = h('li', { class: 'check pending', 'data-testid': 'audit-verify', text: `Checking ${cp.size} entries against the signed root…` });
  status.replaceChildren(checkpointCard(cp), h('ul', { class: 'checks', 'aria-live': 'polite' }, sigCheck, treeCheck));

  const signed = await checkSignature(cp, sigCheck);
  const records = [];
  // In pages of the most entries the API returns at once.
  for (let start = 0; start < cp.size; start += limits.max_access_page) {
    const end = Math.min(start + limits.max_access_page, cp.size);
    const { entries = [] } = await api('GET', `/audit/entries?start=${start}&end=${end}`);
    if (gone()) return;
    for (const e of entries) {
      if (e.index !== records.length) throw new Error(`The server sent entry ${e.index} where entry ${records.length} belongs.`);
      records.push(fromBase64(e.record));
    }
    if (records.length !== end) throw new Error(`The server sent ${records.length} entries, but the checkpoint has ${cp.size}.`);
    treeCheck.textContent = `Fetched ${records.length} of ${cp.size} entries…`;
  }
  const leaves = await Promise.all(records.map(leafHash));
  const root = await treeHash(leaves);
  if (gone()) return;
  const ok = equalBytes(root, signed.root) && signed.size === records.length;
  treeCheck.className = `check ${ok ? 'ok' : 'bad'}`;
  treeCheck.textContent = ok
    ? `Verified: ${records.length} entries match the signed root.`
    : `Mismatch: the ${records.length} entries hash to ${toBase64(root)}, but the signed root of ${signed.size} entries is ${toBase64(signed.root)}.`;
  treeCheck.dataset.result = ok ? 'verified' : 'mismatch';
  page.append(entriesTable(records, leaves, cp.size, signed.root));
}

function checkpointCard(cp) {
  const note = h('pre', { class: 'note', 'data-testid': 'audit-note', text: cp.note });
  return h('section', { class: 'card', 'data-testid': 'audit-checkpoint' }, h('h2', { text: 'Signed checkpoint' }),
    h('dl', { class: 'facts' },
      h('dt', { text: 'Entries' }), h('dd', { 'data-testid': 'audit-size', text: String(cp.size) }),
      h('dt', { text: 'Root' }), h('dd', {}, h('code', { text: cp.root })),
      h('dt', { text: 'Verifier key' }), h('dd', {}, h('code', { text: cp.verifier_key }))),
    note,
    h('button', { class: 'button', type: 'button', 'data-testid': 'audit-copy', text: 'Copy the note', onclick: async () => {
      toast(await copyText(cp.note) ? 'Checkpoint note copied.' : 'Couldn’t copy: select the note and copy it.');
    } }));
}

// checkSignature checks the note's signature and that it signs the size and
// root the server reported; it returns what the note states (the note's text
// is read even when this browser cannot check Ed25519, which it says).
async function checkSignature(cp, li) {
  const body = cp.note.slice(0, cp.note.lastIndexOf('\n\n') + 1);
  let text = body;
  let state = 'ok';
  let message = `Signature valid: the note is signed with the verifier key ${cp.verifier_key.split('+')[0]}. Check that it is the key the operator published.`;
  try {
    text = await openNote(cp.note, cp.verifier_key);
  } catch (err) {
    state = err.code === 'unsupported' ? 'warn' : 'bad';
    message = err.code === 'unsupported' ? `Signature not checked: ${err.message}` : `Signature invalid: ${err.message}`;
  }
  const [, size, root] = text.split('\n');
  const signed = { size: Number(size), root: root ? fromBase64(root) : new Uint8Array() };
  if (signed.size !== cp.size || root !== cp.root) {
    state = 'bad';
    message = `The signed note states ${size} entries with root ${root}, not what the server reported.`;
  }
  let trust = null;
  if (state === 'ok') {
    const pinned = readPin();
    if (!pinned) {
      writePin(cp.verifier_key);
      message += ' This browser now remembers the key, and will warn if the log is ever signed with another.';
    } else if (pinned !== cp.verifier_key) {
      state = 'bad';
      message = `The log is signed with the verifier key ${cp.verifier_key}, not the one this browser saw before (${pinned}). Someone who can write the operator’s files may have rewritten the log and signed it again: ask the operator why before you trust it.`;
      trust = h('button', { class: 'button', type: 'button', 'data-testid': 'audit-trust-key', text: 'Trust the new key', onclick: () => {
        writePin(cp.verifier_key);
        li.className = 'check ok';
        li.textContent = `This browser now trusts the verifier key ${cp.verifier_key}, and will warn if it changes again.`;
      } });
    }
  }
  li.className = `check ${state}`;
  li.textContent = message;
  if (trust) li.append(' ', trust);
  return signed;
}

// readPin and writePin keep the verifier key in this browser (trust on
// first use); storage may be unavailable, as in some private windows.
function readPin() {
  try {
    return window.localStorage.getItem(PINNED_KEY);
  } catch {
    return null;
  }
}

function writePin(key) {
  try {
    window.localStorage.setItem(PINNED_KEY, key);
  } catch {
    // Not remembered: the page still shows the key to compare by hand.
  }
}

// entriesTable shows the entries as their hashed records say, newest first,
// each with a check of its inclusion proof against the signed root.
function entriesTable(records, leaves, size, root) {
  const body = h('tbody');
  const more = h('button', { class: 'button load-more', type: 'button', 'data-testid': 'audit-more', text: 'Show older entries' });
  let next = records.length - 1;
  const show = () => {
    const stop = Math.max(next - SHOW_PAGE, -1);
    for (; next > stop; next--) body.append(entryRow(next, records[next], leaves[next], size, root));
    more.hidden = next < 0;
  };
  more.addEventListener('click', show);
  show();
  if (!records.length) return h('section', {}, emptyState('The log is empty', 'No one’s data has been accessed yet.'));
  return h('section', { class: 'audit-entries' }, h('h2', { text: 'Entries' }),
    h('div', { class: 'table-wrap' }, h('table', { class: 'log-table', 'data-testid': 'audit-table' },
      h('thead', {}, h('tr', {}, ['#', 'When', 'Who', 'What', 'Whose data', 'Why', 'Proof'].map((c) => h('th', { scope: 'col', text: c })))), body)),
    more);
}

function entryRow(index, record, leaf, size, root) {
  let e;
  try {
    e = JSON.parse(decoder.decode(record));
  } catch {
    e = null;
  }
  const result = h('span', { class: 'proof-result', 'data-testid': 'inclusion-result' });
  const check = h('button', { class: 'link-button', type: 'button', 'data-testid': 'inclusion-check', text: 'Check inclusion', onclick: async () => {
    check.disabled = true;
    try {
      const p = await api('GET', `/audit/proof/inclusion?index=${index}&size=${size}`);
      const got = p.leaf_hash === toBase64(leaf) ? await inclusionRoot(leaf, index, size, p.hashes.map(fromBase64)) : null;
      const ok = got !== null && equalBytes(got, root);
      result.className = `proof-result ${ok ? 'ok' : 'bad'}`;
      result.textContent = ok ? '✓ in the signed tree' : '✗ not in the signed tree';
      check.hidden = true;
    } catch (err) {
      result.className = 'proof-result bad';
      result.textContent = err.message;
      check.disabled = false;
    }
  } });
  if (!e) return h('tr', { 'data-testid': 'audit-entry' }, h('td', { text: String(index) }), h('td', { colspan: 5, text: decoder.decode(record) }), h('td', {}, check, result));
  return h('tr', { 'data-testid': 'audit-entry' },
    h('td', { text: String(index) }),
    h('td', {}, when(e.time)),
    h('td', {}, h('strong', { text: e.actor_role }), h('code', { class: 'actor', text: e.actor })),
    h('td', {}, h('code', { class: 'action', text: e.action }), e.detail ? h('small', { class: 'muted detail', text: e.detail }) : null),
    h('td', {}, h('code', { text: e.account_id }), h('small', { class: 'muted detail', text: `region ${e.region}` })),
    h('td', { class: 'reason', text: e.reason }),
    h('td', {}, check, result));
}
