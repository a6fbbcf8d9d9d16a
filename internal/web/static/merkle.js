// The access log's cryptography, checked in the browser with WebCrypto so that
// an auditor need not trust the server: RFC 6962 Merkle tree hashes and
// inclusion proofs, and the Ed25519 signature of a checkpoint note
// (golang.org/x/mod/sumdb/note, C2SP signed-note).

const enc = new TextEncoder();

export function fromBase64(s) {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export function toBase64(bytes) {
  return btoa(String.fromCharCode(...bytes));
}

export function equalBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

async function sha256(...parts) {
  const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    buf.set(p, off);
    off += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

const LEAF = Uint8Array.of(0);
const NODE = Uint8Array.of(1);

// leafHash is SHA-256(0x00 || record).
export const leafHash = (record) => sha256(LEAF, record);
const nodeHash = (left, right) => sha256(NODE, left, right);

// treeHash is the RFC 6962 Merkle tree hash over leaf hashes: a tree of n > 1
// leaves splits at the largest power of two smaller than n.
export async function treeHash(leaves) {
  if (!leaves.length) return sha256();
  const sub = async (lo, hi) => {
    if (hi - lo === 1) return leaves[lo];
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return nodeHash(await sub(lo, lo + k), await sub(lo + k, hi));
  };
  return sub(0, leaves.length);
}

// inclusionRoot recomputes the root of a tree of size from the leaf hash at
// index and its audit path (RFC 9162 §2.1.3.2); null when the path does not
// fit the tree.
export async function inclusionRoot(leaf, index, size, path) {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

// openNote checks a signed note against a verifier key
// ("name+hash+base64(0x01 || Ed25519 public key)") and returns its text.
// It throws when the key is malformed, no signature of that key is on the
// note, or the signature is wrong; an Error with code 'unsupported' when the
// browser lacks Ed25519.
export async function openNote(note, verifierKey) {
  // The base64 key may itself hold '+': only the first two separate.
  const [, name, hash, key64] = /^([^+]+)\+([0-9a-f]{8})\+(.+)$/.exec(verifierKey) || [];
  const key = key64 ? fromBase64(key64) : new Uint8Array();
  if (key.length !== 33 || key[0] !== 1) {
    throw new Error('The verifier key is malformed.');
  }
  const id = (await sha256(enc.encode(`${name}\n`), key)).slice(0, 4);
  if (toHex(id) !== hash) throw new Error('The verifier key’s hash does not match its key.');
  const split = note.lastIndexOf('\n\n');
  if (split < 0 || !note.endsWith('\n')) throw new Error('The note is malformed.');
  const text = note.slice(0, split + 1);
  const sig = note.slice(split + 2, -1).split('\n')
    .filter((line) => line.startsWith(`\u2014 ${name} `))
    .map((line) => fromBase64(line.slice(name.length + 3)))
    .find((s) => s.length === 68 && equalBytes(s.slice(0, 4), id));
  if (!sig) throw new Error(`The note carries no signature by ${name}.`);
  let pub;
  try {
    pub = await crypto.subtle.importKey('raw', key.slice(1), { name: 'Ed25519' }, false, ['verify']);
  } catch {
    throw Object.assign(new Error('This browser cannot check Ed25519 signatures.'), { code: 'unsupported' });
  }
  if (!await crypto.subtle.verify({ name: 'Ed25519' }, pub, sig.slice(4), enc.encode(text))) {
    throw new Error('The signature on the checkpoint is not valid.');
  }
  return text;
}

function toHex(bytes) {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}
