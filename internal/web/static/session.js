// The signed-in account, shared by every view. Views subscribe to changes so
// that logging in or out updates the navigation and cached feeds.
import { api } from './api.js';

let me = null;
const listeners = new Set();

export const currentUser = () => me;

export function setCurrentUser(account) {
  me = account || null;
  for (const fn of listeners) fn(me);
}

export function onUserChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

// loadCurrentUser asks the API only when the page says the browser holds a
// session cookie (the cookie itself is out of the scripts' reach): a
// signed-out visit makes no request that would answer 401.
export async function loadCurrentUser() {
  if (!document.body.hasAttribute('data-session')) {
    setCurrentUser(null);
    return me;
  }
  try {
    const data = await api('GET', '/me');
    setCurrentUser(data?.account || data);
  } catch {
    setCurrentUser(null);
  }
  return me;
}

export async function logOut() {
  try {
    await api('DELETE', '/sessions/current');
  } finally {
    setCurrentUser(null);
  }
}
