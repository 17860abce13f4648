// "@" autocomplete for the prompt box: people whose cameo the author may use, and a "request
// access" action for those they may ask.
//
// Candidates come from the cameo search (GET /search?type=cameos&q=<what follows "@">, prefix and
// typo tolerant, anyone's cameo the author may use or ask for), which also says whether each is
// available; that goes into the AccessBook, which otherwise asks GET /cameos/{handle} (cached for
// the screen's life).

import { api, ApiError } from "../api.js";
import { debounce, h, toast, uid } from "../dom.js";
import { ACCESS_WORDS } from "../words.js";

const TOKEN_BEFORE_CARET = /(?:^|[^\w@.])@([A-Za-z0-9_.]{0,30})$/;
const MAX_SHOWN = 6;

/**
 * Access to people's cameos for the author, cached: {available, can_request, request}, or {missing}
 * for a handle no one has. (Someone without a cameo reads like one not available: the API never
 * tells more.)
 */
export class AccessBook {
  constructor(signal) {
    this.signal = signal;
    this.known = new Map();
    this.listeners = new Set();
  }

  get(handle) {
    return this.known.get(handle)?.value;
  }

  lookup(handle) {
    if (!this.known.has(handle)) {
      const entry = { value: undefined };
      entry.promise = api.cameoAccess(handle, { signal: this.signal })
        .then((access) => access)
        .catch((error) => {
          if (error instanceof ApiError && error.status === 404) return { missing: true };
          if (error.name === "AbortError") return { missing: true };
          return { failed: true, message: error.message };
        })
        .then((value) => {
          entry.value = value;
          this.changed();
          return value;
        });
      this.known.set(handle, entry);
    }
    return this.known.get(handle).promise;
  }

  async request(handle) {
    await api.requestCameo(handle);
    const entry = this.known.get(handle) || { value: {} };
    entry.value = { ...(entry.value || {}), available: false, can_request: false, request: "requested" };
    entry.promise = Promise.resolve(entry.value);
    this.known.set(handle, entry);
    this.changed();
    toast(`Request sent to @${handle}. You'll be able to use their cameo once they approve.`);
  }

  /** What a search already said about `handle`'s cameo ({available, can_request, request}). */
  remember(handle, access) {
    this.known.set(handle, { value: access, promise: Promise.resolve(access) });
  }

  forget(handle) {
    this.known.delete(handle);
  }

  onChange(fn) {
    this.listeners.add(fn);
  }

  changed() {
    this.listeners.forEach((fn) => fn());
  }
}

/** The button or words for a person whose cameo the author may not use yet. */
export function accessAction(book, handle) {
  const access = book.get(handle);
  if (!access) return h("span", { class: "muted" }, "Checking…");
  if (access.missing) return h("span", { class: "muted" }, "No one has this handle");
  if (access.failed) return h("span", { class: "muted" }, "Could not check");
  if (access.available) return h("span", { class: "ok" }, "Can use");
  if (access.can_request) {
    const button = h("button", { type: "button", class: "btn small", "aria-label": `Request access to @${handle}` },
      "Request access");
    button.addEventListener("mousedown", (event) => event.preventDefault());
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        await book.request(handle);
      } catch (error) {
        toast(error.message, "error");
        button.disabled = false;
      }
    });
    return button;
  }
  return h("span", { class: "muted" }, ACCESS_WORDS[access.request] || "Not available to you");
}

/**
 * The cameos matching what follows "@" ([{handle, available, can_request, request}]), searched once
 * per text for the screen's life; what each says goes into `book`.
 */
export function cameoSearch(book, signal) {
  const found = new Map();
  return (q) => {
    if (!q) return Promise.resolve([]);
    if (!found.has(q)) {
      found.set(q, api.search(q, "cameos", null, { signal }).then((page) => {
        for (const access of page.results) book.remember(access.handle, access);
        return page.results;
      }).catch((error) => {
        found.delete(q); // asked again next time
        if (error.name !== "AbortError") toast(error.message, "error");
        return [];
      }));
    }
    return found.get(q);
  };
}

/**
 * Wire the autocomplete to `textarea`; returns the popup element to place right after it.
 * `people(query)` resolves the candidates for the text after "@" ([{handle, display_name?}]).
 */
export function mentionAutocomplete(textarea, { book, people, onPick }) {
  const listId = uid("mentions");
  const usable = h("ul", { class: "mention-list", role: "listbox", id: listId, "aria-label": "People you can put in this video" });
  const others = h("ul", { class: "mention-others", "aria-label": "People who need to approve you first" });
  const usableTitle = h("p", { class: "mention-title" }, "Can be in your video");
  const othersTitle = h("p", { class: "mention-title" }, "Need permission first");
  const status = h("p", { class: "mention-title muted", role: "status" });
  const popup = h("div", { class: "mention-popup", hidden: true, dataset: { mentionPopup: "" } },
    usableTitle, usable, othersTitle, others, status);

  textarea.setAttribute("role", "combobox");
  textarea.setAttribute("aria-autocomplete", "list");
  textarea.setAttribute("aria-controls", listId);
  textarea.setAttribute("aria-expanded", "false");

  let query = null; // the text after "@" at the caret, or null when the caret is not in a mention
  let options = []; // handles shown as options, in order
  let activeIndex = -1;

  function currentToken() {
    if (textarea.selectionStart !== textarea.selectionEnd) return null;
    const found = TOKEN_BEFORE_CARET.exec(textarea.value.slice(0, textarea.selectionStart));
    return found ? found[1].toLowerCase() : null;
  }

  function close() {
    query = null;
    popup.hidden = true;
    textarea.setAttribute("aria-expanded", "false");
    textarea.removeAttribute("aria-activedescendant");
  }

  function pick(handle) {
    const caret = textarea.selectionStart;
    const before = textarea.value.slice(0, caret).replace(/@[A-Za-z0-9_.]*$/, `@${handle} `);
    const after = textarea.value.slice(caret).replace(/^[A-Za-z0-9_.]*\s?/, "");
    textarea.value = before + after;
    textarea.setSelectionRange(before.length, before.length);
    close();
    textarea.dispatchEvent(new Event("input", { bubbles: true }));
    onPick?.(handle);
  }

  function setActive(index) {
    activeIndex = index;
    usable.querySelectorAll("[role=option]").forEach((option, i) => {
      option.setAttribute("aria-selected", String(i === index));
      if (i === index) {
        textarea.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      }
    });
    if (index < 0) textarea.removeAttribute("aria-activedescendant");
  }

  async function paint() {
    if (query === null) return;
    const asked = query;
    const found = await people(asked);
    if (query !== asked) return; // typed on meanwhile: that text's answer paints
    const matches = found.slice(0, MAX_SHOWN);
    for (const person of matches) book.lookup(person.handle);

    options = [];
    const usableRows = [];
    const otherRows = [];
    for (const person of matches) {
      const access = book.get(person.handle);
      const label = [h("strong", {}, `@${person.handle}`), person.display_name ? h("span", { class: "muted" }, ` ${person.display_name}`) : null];
      if (access?.available) {
        const index = options.length;
        options.push(person.handle);
        const option = h("li", { role: "option", id: `${listId}-${index}`, "aria-selected": "false", dataset: { handle: person.handle } }, label);
        option.addEventListener("mousedown", (event) => event.preventDefault());
        option.addEventListener("click", () => pick(person.handle));
        usableRows.push(option);
      } else {
        otherRows.push(h("li", { dataset: { handle: person.handle } }, label, accessAction(book, person.handle)));
      }
    }
    usable.replaceChildren(...usableRows);
    others.replaceChildren(...otherRows);
    usableTitle.hidden = !usableRows.length;
    usable.hidden = !usableRows.length;
    othersTitle.hidden = !otherRows.length;
    others.hidden = !otherRows.length;
    status.textContent = matches.length ? "" : query ? `No cameo you may use or ask for matches “${query}”.` : "Type a name or handle.";
    popup.hidden = false;
    textarea.setAttribute("aria-expanded", String(usableRows.length > 0));
    setActive(options.length ? Math.min(Math.max(activeIndex, 0), options.length - 1) : -1);
  }

  function update() {
    const token = currentToken();
    if (token === null) {
      close();
      return;
    }
    if (token !== query) activeIndex = 0;
    query = token;
    paintSoon(); // once typing pauses: a search each pause, not each key
  }
  const paintSoon = debounce(paint, 250);

  book.onChange(() => {
    if (query !== null) paint();
  });
  textarea.addEventListener("input", update);
  textarea.addEventListener("click", update);
  textarea.addEventListener("keyup", (event) => {
    if (["ArrowLeft", "ArrowRight", "Home", "End"].includes(event.key)) update();
  });
  textarea.addEventListener("blur", () => setTimeout(() => {
    if (!popup.contains(document.activeElement)) close();
  }, 150));
  textarea.addEventListener("keydown", (event) => {
    if (popup.hidden) return;
    if (event.key === "Escape") {
      event.preventDefault();
      close();
    } else if (options.length && event.key === "ArrowDown") {
      event.preventDefault();
      setActive((activeIndex + 1) % options.length);
    } else if (options.length && event.key === "ArrowUp") {
      event.preventDefault();
      setActive((activeIndex - 1 + options.length) % options.length);
    } else if (options.length && activeIndex >= 0 && (event.key === "Enter" || event.key === "Tab")) {
      event.preventDefault();
      pick(options[activeIndex]);
    }
  });
  popup.addEventListener("focusout", () => setTimeout(() => {
    if (!popup.contains(document.activeElement) && document.activeElement !== textarea) close();
  }, 150));
  return popup;
}
