// What every screen may need: the signed-in person, and a few things cached for the session.

import { api } from "./api.js";

export const state = {
  me: null, // GET /me
  unread: 0, // unread notifications, for the tab bar's badge
  notifications: null, // the newest page of notifications, as the last refresh saw it
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

let lastUnreadCheck = 0;

export function forgetMe() {
  state.me = null;
  state.unread = 0;
  state.notifications = null;
  lastUnreadCheck = 0; // the next person's count is asked for at once, not in up to 10 s
  changed();
}

/** Refresh the unread count (at most every `minMs`). */
export async function refreshUnread({ minMs = 10000 } = {}) {
  if (!state.me || Date.now() - lastUnreadCheck < minMs) return;
  lastUnreadCheck = Date.now();
  try {
    const page = await api.notifications();
    state.notifications = page.results;
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

// --- the feed's sound ------------------------------------------------------------------------------
// Videos start muted (browsers only autoplay muted videos). After the person's first tap on a video
// in this page, the visible one plays with sound, unless they muted the feed: that choice is kept
// in localStorage, for every card and across reloads.

const SOUND_KEY = "castfeed.sound";
const soundListeners = new Set();
let soundUnlocked = false; // a tap happened in this page: browsers now allow sound
let soundChoice = null; // "on" / "off" where localStorage is unavailable

function soundWanted() {
  try {
    return (localStorage.getItem(SOUND_KEY) ?? soundChoice) !== "off";
  } catch {
    return soundChoice !== "off";
  }
}

/** Whether the visible video plays with sound now. */
export function soundOn() {
  return soundUnlocked && soundWanted();
}

/** Whether sound has been allowed in this page by a tap. */
export function soundAllowed() {
  return soundUnlocked;
}

/** The person tapped: sound may play (with `on`, also their choice, kept for next time). */
export function allowSound({ on } = {}) {
  const before = soundOn();
  soundUnlocked = true;
  if (on !== undefined) {
    soundChoice = on ? "on" : "off";
    try {
      localStorage.setItem(SOUND_KEY, on ? "on" : "off");
    } catch {
      // Private mode without storage: the choice holds for this page only.
    }
  }
  if (soundOn() !== before || on !== undefined) soundListeners.forEach((fn) => fn(soundOn()));
}

export function onSoundChange(fn) {
  soundListeners.add(fn);
  return () => soundListeners.delete(fn);
}
