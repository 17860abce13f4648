// One full-height video with its author, caption and actions (like, comment, remix, report):
// the feed's slides and the single video screen are made of these.

import { api, session } from "../api.js";
import { busy, confirmDialog, count, h, replace, srOnly, toast } from "../dom.js";
import { icon } from "../icons.js";
import { allowSound, onSoundChange, soundAllowed, soundOn } from "../state.js";
import { openComments } from "./comments.js";
import { openReport } from "./report.js";

function describe(video) {
  const parts = [`Generated video by @${video.author.handle}`];
  if (video.caption) parts.push(`: ${video.caption}`);
  if (video.cameos?.length) parts.push(`. With ${video.cameos.map((c) => `@${c}`).join(", ")}`);
  return parts.join("");
}

function actionButton(name, label, text, props = {}) {
  return h("button", { type: "button", class: "action", "aria-label": label, ...props },
    icon(name, { size: 28 }), h("span", { class: "action-count", "aria-hidden": "true" }, text));
}

/**
 * Build a slide for `video`. Returns {el, activate, deactivate, dispose}: the feed activates the
 * slide that is on screen (plays it, looped; muted until the person's first tap, then with sound
 * unless they muted the feed) and deactivates the others (pauses and mutes them).
 */
export function videoCard(video, { me, position, onDeleted } = {}) {
  const player = h("video", {
    class: "slide-video",
    muted: true,
    loop: true,
    playsinline: true,
    preload: "none",
    poster: video.poster_url || undefined,
    "aria-label": describe(video),
    dataset: { videoId: video.id },
  });
  if (video.height > video.width) player.classList.add("portrait"); // fills a phone screen; others letterbox
  player.muted = true;
  player.defaultMuted = true;
  player.setAttribute("muted", "");
  player.setAttribute("playsinline", "");
  if (video.media_url) player.dataset.src = video.media_url;

  const toggle = h("button", { type: "button", class: "play-toggle", "aria-label": "Pause video" },
    h("span", { class: "play-glyph", "aria-hidden": "true" }, icon("play", { size: 56 })));
  toggle.addEventListener("click", () => (player.paused ? play() : player.pause()));
  player.addEventListener("play", () => {
    toggle.setAttribute("aria-label", "Pause video");
    toggle.classList.remove("paused");
  });
  player.addEventListener("pause", () => {
    toggle.setAttribute("aria-label", "Play video");
    toggle.classList.add("paused");
  });

  // Sound: one choice for the whole feed (state.js); only the active slide is ever unmuted.
  let isActive = false;
  const soundButton = h("button", { type: "button", class: "action sound-toggle" },
    h("span", { class: "sound-glyph", "aria-hidden": "true" }),
    h("span", { class: "action-count", "aria-hidden": "true" }));
  const paintSound = (on) => {
    soundButton.setAttribute("aria-label", on ? "Mute" : "Unmute");
    soundButton.setAttribute("aria-pressed", String(!on)); // pressed: the feed is muted
    replace(soundButton.firstElementChild, icon(on ? "sound" : "muted", { size: 28 }));
    soundButton.lastElementChild.textContent = on ? "Sound" : "Muted";
    if (isActive) player.muted = !on;
    else player.muted = true;
  };
  paintSound(soundOn());
  const stopListening = onSoundChange(paintSound);
  soundButton.addEventListener("click", () => allowSound({ on: !soundOn() }));
  // The first tap anywhere on a slide lets sound play; a first tap on the video itself only turns
  // the sound on (it does not also pause), as on phones. Keys (space pauses) leave the sound alone:
  // from the keyboard, the Unmute button turns it on.
  const firstTap = (event) => {
    if (soundAllowed() || event.detail === 0 || event.target.closest(".sound-toggle")) return;
    allowSound();
    if (soundOn() && event.target.closest(".play-toggle") && !player.paused) {
      event.preventDefault();
      event.stopPropagation();
    }
  };

  // Watch time: counted while on screen and playing; reported when the slide leaves the screen.
  let watchedMs = 0;
  let playingSince = null;
  let completed = false;
  let lastTime = 0;
  player.addEventListener("playing", () => {
    playingSince = performance.now();
  });
  player.addEventListener("pause", () => {
    if (playingSince !== null) watchedMs += performance.now() - playingSince;
    playingSince = null;
  });
  player.addEventListener("timeupdate", () => {
    if (player.currentTime + 0.25 < lastTime) completed = true; // it looped: watched to the end
    lastTime = player.currentTime;
  });

  let liked = Boolean(video.liked);
  let likes = video.counts?.likes || 0;
  const likeButton = actionButton("heart", "", count(likes), { "aria-pressed": String(liked) });
  const paintLike = () => {
    likeButton.setAttribute("aria-pressed", String(liked));
    likeButton.setAttribute("aria-label", `${liked ? "Unlike" : "Like"} (${likes} ${likes === 1 ? "like" : "likes"})`);
    likeButton.querySelector(".action-count").textContent = count(likes);
    likeButton.classList.toggle("on", liked);
  };
  paintLike();
  likeButton.addEventListener("click", () => busy(likeButton, async () => {
    await api.like(video.id, !liked);
    liked = !liked;
    likes += liked ? 1 : -1;
    paintLike();
  }));

  let comments = video.counts?.comments || 0;
  const commentButton = actionButton("comment", "", count(comments));
  const paintComments = () => {
    commentButton.setAttribute("aria-label", `Comments (${comments})`);
    commentButton.querySelector(".action-count").textContent = count(comments);
  };
  paintComments();
  commentButton.addEventListener("click", () => openComments(video, me, (n) => {
    comments = n;
    paintComments();
  }));

  /** A trash button that asks first, deletes with `remove`, and tells the screen. */
  const deleteButton = (label, question, remove) => actionButton("trash", label, "Delete", {
    onclick: async (event) => {
      const button = event.currentTarget;
      const { confirmed } = await confirmDialog({ ...question, confirmLabel: "Delete", danger: true });
      if (!confirmed) return;
      await busy(button, async () => {
        await remove();
        toast("Video deleted.");
        onDeleted?.(video);
      });
    },
  });

  const published = video.status === "published";
  const mine = me && video.author.handle === me.handle;
  // A draft's media URL is signed for a few minutes: a card left open longer fails to load it. Ask
  // for the video again (a fresh URL, or the news that it is gone), once.
  player.addEventListener("error", async () => {
    if (published || player.dataset.refreshed) return;
    player.dataset.refreshed = "1";
    try {
      const fresh = await api.video(video.id);
      if (!fresh.media_url) return;
      player.dataset.src = fresh.media_url;
      player.src = fresh.media_url;
      if (isActive) play();
    } catch {
      // deleted or no longer shown to me meanwhile: the card stays as it is
    }
  });
  // Someone else's video that shows me: tagged, or a draft (a draft is shown only to its author and
  // the people in it). I may delete it everywhere, as from "videos of me".
  const showsMe = me && !mine && (video.cameos?.includes(me.handle) || !published);
  // Hidden while a takedown request is reviewed: its author sees it without media (nothing plays),
  // so no play or sound control, and a line in place of the picture that says why.
  const hidden = video.status === "removed";
  const actions = h("div", { class: "slide-actions" },
    h("a", { class: "action author-avatar", href: `#/u/${video.author.handle}`, "aria-label": `Open @${video.author.handle}'s profile` },
      h("span", { class: "avatar", "aria-hidden": "true" }, (video.author.display_name || video.author.handle)[0].toUpperCase())),
    hidden ? null : soundButton,
    published ? likeButton : null,
    published ? commentButton : null,
    published || (mine && video.status === "draft")
      ? h("a", { class: "action", href: `#/create?remix=${video.id}`, "aria-label": "Remix this video" },
        icon("remix", { size: 28 }), h("span", { class: "action-count", "aria-hidden": "true" }, "Remix"))
      : null,
    published && !mine ? actionButton("flag", "Report this video", "Report", { onclick: () => openReport(video) }) : null,
    showsMe ? deleteButton(`Delete this video of me by @${video.author.handle}`, {
      title: "Delete this video of you?",
      body: `You are in it, so you may delete it: it is removed from every feed and from @${video.author.handle}'s drafts, with its files.`,
    }, () => api.deleteAppearance(video.id)) : null,
    mine ? deleteButton("Delete this video", {
      title: "Delete this video?",
      body: "It is removed from every feed, with its files. This cannot be undone.",
    }, () => api.deleteVideo(video.id)) : null);

  const info = h("div", { class: "slide-info" },
    h("a", { class: "slide-author", href: `#/u/${video.author.handle}` },
      h("strong", {}, `@${video.author.handle}`),
      video.author.display_name ? h("span", {}, ` · ${video.author.display_name}`) : null),
    video.caption ? h("p", { class: "slide-caption" }, video.caption) : null,
    video.cameos?.length
      ? h("p", { class: "slide-with" }, "With ", video.cameos.map((handle, i) => [i ? ", " : "",
        h("a", { href: `#/u/${handle}` }, `@${handle}`)]))
      : null,
    h("p", { class: "slide-badges" },
      h("span", { class: "pill" }, icon("spark", { size: 14 }), "AI-generated"),
      // Removed (hidden while a takedown request is reviewed): only its author still sees it.
      video.status === "removed" ? h("span", { class: "pill warn" }, "Hidden from everyone")
        : video.status !== "published" ? h("span", { class: "pill warn" }, "Draft") : null));

  const el = h("article", {
    class: "slide",
    "aria-label": `Video by @${video.author.handle}${video.caption ? `: ${video.caption}` : ""}`,
    "aria-posinset": position || undefined,
    "aria-setsize": position ? "-1" : undefined,
    dataset: { videoId: video.id },
  }, player,
  hidden ? h("p", { class: "slide-note", dataset: { hiddenNote: "" } },
    "Hidden from everyone while a request to take it down is reviewed. We'll tell you when it is decided.") : toggle,
  srOnly(describe(video)), info, actions);
  el.addEventListener("click", firstTap, { capture: true });

  function play() {
    if (!player.src && player.dataset.src) player.src = player.dataset.src;
    const attempt = player.play();
    attempt?.catch((error) => {
      if (error.name === "NotAllowedError" && !player.muted) {
        // Sound refused by the browser's autoplay policy: play muted, as before the first tap.
        player.muted = true;
        play();
        return;
      }
      // Autoplay refused or interrupted by a pause: the play button stays available.
      toggle.classList.add("paused");
    });
  }

  function report() {
    if (playingSince !== null) {
      watchedMs += performance.now() - playingSince;
      playingSince = performance.now();
    }
    // Not once the session has ended (it ends while the video is on screen): the call would go
    // without a token and be refused.
    if (watchedMs >= 500 && published && me && session.signedIn) {
      api.view(video.id, Math.min(watchedMs, 6 * 3600 * 1000), completed).catch(() => {});
    }
    watchedMs = 0;
    completed = false;
  }

  return {
    el,
    video,
    activate() {
      el.classList.add("active");
      isActive = true;
      player.muted = !soundOn();
      player.preload = "auto";
      play();
    },
    /** Load the file ahead of time (the next slide). */
    preload() {
      if (!player.src && player.dataset.src) {
        player.preload = "auto";
        player.src = player.dataset.src;
      }
    },
    deactivate() {
      el.classList.remove("active");
      isActive = false;
      player.muted = true;
      if (!player.paused) player.pause();
      report();
    },
    dispose() {
      this.deactivate();
      stopListening();
      player.removeAttribute("src");
      player.load();
    },
  };
}
