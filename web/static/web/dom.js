// Small DOM helpers: elements are built with h() (text is always set as text, never as HTML),
// plus toasts, dialogs, busy buttons, form errors and formatting.

import { icon } from "./icons.js";

const BOOLEAN_ATTRS = new Set(["hidden", "disabled", "checked", "required", "multiple", "autofocus", "open", "muted",
  "loop", "playsinline", "autoplay", "controls", "readonly", "selected", "novalidate"]);
const PROPERTIES = new Set(["value", "muted", "checked", "indeterminate", "srcObject"]);

/** h("button", {class: "btn", onclick: fn, "aria-label": "Like"}, "text", child, [more]) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = Array.isArray(value) ? value.filter(Boolean).join(" ") : value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (PROPERTIES.has(key)) el[key] = value;
    else if (key === "for") el.htmlFor = value;
    else if (BOOLEAN_ATTRS.has(key)) el.setAttribute(key, "");
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, ...children);
  return el;
}

export function append(parent, ...children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, ...children);
}

let ids = 0;
export const uid = (prefix = "id") => `${prefix}-${++ids}`;

/** A labelled form field: label, control, hint and an error slot wired with aria-describedby. */
export function field(label, control, { hint, id = uid("f") } = {}) {
  control.id = control.id || id;
  const hintEl = hint ? h("p", { class: "hint", id: `${control.id}-hint` }, hint) : null;
  const errorEl = h("p", { class: "field-error", id: `${control.id}-error`, hidden: true });
  control.setAttribute("aria-describedby", [hintEl?.id, errorEl.id].filter(Boolean).join(" "));
  // Once the person changes the field, its error is about what it held before: it goes.
  const clear = () => {
    if (errorEl.hidden) return;
    control.removeAttribute("aria-invalid");
    errorEl.textContent = "";
    errorEl.hidden = true;
  };
  control.addEventListener("input", clear);
  control.addEventListener("change", clear);
  return h("div", { class: "field", dataset: { field: control.name || "" } },
    h("label", { for: control.id }, label), control, hintEl, errorEl);
}

/** Show an ApiError's field messages next to the fields of `form` (by name); the rest in `summary`. */
export function showFormErrors(form, error, summary) {
  clearFormErrors(form);
  const fields = error.fields || {};
  const leftover = [];
  for (const [name, given] of Object.entries(fields)) {
    const messages = flatMessages(given);
    const control = form.elements.namedItem(name);
    const slot = control && form.querySelector(`#${CSS.escape(control.id)}-error`);
    if (slot) {
      control.setAttribute("aria-invalid", "true");
      slot.textContent = messages.join(" ");
      slot.hidden = false;
    } else {
      leftover.push(...messages);
    }
  }
  const text = Object.keys(fields).length ? leftover.join(" ") : error.message;
  if (summary) {
    summary.textContent = text;
    summary.hidden = !text;
  }
  const first = form.querySelector("[aria-invalid=true]");
  if (first) first.focus();
  else if (summary && text) summary.focus();
}

/** A field's messages as a flat list: a list field's errors come per item ({"0": ["…"]}). */
function flatMessages(given) {
  if (typeof given === "string") return [given];
  if (Array.isArray(given)) return given.flatMap(flatMessages);
  if (given && typeof given === "object") {
    return Object.entries(given).flatMap(([key, inner]) =>
      flatMessages(inner).map((message) => (/^\d+$/.test(key) ? `Line ${Number(key) + 1}: ${message}` : message)));
  }
  return [];
}

export function clearFormErrors(form) {
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  for (const el of form.querySelectorAll(".field-error")) {
    el.textContent = "";
    el.hidden = true;
  }
}

/** An error line that screen readers announce. */
export const errorBox = () => h("p", { class: "error-box", role: "alert", tabindex: "-1", hidden: true });

/** An error in `box`: a refused field's own messages (never the API's "q: …", a field's code), else
 * the error's message. */
export function showError(box, error) {
  const fields = Object.values(error?.fields || {}).flatMap(flatMessages);
  box.textContent = fields.length ? fields.join(" ") : error?.message || String(error);
  box.hidden = false;
}

/** Run `work` with `button` disabled and marked busy; errors go to `onError` (default: a toast). */
export async function busy(button, work, { onError = (e) => toast(e.message, "error") } = {}) {
  if (button.disabled) return undefined;
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } catch (error) {
    if (error.name !== "AbortError") onError(error);
    return undefined;
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}

export function toast(message, kind = "info") {
  const box = document.getElementById("toasts");
  const item = h("div", { class: ["toast", `toast-${kind}`] }, message);
  box.append(item);
  setTimeout(() => item.remove(), kind === "error" ? 7000 : 4000);
}

/**
 * A modal dialog (native <dialog>: focus stays inside, Escape closes). `build(close)` returns its
 * content; the promise resolves with what close() was given (undefined on Escape).
 */
export function openDialog(title, build, { className } = {}) {
  return new Promise((resolve) => {
    const titleId = uid("dlg");
    const dialog = h("dialog", { class: ["dialog", className], "aria-labelledby": titleId });
    let result;
    const close = (value) => {
      result = value;
      dialog.close();
    };
    dialog.append(
      h("div", { class: "dialog-head" },
        h("h2", { id: titleId }, title),
        h("button", { type: "button", class: "icon-btn", "aria-label": "Close", onclick: () => close(undefined) },
          icon("close"))),
      build(close),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(result);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** Ask before something that cannot be undone. Resolves {confirmed, checked} (checked: the option). */
export async function confirmDialog({ title, body, confirmLabel = "Confirm", danger = false, option }) {
  const result = await openDialog(title, (close) => {
    const box = option ? h("input", { type: "checkbox", id: uid("opt"), checked: Boolean(option.checked) }) : null;
    const form = h("form", { class: "stack", method: "dialog" },
      h("p", {}, body),
      box ? h("div", { class: "check" }, box, h("label", { for: box.id }, option.label)) : null,
      h("div", { class: "row end" },
        h("button", { type: "button", class: "btn ghost", onclick: () => close(undefined) }, "Cancel"),
        h("button", { type: "submit", class: ["btn", danger ? "danger" : "primary"] }, confirmLabel)));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      close({ confirmed: true, checked: box ? box.checked : false });
    });
    return form;
  });
  return result || { confirmed: false, checked: false };
}

/** A click on `button` asks first (confirmDialog, as a danger); once confirmed, `work` runs with it busy. */
export function confirmThen(button, dialog, work) {
  button.addEventListener("click", async () => {
    const { confirmed, checked } = await confirmDialog({ ...dialog, danger: true });
    if (!confirmed) return;
    await busy(button, () => work({ checked }));  // checked: the dialog's option, when it has one
  });
}

/** Submitting `form` sends its fields (an object) through `send`, its submit button busy; a refusal
 * shows on the fields and in `summary`. */
export function onSubmit(form, summary, send) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const data = Object.fromEntries(new FormData(form));
    busy(form.querySelector("button[type=submit]"), () => send(data), {
      onError: (error) => showFormErrors(form, error, summary),
    });
  });
}

export function debounce(fn, ms) {
  let timer;
  const wrapped = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  wrapped.cancel = () => clearTimeout(timer);
  return wrapped;
}

export const sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("Aborted", "AbortError"));
    });
  });

const units = [
  ["year", 365 * 86400], ["month", 30 * 86400], ["week", 7 * 86400], ["day", 86400], ["hour", 3600], ["minute", 60],
];
const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto" });

export function timeAgo(iso) {
  if (!iso) return "";
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  for (const [unit, size] of units) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return "just now";
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
export const count = (n) => compact.format(n || 0);

export const handleText = (handle) => (handle ? `@${handle}` : "someone");

/** A visually hidden text for screen readers. */
export const srOnly = (text) => h("span", { class: "sr-only" }, text);

/** The "load more" button of a cursor-paginated list. */
export function moreButton(label, load) {
  const button = h("button", { type: "button", class: "btn ghost more" }, label);
  button.addEventListener("click", () => busy(button, load));
  return button;
}
