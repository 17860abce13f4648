// Create's "who's in it": while the author types, who the video would show and whether they
// allow it, and whether the prompt may break a policy.

import { api } from "../../api.js";
import { debounce, h, replace } from "../../dom.js";
import { CATEGORY_WORDS } from "../../words.js";
import { subjectsList } from "./subjects.js";

/** Fills the check with the people in the prompt and any policy note; hidden when there is none. */
function showCheck(check, result, book) {
  const parts = [];
  if (result.subjects.length) {
    parts.push(h("h2", { class: "small-title" }, "Who's in it"), subjectsList(result.subjects, book));
  }
  if (result.categories.length) {
    parts.push(h("p", { class: "policy-note" },
      `This prompt may not be allowed: ${result.categories.map((c) => CATEGORY_WORDS[c] || c).join(", ")}.`));
  }
  replace(check, ...parts);
  check.hidden = !parts.length;
}

/** Checks the prompt as it changes (debounced); returns the check, to run it at once. */
export function watchPrompt({ promptBox, check, refusal, remix, book, signal }) {
  let checkController = null;
  const preflight = debounce(async () => {
    const prompt = promptBox.value.trim();
    checkController?.abort();
    if (!prompt || prompt.length > 1000) {
      check.hidden = true;
      return;
    }
    checkController = new AbortController();
    try {
      showCheck(check, await api.consentCheck(prompt, remix?.id, { signal: checkController.signal }), book);
    } catch (error) {
      if (error.name === "AbortError") return;
      // A prompt the server refuses to check (a quoted line in sound codes, lines too long to say in
      // any video) says why here, as Generate would; any other failure leaves the check out.
      const why = error.status === 400 ? error.fields.prompt?.[0] : null;
      replace(check, ...(why ? [h("p", { class: "policy-note" }, why)] : []));
      check.hidden = !why;
    }
  }, 450);
  promptBox.addEventListener("input", () => {
    refusal.hidden = true;
    preflight();
  });
  promptBox.addEventListener("focus", preflight);
  signal.addEventListener("abort", () => {
    preflight.cancel();
    checkController?.abort();
  });
  return preflight;
}
