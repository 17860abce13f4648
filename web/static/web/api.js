// The castfeed HTTP API (shared/API.md): fetch with the Bearer token, and one error shape.
//
// Every call resolves with the parsed JSON body (null for 204) or rejects with an ApiError that
// carries the server's `{error, detail, ...}` body. A 401 on a signed-in call ends the session.

const ROOT = document.getElementById("app")?.dataset.apiRoot || "/api/v1";
const TOKEN_KEY = "castfeed.token";

/** "Try again in 2 minutes.": a 429's Retry-After (seconds) in words. */
export function waitWords(seconds) {
  if (seconds < 60) return `Try again in ${seconds} ${seconds === 1 ? "second" : "seconds"}.`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `Try again in ${minutes === 1 ? "a minute" : `${minutes} minutes`}.`;
  return `Try again in ${Math.ceil(minutes / 60)} hours.`;
}

export class ApiError extends Error {
  constructor(status, body, headers) {
    const retryAfter = Number(headers?.get?.("Retry-After")) || null;
    const detail = body?.detail || "Something went wrong. Try again.";
    // Over a limit: the server's reason ("Too many requests.") and when the person may try again.
    super(status === 429 && retryAfter ? `${detail} ${waitWords(retryAfter)}` : detail);
    this.name = "ApiError";
    this.status = status;
    this.code = body?.error || (status === 0 ? "network" : "error");
    this.body = body || {};
    this.retryAfter = retryAfter;
  }

  /** Validation messages by field name: {handle: ["…"], …}. */
  get fields() {
    return this.body.fields || {};
  }
}

const listeners = new Set();

// Every tab of this origin shares the stored token, but each tab's screens were made for one
// person: `current`, the sign-in this tab shows. When another tab changes the stored one (signs
// out, or signs in as someone else), this tab follows (session.sync) and never sends one person's
// token from screens made for another.
const stored = () => localStorage.getItem(TOKEN_KEY);
let current = stored();

export const session = {
  get token() {
    return current;
  },
  get signedIn() {
    return Boolean(current);
  },
  start(token) {
    localStorage.setItem(TOKEN_KEY, token);
    current = token;
    listeners.forEach((fn) => fn("signed-in"));
  },
  end(reason = "signed-out") {
    // Only this tab's own sign-in: one another tab made since is not this tab's to end.
    if (stored() === current) localStorage.removeItem(TOKEN_KEY);
    current = null;
    listeners.forEach((fn) => fn(reason));
  },
  /**
   * Catch up with the stored sign-in, which another tab may have changed: "expired" (signed out
   * there) or "switched" (signed in there, as someone else or while this tab showed no one), told to
   * the listeners too; null when it is still this tab's.
   */
  sync() {
    const now = stored();
    if (now === current) return null;
    current = now;
    const reason = now ? "switched" : "expired";
    listeners.forEach((fn) => fn(reason));
    return reason;
  },
  onChange(fn) {
    listeners.add(fn);
    return () => listeners.delete(fn);
  },
};

window.addEventListener("storage", (event) => {
  if (event.key === TOKEN_KEY || event.key === null) session.sync(); // null: the storage was cleared
});

const signInChanged = () => new DOMException("The sign-in changed in another tab.", "AbortError");

/**
 * The token a call is sent with: this tab's own. If another tab changed the stored one and this tab
 * has not heard yet, nothing is sent (an AbortError, as for a screen left): the tab catches up first.
 */
function tokenToSend() {
  if (current && stored() !== current) {
    setTimeout(() => session.sync());
    throw signInChanged();
  }
  return current;
}

async function readBody(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    // Not the API's answer (a proxy's error page, most often while the service restarts).
    return { error: "bad_response", detail: "castfeed is not answering properly right now. Try again in a moment." };
  }
}

// A path segment that is "." or "..", encoded or not, is resolved away by the URL parser
// (/videos/../me is /me): no id or handle is one, so such a path is not sent at all.
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/** The URL of an API path whose data-made segments are already encoded (`enc`). */
function apiUrl(path) {
  if (DOT_SEGMENT.test(path)) throw new ApiError(404, { error: "not_found", detail: "Not found." });
  return new URL(ROOT + path, location.origin);
}

function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * One API call. `json` is sent as a JSON body, `form` (FormData) as multipart; `query` adds
 * search parameters (null and "" are left out). `anonymous` sends no token even when signed in (the
 * call needs none, and what it makes must not be tied to the account).
 */
export async function request(method, path, { json, form, query, headers = {}, signal, anonymous = false } = {}) {
  const url = apiUrl(path);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(key, value);
  }
  const init = { method, headers: { Accept: "application/json", ...headers }, signal, credentials: "omit" };
  const token = anonymous ? null : tokenToSend();
  if (token) init.headers.Authorization = `Bearer ${token}`;
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form) {
    init.body = form;
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new ApiError(0, { error: "network", detail: "We can't reach castfeed. Check your connection and try again." });
  }
  const body = response.status === 204 ? null : await readBody(response);
  // Answered for the person this tab showed before another tab changed the sign-in: not for the
  // screens of the one it shows now.
  if (token && token !== current) throw signInChanged();
  if (!response.ok) {
    if (response.status === 401 && token) session.end("expired");
    throw new ApiError(response.status, body, response.headers);
  }
  return body;
}

// Every path segment that comes from data (ids, handles, tracking numbers) goes through enc, so a
// "/", "?" or "#" in it stays inside it; query values go through URLSearchParams (`query`).
const enc = (value) => encodeURIComponent(String(value));
const put = (on) => (on ? "PUT" : "DELETE");
const page = (cursor, limit) => ({ cursor, limit });

export const api = {
  // accounts
  register: (data) => request("POST", "/auth/register", { json: data }),
  signIn: (handle, password) => request("POST", "/auth/token", { json: { handle, password } }),
  signOut: () => request("DELETE", "/auth/token"),
  me: () => request("GET", "/me"),
  updateMe: (data) => request("PATCH", "/me", { json: data }),
  deleteMe: ({ deleteVideos = false } = {}) =>
    request("DELETE", "/me", { query: { appearances: deleteVideos ? "delete" : "keep" } }),
  exportMe: () => request("GET", "/me/export"),
  myBlocks: (cursor) => request("GET", "/me/blocks", { query: page(cursor) }),
  user: (handle) => request("GET", `/users/${enc(handle)}`),
  follow: (handle, on = true) => request(put(on), `/users/${enc(handle)}/follow`),
  block: (handle, on = true, { deleteVideos = false } = {}) =>
    request(put(on), `/users/${enc(handle)}/block`, { query: on ? { videos: deleteVideos ? "delete" : "keep" } : {} }),
  followers: (handle, cursor, limit) => request("GET", `/users/${enc(handle)}/followers`, { query: page(cursor, limit) }),
  following: (handle, cursor, limit) => request("GET", `/users/${enc(handle)}/following`, { query: page(cursor, limit) }),
  notifications: (cursor) => request("GET", "/notifications", { query: page(cursor) }),
  readNotifications: () => request("POST", "/notifications/read"),

  // feed and videos
  feed: (kind, cursor) => request("GET", kind === "following" ? "/feed/following" : "/feed", { query: page(cursor) }),
  userVideos: (handle, cursor) => request("GET", `/users/${enc(handle)}/videos`, { query: page(cursor) }),
  video: (id) => request("GET", `/videos/${enc(id)}`),
  deleteVideo: (id) => request("DELETE", `/videos/${enc(id)}`),
  like: (id, on = true) => request(put(on), `/videos/${enc(id)}/like`),
  comments: (id, cursor) => request("GET", `/videos/${enc(id)}/comments`, { query: page(cursor) }),
  comment: (id, text) => request("POST", `/videos/${enc(id)}/comments`, { json: { text } }),
  deleteComment: (id) => request("DELETE", `/comments/${enc(id)}`),
  view: (id, watchedMs, completed) =>
    request("POST", `/videos/${enc(id)}/views`, { json: { watched_ms: Math.round(watchedMs), completed } }),
  report: (id, reason, detail) => request("POST", `/videos/${enc(id)}/report`, { json: { reason, detail } }),

  // search, trending and steering the feed
  search: (q, type, cursor, { signal } = {}) => request("GET", "/search", { query: { q, type, cursor }, signal }),
  trending: ({ signal } = {}) => request("GET", "/trending", { signal }),
  steer: ({ signal } = {}) => request("GET", "/feed/steer", { signal }),
  setSteer: (text) => request("PUT", "/feed/steer", { json: { text } }),
  clearSteer: () => request("DELETE", "/feed/steer"),

  // cameos
  challenge: () => request("POST", "/cameo/challenges"),
  enroll: (video, challengeId, filename) => {
    const form = new FormData();
    form.append("video", video, filename);
    form.append("challenge", challengeId);
    return request("POST", "/cameo", { form });
  },
  cameo: () => request("GET", "/cameo"),
  updateCameo: (data) => request("PATCH", "/cameo", { json: data }),
  deleteCameo: ({ deleteVideos = false } = {}) =>
    request("DELETE", "/cameo", { query: { appearances: deleteVideos ? "delete" : "keep" } }),
  cameoAccess: (handle, { signal } = {}) => request("GET", `/cameos/${enc(handle)}`, { signal }),
  requestCameo: (handle) => request("POST", `/cameos/${enc(handle)}/requests`),
  cameoRequests: (cursor) => request("GET", "/cameo/requests", { query: page(cursor) }),
  decideRequest: (id, approve) => request("POST", `/cameo/requests/${enc(id)}/${approve ? "approve" : "deny"}`),
  grants: (cursor) => request("GET", "/cameo/grants", { query: page(cursor) }),
  revokeGrant: (id, { deleteVideos = false } = {}) =>
    request("DELETE", `/cameo/grants/${enc(id)}`, { query: { videos: deleteVideos ? "delete" : "keep" } }),
  appearances: (cursor) => request("GET", "/cameo/appearances", { query: page(cursor) }),
  deleteAppearance: (videoId) => request("DELETE", `/cameo/appearances/${enc(videoId)}`),
  deleteAppearancesBy: (handle) => request("DELETE", "/cameo/appearances", { query: { author: handle } }),
  deleteAllAppearances: () => request("DELETE", "/cameo/appearances", { query: { all: "true" } }),
  scanForMe: () => request("POST", "/cameo/scan"),
  possibleMatches: (cursor) => request("GET", "/cameo/possible-matches", { query: page(cursor) }),
  decidePossibleMatch: (id, confirm) =>
    request("POST", `/cameo/possible-matches/${enc(id)}/${confirm ? "confirm" : "remove"}`),

  // consent and generation
  consentCheck: (prompt, remixOf, { signal } = {}) =>
    request("POST", "/consent/check", { json: remixOf ? { prompt, remix_of: remixOf } : { prompt }, signal }),
  generate: ({ prompt, durationS, aspect, remixOf, image }) => {
    const headers = { "Idempotency-Key": idempotencyKey() };
    if (image) {
      const form = new FormData();
      form.append("prompt", prompt);
      form.append("duration_s", String(durationS));
      form.append("aspect", aspect);
      if (remixOf) form.append("remix_of", String(remixOf));
      form.append("image", image, image.name || "image");
      return request("POST", "/generations", { form, headers });
    }
    const json = { prompt, duration_s: durationS, aspect };
    if (remixOf) json.remix_of = remixOf;
    return request("POST", "/generations", { json, headers });
  },
  jobs: (cursor) => request("GET", "/generations", { query: page(cursor) }),
  job: (id, { signal } = {}) => request("GET", `/generations/${enc(id)}`, { signal }),
  cancelJob: (id) => request("POST", `/generations/${enc(id)}/cancel`),
  publish: (id, caption) => request("POST", `/generations/${enc(id)}/publish`, { json: { caption } }),

  // takedown requests: no account, and never the token (a request belongs to its tracking number only)
  takedownChallenge: () => request("POST", "/takedowns/challenges", { anonymous: true }),
  takedown: ({ video, filename, challengeId, email, videos = [] }) => {
    const form = new FormData();
    form.append("video", video, filename);
    form.append("challenge", challengeId);
    form.append("email", email);
    for (const item of videos) form.append("videos", item);
    return request("POST", "/takedowns", { form, anonymous: true });
  },
  takedownStatus: (tracking, { signal } = {}) =>
    request("GET", `/takedowns/${enc(tracking)}`, { signal, anonymous: true }),
};
