// Handles as the server reads them: flick.NormalizeHandle, then the rule of
// flick.ValidateHandle, whose pattern and length bounds come in the boot data.
import { limits } from './boot.js';

const pattern = new RegExp(limits.handle_pattern);

export const normalizeHandle = (s) => s.trim().replace(/^@/, '').toLowerCase();

export const validHandle = (handle) =>
  handle.length >= limits.min_handle_len && handle.length <= limits.max_handle_len && pattern.test(handle);

export const handleRule = `A handle has ${limits.min_handle_len}–${limits.max_handle_len} characters (a–z, 0–9, _ and .), starts with a letter or digit, and has no dot at the end or next to another.`;
