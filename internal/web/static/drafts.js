// The upload draft kept on the device: the file and the form, in
// IndexedDB, from the moment Post is tapped until the server has the whole
// video, so that an interrupted upload (a lost connection, a closed tab)
// can be resumed from /upload without picking the file again.
const DB = 'flick';
const STORE = 'drafts';
const KEY = 'upload';

function open() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

async function run(mode, fn) {
  const db = await open();
  try {
    return await new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, mode);
      const req = fn(tx.objectStore(STORE));
      tx.oncomplete = () => resolve(req.result);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  } finally {
    db.close();
  }
}

// Failures are quiet: without storage (private browsing, a full disk) the
// upload works as before, only without a draft.
export const saveDraft = (draft) => run('readwrite', (s) => s.put(draft, KEY)).catch(() => {});
export const loadDraft = () => run('readonly', (s) => s.get(KEY)).catch(() => undefined);
export const dropDraft = () => run('readwrite', (s) => s.delete(KEY)).catch(() => {});
