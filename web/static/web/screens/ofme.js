// Videos of me (every video that shows the person, other people's drafts included, each deletable
// in one tap, or all by one author) and notifications.

import { api } from "../api.js";
import { busy, confirmDialog, confirmThen, h, moreButton, replace, timeAgo, toast } from "../dom.js";
import { icon } from "../icons.js";
import { onStateChange, refreshUnread, setUnread, state } from "../state.js";
import { notificationLink, notificationText } from "../words.js";

const SCAN_POLL_MS = 5000; // after a scan starts, notifications are asked for this often...
const SCAN_WATCH_MS = 3 * 60 * 1000; // ...for this long (then every 30 s, as on every screen)

function tabs(current) {
  return h("nav", { class: "segmented links", "aria-label": "Of me" },
    h("a", { href: "#/of-me", "aria-current": current === "videos" ? "page" : undefined }, "Videos of me"),
    h("a", { href: "#/notifications", "aria-current": current === "notifications" ? "page" : undefined }, "Notifications"));
}

function foundHow(row) {
  if (row.source === "tagged") return "Tagged: made with your cameo";
  const similarity = row.similarity !== null && row.similarity !== undefined ? ` (${Math.round(row.similarity * 100)}% match)` : "";
  return `Found by face matching${similarity}`;
}

export async function renderVideos({ main, signal, onLeave }) {
  const list = h("ul", { class: "appearances", "aria-labelledby": "of-me-title" });
  const empty = h("div", { class: "empty", hidden: true, dataset: { empty: "" } },
    icon("shield", { size: 40 }),
    h("p", { class: "empty-title" }, "No videos show you"),
    h("p", {}, "When someone puts your cameo in a video, or we find your face in one, it appears here — drafts included."));
  const more = h("div", {});
  const scan = h("button", { type: "button", class: "btn ghost small" }, icon("search", { size: 18 }), "Scan for videos of me");
  // The scan is a task the API gives no status for: it notifies only when it finds something. So the
  // screen says what will happen, never "none found", and shows what a new notification says.
  const scanNote = h("p", { class: "muted small", role: "status", dataset: { scanNote: "" } });
  let scanFrom = null; // the newest notification's id when the scan started
  let watching = null; // the timer that asks for notifications more often while a scan may run
  scan.addEventListener("click", () => busy(scan, async () => {
    await refreshUnread({ minMs: 0 });
    const from = newestNotification();
    try {
      await api.scanForMe();
    } catch (error) {
      if (error.status !== 404) throw error;
      // No cameo: nothing to look for. Said where the button is, with the way to make one.
      replace(scanNote, "The scan looks for your cameo's face, and you have no cameo yet. ",
        h("a", { href: "#/cameo" }, "Set up your cameo"), " to find videos that show you.");
      return;
    }
    scanFrom = from;
    scanNote.textContent = "Scanning every existing video for your face. It runs in the background and can take a few "
      + "minutes: a video that shows you appears in this list, and you get a notification. You are notified only if we find one.";
    clearInterval(watching);
    const until = Date.now() + SCAN_WATCH_MS;
    watching = setInterval(() => {
      if (Date.now() > until) clearInterval(watching);
      else refreshUnread({ minMs: SCAN_POLL_MS - 500 });
    }, SCAN_POLL_MS);
  }));
  onLeave(() => clearInterval(watching));
  const deleteAll = h("button", { type: "button", class: "btn danger small", hidden: true }, icon("trash", { size: 18 }), "Delete every video of me");
  confirmThen(deleteAll, {
    title: "Delete every video that shows you?",
    body: "Every video listed here is deleted for everyone, drafts included. This cannot be undone.",
    confirmLabel: "Delete all",
  }, async () => {
    const { deleted } = await api.deleteAllAppearances();
    toast(`${deleted} ${deleted === 1 ? "video" : "videos"} deleted.`);
    // Listed again from the start: the possible matches stay (nothing of theirs was deletable).
    list.replaceChildren();
    more.replaceChildren();
    await load();
  });

  main.append(h("section", { class: "page of-me" },
    h("h1", { id: "of-me-title" }, "Videos of me"),
    tabs("videos"),
    h("p", { class: "muted" }, "Every video that shows you — tagged or found by face matching — including other people's drafts. Deleting one removes it everywhere."),
    h("div", { class: "row wrap" }, scan),
    scanNote,
    empty,
    list,
    more,
    deleteAll));

  // "Delete every video of me" only with a video to delete: a possible match shows nothing of its
  // video, and the deletion leaves it (its author decides).
  function refreshEmpty() {
    // Every row shown deleted while more pages follow: the next page, not "No videos show you" beside
    // a "More videos" button.
    const next = more.querySelector("button");
    if (!list.children.length && next) {
      next.click();
      return;
    }
    empty.hidden = list.children.length > 0;
    deleteAll.hidden = !list.querySelector("li[data-video-id]");
  }

  function removeRows(predicate) {
    for (const item of [...list.children]) if (predicate(item)) item.remove();
    refreshEmpty();
  }

  // A possible match (a face like yours, below the bar that shows a video to you): nothing of the
  // video, and nothing to delete; its author is asked to confirm or remove you.
  function possibleRow(appearance) {
    return h("li", { class: "appearance possible" },
      h("div", { class: "thumb", "aria-hidden": "true" }, icon("ofme")),
      h("div", { class: "appearance-info" },
        h("p", {}, appearance.description || "A video by someone", " ", h("span", { class: "pill" }, "Possible match")),
        h("p", { class: "muted small" },
          `A face like yours · ${timeAgo(appearance.found_at)}. Its author is asked to confirm or remove you; `,
          h("a", { href: "#/removal" }, "request removal"), " if it is you.")));
  }

  function row(appearance) {
    if (!appearance.video) return possibleRow(appearance);
    const { video } = appearance;
    const author = video.author.handle;
    const removeOne = h("button", { type: "button", class: "btn danger small", "aria-label": `Delete this video by @${author} everywhere` },
      icon("trash", { size: 18 }), "Delete");
    // One tap: it is your likeness. (The author is told that a person in it removed it.)
    removeOne.addEventListener("click", () => busy(removeOne, async () => {
      await api.deleteAppearance(video.id);
      toast(`The video by @${author} is deleted everywhere.`);
      removeRows((item) => item.dataset.videoId === String(video.id));
      list.closest("section").querySelector("h1").focus();
    }));
    const removeAuthor = h("button", { type: "button", class: "btn ghost small danger-text" }, `Delete all by @${author}`);
    removeAuthor.addEventListener("click", async () => {
      const { confirmed } = await confirmDialog({
        title: `Delete every video of you by @${author}?`,
        body: `Every video by @${author} that shows you is deleted for everyone, drafts included.`,
        confirmLabel: "Delete all",
        danger: true,
      });
      if (!confirmed) return;
      await busy(removeAuthor, async () => {
        const { deleted } = await api.deleteAppearancesBy(author);
        toast(`${deleted} ${deleted === 1 ? "video" : "videos"} by @${author} deleted.`);
        removeRows((item) => item.dataset.author === author);
      });
    });
    const poster = video.poster_url
      ? h("img", { class: "thumb", src: video.poster_url, alt: `Poster of the video by @${author}`, loading: "lazy" })
      : h("div", { class: "thumb", "aria-hidden": "true" }, icon("ofme"));
    return h("li", { class: "appearance", dataset: { videoId: video.id, author } },
      h("a", { class: "thumb-link", href: `#/v/${video.id}`, "aria-label": `Play the video by @${author}` }, poster,
        h("span", { class: "thumb-play", "aria-hidden": "true" }, icon("play", { size: 22 }))),
      h("div", { class: "appearance-info" },
        h("p", {}, h("a", { href: `#/u/${author}` }, `@${author}`),
          video.status === "published" ? null : h("span", { class: "pill warn" }, "Draft")),
        video.caption ? h("p", { class: "small" }, video.caption) : null,
        h("p", { class: "muted small" }, `${foundHow(appearance)} · ${timeAgo(appearance.found_at)}`),
        h("div", { class: "row wrap" }, removeOne, removeAuthor)));
  }

  async function load(cursor) {
    const page = await api.appearances(cursor);
    if (signal.aborted) return;
    list.append(...page.results.map(row));
    more.replaceChildren(page.next ? moreButton("More videos", () => load(page.next)) : "");
    refreshEmpty();
  }

  // A video of me found (by a scan, or an author's "It's them") while this screen is open: the list
  // is asked for again, and after a scan the note says what was found, in the notification's words.
  let seenUpTo = state.notifications ? newestNotification() : null; // null: from the first refresh on
  onLeave(onStateChange(() => {
    if (seenUpTo === null) {
      seenUpTo = newestNotification();
      return;
    }
    const found = (state.notifications || []).filter((item) => item.kind === "video_of_you_found" && item.id > seenUpTo);
    if (!found.length) return;
    seenUpTo = Math.max(...found.map((item) => item.id));
    const fromScan = scanFrom !== null ? found.find((item) => item.id > scanFrom) : null;
    if (fromScan) {
      scanNote.textContent = `${notificationText(fromScan)} See the list below.`;
      clearInterval(watching);
    }
    list.replaceChildren();
    more.replaceChildren();
    load().catch((error) => toast(error.message, "error"));
  }));
  await load();
}

/** The id of the newest notification the last refresh saw (0: none, or not asked yet). */
function newestNotification() {
  return Math.max(0, ...(state.notifications || []).map((item) => item.id));
}

export async function renderNotifications({ main, signal }) {
  const list = h("ul", { class: "notifications", "aria-labelledby": "notifications-title" });
  const empty = h("p", { class: "muted", hidden: true }, "Nothing yet. We'll tell you when someone uses your cameo or asks to.");
  const more = h("div", {});
  const toConfirm = possibleMatches(signal);
  main.append(h("section", { class: "page notifications-page" },
    h("h1", { id: "notifications-title" }, "Notifications"),
    tabs("notifications"),
    toConfirm,
    empty,
    list,
    more));

  async function load(cursor) {
    const page = await api.notifications(cursor);
    if (signal.aborted) return;
    for (const item of page.results) {
      const text = notificationText(item);
      const target = notificationLink(item);
      list.append(h("li", { class: ["notification", item.read ? "" : "unread"], dataset: { kind: item.kind } },
        item.read ? null : h("span", { class: "sr-only" }, "New: "),
        target ? h("a", { href: `#${target}` }, text) : h("span", {}, text),
        h("span", { class: "muted small" }, timeAgo(item.created_at))));
    }
    empty.hidden = list.children.length > 0;
    more.replaceChildren(page.next ? moreButton("Older", () => load(page.next)) : "");
  }
  await load();
  api.readNotifications().then(() => setUnread(0)).catch(() => {});
}

// The author's side of a possible match: a face in one of my videos may be this person's cameo. "It's
// them" shows them the video (they may delete it) and tells them; "Not them" drops it. Shown only
// when there is one to answer, above the notifications that ask for it.
function possibleMatches(signal) {
  const list = h("ul", { class: "appearances" });
  const more = h("div", {});
  const box = h("section", { class: "stack to-confirm", "aria-labelledby": "to-confirm-title", hidden: true },
    h("h2", { id: "to-confirm-title" }, "Who is in your videos?"),
    h("p", { class: "muted small" }, "A face in these videos may be someone's cameo. If it is them, they see the video and may delete it."),
    list,
    more);

  function row(match) {
    const who = `@${match.person.handle}`;
    const item = h("li", { class: "appearance possible", dataset: { matchId: match.id } });
    const decide = (confirm, label) => {
      const button = h("button", { type: "button", class: ["btn", "small", confirm ? "primary" : "ghost"] }, label);
      button.addEventListener("click", () => busy(button, async () => {
        await api.decidePossibleMatch(match.id, confirm);
        toast(confirm ? `${who} can now see the video and delete it.` : `${who} is not shown in the video.`);
        item.remove();
        box.hidden = list.children.length === 0 && !more.querySelector("button");
      }));
      return button;
    };
    // The video's poster tells the author which of their videos is meant (none while it is hidden).
    const poster = match.poster_url
      ? h("img", { class: "thumb", src: match.poster_url, alt: "Poster of your video", loading: "lazy" })
      : h("div", { class: "thumb", "aria-hidden": "true" }, icon("ofme"));
    item.append(
      h("a", { class: "thumb-link", href: `#/v/${match.video_id}`, "aria-label": "Watch your video" }, poster,
        h("span", { class: "thumb-play", "aria-hidden": "true" }, icon("play", { size: 22 }))),
      h("div", { class: "appearance-info" },
        h("p", {}, "Is this ", h("a", { href: `#/u/${match.person.handle}` }, who), " in ",
          h("a", { href: `#/v/${match.video_id}` }, "your video"), "?"),
        h("p", { class: "muted small" }, `A face like theirs · ${timeAgo(match.found_at)}`),
        h("div", { class: "row wrap" }, decide(true, "It's them"), decide(false, "Not them"))));
    return item;
  }

  async function load(cursor) {
    const page = await api.possibleMatches(cursor);
    if (signal.aborted) return;
    list.append(...page.results.map(row));
    more.replaceChildren(page.next ? moreButton("More to confirm", () => load(page.next)) : "");
    box.hidden = list.children.length === 0;
  }
  // The notifications show even when this list fails to load; the failure is said in the box.
  load().catch((error) => {
    if (error.name === "AbortError" || error.status === 401) return;
    box.hidden = false;
    list.replaceChildren(h("li", { class: "muted", role: "alert" }, error.message));
  });
  return box;
}
