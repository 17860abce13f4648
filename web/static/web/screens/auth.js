// Welcome: sign in, or create an account.

import { api, session } from "../api.js";
import { errorBox, field, h, onSubmit, replace } from "../dom.js";
import { icon } from "../icons.js";
import { navigate } from "../router.js";
import { loadMe } from "../state.js";

function input(name, props = {}) {
  return h("input", { name, autocapitalize: "none", spellcheck: "false", ...props });
}

/** Where a sign-in lands: back where the person was sent to sign in from (`next`), or the feed. */
export function landing(next) {
  return next && next.startsWith("/") && !next.startsWith("/welcome") ? next : "/";
}

async function finish(token, next) {
  session.start(token);
  await loadMe();
  navigate(landing(next), { replace: true });
}

function signInForm(next) {
  const summary = errorBox();
  const form = h("form", { class: "stack", novalidate: true, "aria-label": "Sign in" },
    field("Handle", input("handle", { autocomplete: "username", required: true })),
    field("Password", input("password", { type: "password", autocomplete: "current-password", required: true })),
    summary,
    h("button", { type: "submit", class: "btn primary wide" }, "Sign in"));
  onSubmit(form, summary, async (data) => {
    const { token } = await api.signIn(data.handle.trim().replace(/^@/, ""), data.password);
    await finish(token, next);
  });
  return form;
}

function signUpForm(next) {
  const summary = errorBox();
  const form = h("form", { class: "stack", novalidate: true, "aria-label": "Create account" },
    field("Handle", input("handle", { autocomplete: "username", required: true, minlength: 3, maxlength: 30,
      pattern: "[A-Za-z0-9_.]{2,29}[A-Za-z0-9_]" }),
      { hint: "3–30 letters, digits, _ or ., not ending in . — people mention you as @handle." }),
    field("Display name", input("display_name", { autocomplete: "name", maxlength: 50, autocapitalize: "words",
      spellcheck: "true" }), { hint: "Optional." }),
    field("Birthdate", input("birthdate", { type: "date", autocomplete: "bday" }),
      { hint: "We use it to protect minors: without it, only people you approve one by one can put you in a video." }),
    field("Password", input("password", { type: "password", autocomplete: "new-password", required: true, minlength: 8 }),
      { hint: "At least 8 characters; not a common password." }),
    summary,
    h("button", { type: "submit", class: "btn primary wide" }, "Create account"));
  onSubmit(form, summary, async (data) => {
    const body = { handle: data.handle.trim().replace(/^@/, "").toLowerCase(), password: data.password };
    if (data.display_name.trim()) body.display_name = data.display_name.trim();
    if (data.birthdate) body.birthdate = data.birthdate;
    const { token } = await api.register(body);
    await finish(token, next);
  });
  return form;
}

export function render({ main, query }) {
  const mode = query.mode === "signup" ? "signup" : "signin";
  const panel = h("div", { class: "auth-panel", id: "auth-panel", role: "tabpanel" });
  const tabs = h("div", { class: "segmented", role: "tablist", "aria-label": "Sign in or create an account" });
  const show = (which) => {
    for (const button of tabs.children) {
      const selected = button.dataset.mode === which;
      button.setAttribute("aria-selected", String(selected));
      button.tabIndex = selected ? 0 : -1;
    }
    panel.setAttribute("aria-labelledby", `tab-${which}`);
    replace(panel, which === "signup" ? signUpForm(query.next) : signInForm(query.next));
  };
  for (const [which, label] of [["signin", "Sign in"], ["signup", "Create account"]]) {
    tabs.append(h("button", {
      type: "button", role: "tab", id: `tab-${which}`, "aria-controls": "auth-panel", dataset: { mode: which },
      onclick: () => show(which),
      onkeydown: (event) => {
        if (event.key === "ArrowLeft" || event.key === "ArrowRight") {
          const other = which === "signin" ? "signup" : "signin";
          show(other);
          tabs.querySelector(`[data-mode=${other}]`).focus();
        }
      },
    }, label));
  }
  main.append(h("section", { class: "page welcome" },
    h("div", { class: "brand" }, h("span", { class: "logo" }, icon("play", { size: 28 })), h("span", {}, "castfeed")),
    h("h1", {}, "Short videos, made from a prompt"),
    h("p", { class: "lead" },
      "Put yourself and your friends in generated videos — only the people who said yes, and you can delete any video that shows you."),
    tabs,
    panel,
    h("p", { class: "muted small removal-link" }, "Is your face in a video here? ",
      h("a", { href: "#/removal" }, "Request removal"), ", no account needed.")));
  show(mode);
}
