// The colour theme: the system's (the default), or light or dark as chosen
// in Settings → Appearance, kept on this device. app.css reads
// <html data-theme>; without it the system decides.
const KEY = 'flick.theme';
export const THEMES = [['system', 'System'], ['light', 'Light'], ['dark', 'Dark']];

export function theme() {
  try {
    const t = localStorage.getItem(KEY);
    return THEMES.some(([name]) => name === t) ? t : 'system';
  } catch {
    return 'system'; // storage blocked: the system's theme
  }
}

export function setTheme(t) {
  try {
    if (t === 'system') localStorage.removeItem(KEY);
    else localStorage.setItem(KEY, t);
  } catch { /* the choice lasts this page only */ }
  apply(t);
}

function apply(t) {
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

apply(theme());
