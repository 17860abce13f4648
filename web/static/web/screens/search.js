// Search: people, videos and cameos by a few words (GET /search, a tab each, "more" a page at a
// time), and what is trending while the box is empty (GET /trending).

import { api, ApiError } from "../api.js";
import { count, debounce, errorBox, h, moreButton, replace, showError } from "../dom.js";
import { AccessBook, accessAction } from "../components/mentions.js";

const TYPES = [["people", "People"], ["videos", "Videos"], ["cameos", "Cameos"]];
const TYPING_PAUSE_MS = 250; // search once typing pauses this long

function avatar(person) {
  return h("span", { class: "avatar small", "aria-hidden": "true" }, (person.display_name || person.handle)[0].toUpperCase());
}

function personRow(person, extra) {
  return h("li", { class: "person-row", dataset: { handle: person.handle } },
    avatar(person),
    h("a", { class: "person", href: `#/u/${person.handle}` }, `@${person.handle}`,
      person.display_name ? h("span", { class: "muted" }, ` ${person.display_name}`) : null),
    extra);
}

function videoItem(video) {
  return h("li", { dataset: { videoId: video.id } },
    h("a", { href: `#/v/${video.id}`, class: "grid-item", "aria-label": `Play: ${video.caption || "untitled video"}` },
      video.poster_url ? h("img", { src: video.poster_url, alt: "", loading: "lazy" }) : null,
      h("span", { class: "grid-caption" }, video.caption || "")));
}

/**
 * What the caller may do with a cameo: use it, or the same "Request access" button (and the same
 * words once asked) as on Create and a profile (accessAction).
 */
function cameoAccess(book, handle) {
  if (!book.get(handle)?.available) return accessAction(book, handle);
  return [h("span", { class: "ok" }, "Can use "),
    h("a", { class: "btn small", href: `#/create?prompt=${encodeURIComponent(`@${handle} `)}` }, "Make a video")];
}

/** A cameo the search found ({handle, available, can_request, request}), with what the caller may do. */
function cameoRow(book, access) {
  book.remember(access.handle, access);
  return personRow(access, h("span", { class: "cameo-access", dataset: { handle: access.handle } }, cameoAccess(book, access.handle)));
}

/** Trending videos and cameos, or nothing when the server has none (or no such endpoint). */
async function loadTrending(box, signal) {
  let found;
  try {
    found = await api.trending({ signal });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return;
    throw error;
  }
  if (signal.aborted) return;
  const videos = found.videos || [];
  const cameos = found.cameos || [];
  replace(box,
    videos.length ? [h("h2", { id: "trending-videos" }, "Trending videos"),
      h("ul", { class: "grid", "aria-labelledby": "trending-videos" }, videos.map(videoItem))] : null,
    cameos.length ? [h("h2", { id: "trending-cameos" }, "Trending cameos"),
      h("ul", { class: "people-list", "aria-labelledby": "trending-cameos" }, cameos.map((item) =>
        personRow(item.user, h("span", { class: "muted" }, item.uses === 1 ? "1 video" : `${count(item.uses)} videos`))))] : null,
    !videos.length && !cameos.length ? h("p", { class: "muted" }, "Nothing is trending yet.") : null);
}

export async function render({ main, query, signal, onLeave }) {
  let type = TYPES.some(([id]) => id === query.type) ? query.type : "people";
  const book = new AccessBook(signal);
  const rows = { people: (person) => personRow(person), videos: videoItem, cameos: (access) => cameoRow(book, access) };
  const box = h("input", {
    type: "search", name: "q", id: "search-q", value: query.q || "", autocomplete: "off", maxlength: "200",
    placeholder: "People, videos, cameos", enterkeyhint: "search",
  });
  const form = h("form", { role: "search", class: "search-form", "aria-label": "Search castfeed" },
    h("label", { for: "search-q", class: "sr-only" }, "Search"), box);
  const tabs = h("div", { class: "segmented", role: "tablist", "aria-label": "What to search" });
  const status = h("p", { class: "muted", role: "status" });
  const failure = errorBox();
  const list = h("ul");
  // Asked for: the row says so, in Create's words.
  book.onChange(() => {
    for (const slot of list.querySelectorAll(".cameo-access")) replace(slot, cameoAccess(book, slot.dataset.handle));
  });
  const more = h("div", {});
  const panel = h("div", { role: "tabpanel", id: "search-panel" }, failure, status, list, more);
  const trending = h("section", { class: "trending", "aria-label": "Trending" });
  main.append(h("section", { class: "page search" }, h("h1", {}, "Search"), form, tabs, panel, trending));

  let current = null; // the AbortController of the search on show
  onLeave(() => current?.abort());

  const remember = () => {
    const q = box.value.trim();
    const params = new URLSearchParams(q ? { q, type } : { type });
    history.replaceState(null, "", `#/search?${params}`); // back from a result comes back here
  };

  async function load(q, cursor, controller) {
    const page = await api.search(q, type, cursor, { signal: controller.signal });
    if (controller.signal.aborted) return;
    list.append(...page.results.map(rows[type]));
    status.textContent = list.children.length ? "" : `Nothing found for “${q}”.`;
    more.replaceChildren(page.next ? moreButton("More results", () => load(q, page.next, controller)) : "");
  }

  async function run() {
    current?.abort();
    const controller = new AbortController();
    current = controller;
    const q = box.value.trim();
    remember();
    failure.hidden = true;
    list.replaceChildren();
    more.replaceChildren();
    list.className = type === "videos" ? "grid" : "people-list";
    list.setAttribute("aria-label", TYPES.find(([id]) => id === type)[1]);
    panel.hidden = !q;
    trending.hidden = Boolean(q);
    if (!q) {
      status.textContent = "";
      return;
    }
    status.textContent = "Searching…";
    panel.setAttribute("aria-busy", "true");
    try {
      await load(q, null, controller);
    } catch (error) {
      if (error.name === "AbortError" || controller.signal.aborted) return;
      status.textContent = "";
      showError(failure, error); // a 400 (too long a query) says why in the API's words
    } finally {
      if (!controller.signal.aborted) panel.removeAttribute("aria-busy");
    }
  }

  const select = (which) => {
    type = which;
    for (const tab of tabs.children) {
      const selected = tab.dataset.type === which;
      tab.setAttribute("aria-selected", String(selected));
      tab.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", `search-tab-${which}`);
  };
  TYPES.forEach(([id, label], i) => {
    tabs.append(h("button", {
      type: "button", role: "tab", id: `search-tab-${id}`, "aria-controls": "search-panel", dataset: { type: id },
      onclick: () => {
        select(id);
        run();
      },
      onkeydown: (event) => {
        const step = { ArrowLeft: -1, ArrowRight: 1 }[event.key];
        if (!step) return;
        const [next] = TYPES[(i + step + TYPES.length) % TYPES.length];
        select(next);
        run();
        tabs.querySelector(`[data-type=${next}]`).focus();
      },
    }, label));
  });
  select(type);

  const soon = debounce(run, TYPING_PAUSE_MS);
  onLeave(() => soon.cancel());
  box.addEventListener("input", soon);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    soon.cancel();
    run();
  });

  run();
  try {
    await loadTrending(trending, signal);
  } catch (error) {
    if (error.name !== "AbortError") showError(trending.appendChild(errorBox()), error);
  }
  if (!box.value) box.focus();
}
