// For You and Following: a full-height vertical feed that snaps one video at a time, plays the
// visible one (looped; muted until the first tap, then with sound unless the person muted the feed:
// video-card.js and state.js), pauses the others and loads the next page before the end.

import { api } from "../api.js";
import { errorBox, h, showError } from "../dom.js";
import { icon } from "../icons.js";
import { steerButton } from "../components/steer.js";
import { videoCard } from "../components/video-card.js";

const PREFETCH_WHEN_LEFT = 3; // load the next page when this many videos are left below

export async function render({ main, path, me, signal, onLeave }) {
  const kind = path === "/following" ? "following" : "for-you";
  const tabs = h("nav", { class: "feed-tabs", "aria-label": "Feeds" },
    h("a", { href: "#/", "aria-current": kind === "for-you" ? "page" : undefined }, "For you"),
    h("a", { href: "#/following", "aria-current": kind === "following" ? "page" : undefined }, "Following"));
  const title = h("h1", { class: "sr-only" }, kind === "following" ? "Following" : "For you");
  const feed = h("div", {
    class: "feed",
    role: "feed",
    tabindex: "0",
    "aria-busy": "true",
    "aria-label": kind === "following" ? "Videos from people you follow" : "Videos for you",
    "aria-describedby": "feed-help",
  });
  const help = h("p", { id: "feed-help", class: "sr-only" },
    "Use the up and down arrow keys to move between videos, and space to pause or play.");
  const failure = errorBox();
  // For You can be steered in words ("more cooking, less sports"); a change reloads it.
  const steer = kind === "for-you" ? steerButton({ onChange: () => reload() }) : null;
  main.append(h("section", { class: "feed-screen" }, title, tabs, steer, help, failure, feed));

  const cards = [];
  const byElement = new Map();
  let active = -1;
  let next = null;
  let loading = null;
  let finished = false;

  const observer = new IntersectionObserver((entries) => {
    for (const entry of entries) {
      if (entry.isIntersecting && entry.intersectionRatio >= 0.6) setActive(cards.indexOf(byElement.get(entry.target)));
    }
  }, { root: feed, threshold: [0, 0.6, 1] });

  function setActive(index) {
    if (index < 0 || index === active) return;
    cards[active]?.deactivate();
    active = index;
    cards[index].activate();
    cards[index + 1]?.preload();
    if (cards.length - index - 1 < PREFETCH_WHEN_LEFT) loadMore();
  }

  function emptyState() {
    const message = kind === "following"
      ? ["Nothing from people you follow yet.", "Follow people from their profile to see their videos here."]
      : ["No videos yet.", "Make the first one: describe a scene and put yourself in it."];
    return h("div", { class: "empty", dataset: { empty: "" } },
      icon(kind === "following" ? "following" : "spark", { size: 40 }),
      h("p", { class: "empty-title" }, message[0]),
      h("p", {}, message[1]),
      h("a", { class: "btn primary", href: "#/create" }, "Create a video"));
  }

  async function loadMore() {
    if (loading || finished) return loading;
    loading = (async () => {
      feed.setAttribute("aria-busy", "true");
      try {
        const page = await api.feed(kind === "following" ? "following" : "for-you", next);
        if (signal.aborted) return;
        next = page.next;
        finished = !next;
        for (const video of page.results) {
          if (cards.some((card) => card.video.id === video.id)) continue;
          const card = videoCard(video, {
            me,
            position: cards.length + 1,
            onDeleted: () => removeCard(card),
          });
          cards.push(card);
          byElement.set(card.el, card);
          feed.append(card.el);
          observer.observe(card.el);
        }
        if (!cards.length) feed.replaceChildren(emptyState());
      } catch (error) {
        if (error.name !== "AbortError") showError(failure, error);
      } finally {
        feed.setAttribute("aria-busy", "false");
        loading = null;
      }
    })();
    return loading;
  }

  /** Start again from the first page (after the feed was steered). */
  async function reload() {
    await loading;
    if (signal.aborted) return;
    for (const card of cards) {
      card.dispose();
      observer.unobserve(card.el);
    }
    cards.length = 0;
    byElement.clear();
    active = -1;
    next = null;
    finished = false;
    feed.replaceChildren();
    feed.scrollTop = 0;
    await loadMore();
  }

  function removeCard(card) {
    const index = cards.indexOf(card);
    card.dispose();
    observer.unobserve(card.el);
    card.el.remove();
    cards.splice(index, 1);
    if (index === active) active = -1;
    else if (index < active) active -= 1;
    if (!cards.length) feed.replaceChildren(emptyState());
  }

  function go(step) {
    const target = cards[Math.max(0, Math.min(cards.length - 1, (active < 0 ? 0 : active) + step))];
    if (!target) return;
    const smooth = !window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    target.el.scrollIntoView({ block: "start", behavior: smooth ? "smooth" : "auto" });
  }

  feed.addEventListener("keydown", (event) => {
    if (event.target.closest("input, textarea, select")) return;
    if (["ArrowDown", "PageDown", "j"].includes(event.key)) {
      event.preventDefault();
      go(1);
    } else if (["ArrowUp", "PageUp", "k"].includes(event.key)) {
      event.preventDefault();
      go(-1);
    } else if (event.key === " " && event.target === feed) {
      event.preventDefault();
      cards[active]?.el.querySelector(".play-toggle").click();
    }
  });

  const onVisibility = () => {
    if (document.hidden) cards[active]?.deactivate();
    else if (active >= 0) cards[active].activate();
  };
  document.addEventListener("visibilitychange", onVisibility);
  onLeave(() => {
    document.removeEventListener("visibilitychange", onVisibility);
    observer.disconnect();
    for (const card of cards) card.dispose();
  });

  await loadMore();
}
