// "Steer your feed": a sheet where one says in a few words what For You should show more or less
// of ("more cooking, less sports"); the server reads the words (GET/PUT/DELETE /feed/steer).

import { api } from "../api.js";
import { busy, errorBox, field, h, openDialog, replace, showError, timeAgo, toast } from "../dom.js";
import { icon } from "../icons.js";

const MAX_CHARS = 200;

/** The parsed steering as chips: what to see more of, and less of. */
function chips(steer) {
  if (!steer?.text) return h("p", { class: "muted" }, "Not steered: For You follows what you watch and like.");
  const chip = (kind, word) => h("li", { class: ["chip", `chip-${kind}`], dataset: { steer: kind } },
    `${kind === "more" ? "More" : "Less"}: ${word}`);
  return h("div", { class: "steer-now" },
    h("p", {}, "Now: ", h("q", {}, steer.text), steer.updated_at ? h("span", { class: "muted" }, ` · ${timeAgo(steer.updated_at)}`) : null),
    h("ul", { class: "chips", "aria-label": "How your feed is steered" },
      steer.more.map((word) => chip("more", word)), steer.less.map((word) => chip("less", word))));
}

/** The sheet; `onChange()` runs after a save or a clear (the feed reloads). */
export function openSteerSheet({ onChange }) {
  return openDialog("Steer your feed", () => {
    const now = h("div", { "aria-live": "polite" }, h("p", { class: "muted" }, "Loading…"));
    const text = h("input", { type: "text", name: "text", maxlength: String(MAX_CHARS), autocomplete: "off", placeholder: "more cooking, less sports" });
    const failure = errorBox();
    const save = h("button", { type: "submit", class: "btn primary" }, "Save");
    const clear = h("button", { type: "button", class: "btn ghost", hidden: true }, "Clear");
    const form = h("form", { class: "stack", novalidate: true },
      now,
      field("What do you want more or less of?", text, { hint: `Say “more …” and “less …”, up to ${MAX_CHARS} characters.` }),
      failure,
      h("div", { class: "row end" }, clear, save));

    const show = (steer) => {
      replace(now, chips(steer));
      clear.hidden = !steer?.text;
    };
    api.steer().then((steer) => {
      show(steer);
      if (steer.text && !text.value) text.value = steer.text;
    }).catch((error) => showError(failure, error));

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      failure.hidden = true;
      busy(save, async () => {
        const steer = await api.setSteer(text.value.trim());
        show(steer);
        toast("Your feed is steered.");
        onChange?.();
      }, { onError: (error) => showError(failure, error) });
    });
    clear.addEventListener("click", () => {
      failure.hidden = true;
      busy(clear, async () => {
        await api.clearSteer();
        text.value = "";
        show(null);
        toast("Steering cleared.");
        onChange?.();
      }, { onError: (error) => showError(failure, error) });
    });
    return form;
  }, { className: "sheet steer-sheet" });
}

/** The feed's button that opens the sheet. */
export function steerButton({ onChange }) {
  const button = h("button", { type: "button", class: "icon-btn steer-btn", "aria-label": "Steer your feed", "aria-haspopup": "dialog" },
    icon("spark"));
  button.addEventListener("click", () => openSteerSheet({ onChange }));
  return button;
}
