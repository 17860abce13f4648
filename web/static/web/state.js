// What every screen may need: the signed-in person, and a few things cached for the session.

import { api } from "./api.js";

export const state = {
  me: null, // GET /me
  unread: 0, // unread notifications, for the tab bar's badge
};

const listeners = new Set();

export function onStateChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

function changed() {
  listeners.forEach((fn) => fn(state));
}

export async function loadMe() {
  state.me = await api.me();
  changed();
  return state.me;
}

export function forgetMe() {
  state.me = null;
  state.unread = 0;
  changed();
}

let lastUnreadCheck = 0;

/** Refresh the unread count (at most every `minMs`). */
export async function refreshUnread({ minMs = 10000 } = {}) {
  if (!state.me || Date.now() - lastUnreadCheck < minMs) return;
  lastUnreadCheck = Date.now();
  try {
    const page = await api.notifications();
    state.unread = page.results.filter((item) => !item.read).length;
    changed();
  } catch {
    // The badge is a hint; a failed refresh leaves the last count.
  }
}

export function setUnread(n) {
  state.unread = n;
  lastUnreadCheck = Date.now();
  changed();
}
