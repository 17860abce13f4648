// Create's form: a prompt with @ mentions, duration, aspect, an optional image or a remixed video;
// on submit, a new job, or a refusal that says who or what is not allowed.

import { api, ApiError } from "../../api.js";
import { busy, clearFormErrors, errorBox, field, h, replace, showFormErrors, toast, uid } from "../../dom.js";
import { icon } from "../../icons.js";
import { navigate } from "../../router.js";
import { mentionAutocomplete } from "../../components/mentions.js";
import { CATEGORY_WORDS } from "../../words.js";
import { subjectsList } from "./subjects.js";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const IMAGE_MAX_BYTES = 10 * 1024 * 1024;

/** The prompt, with @ autocomplete of the people the author may put in it. */
function promptInput({ book, people }) {
  const box = h("textarea", {
    name: "prompt", rows: "4", maxlength: "1000", required: true, autocomplete: "off", spellcheck: "true",
    placeholder: "@you surfing a giant wave at sunset, cinematic",
  });
  const popup = mentionAutocomplete(box, { book, people });
  const wrapper = field("Describe your video", box,
    { hint: "Type @ to put a person in it. Only people who allow you can be in your video." });
  wrapper.querySelector("textarea").after(popup);
  return { box, wrapper };
}

function durationSelect() {
  return h("select", { name: "duration_s" },
    [2, 3, 4, 5, 6, 8, 10].map((s) => h("option", { value: String(s), selected: s === 5 }, `${s} seconds`)));
}

function aspectChoices() {
  const aspectName = uid("aspect");
  return h("fieldset", { class: "choices inline aspect" },
    h("legend", {}, "Shape"),
    [["9:16", "Portrait"], ["1:1", "Square"], ["16:9", "Landscape"]].map(([value, label], i) => h("div", { class: "choice" },
      h("input", { type: "radio", name: "aspect", id: `${aspectName}-${i}`, value, checked: i === 0 }),
      h("label", { for: `${aspectName}-${i}` }, h("span", { class: ["shape", `shape-${i}`], "aria-hidden": "true" }), `${label} ${value}`))));
}

/** An optional image to animate, previewed; `file()` is the chosen one (or null). */
function imagePicker(onLeave) {
  let image = null;
  let imageUrl = null;
  onLeave(() => imageUrl && URL.revokeObjectURL(imageUrl));
  const input = h("input", { type: "file", name: "image", accept: IMAGE_TYPES.join(","), class: "file-input" });
  const preview = h("div", { class: "image-preview", hidden: true });
  const wrapper = field("Animate an image (optional)", input,
    { hint: "JPEG, PNG or WebP, up to 10 MB. Faces in it count as people: they must allow you too." });
  wrapper.append(preview);
  input.addEventListener("change", () => {
    const file = input.files[0];
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    image = null;
    imageUrl = null;
    preview.hidden = true;
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type) || file.size > IMAGE_MAX_BYTES) {
      toast("Choose a JPEG, PNG or WebP image of at most 10 MB.", "error");
      input.value = "";
      return;
    }
    image = file;
    imageUrl = URL.createObjectURL(file);
    replace(preview,
      h("img", { src: imageUrl, alt: `The image to animate: ${file.name}` }),
      h("button", { type: "button", class: "btn ghost small", onclick: () => {
        input.value = "";
        input.dispatchEvent(new Event("change"));
      } }, "Remove image"));
    preview.hidden = false;
  });
  return { wrapper, file: () => image };
}

/** The form and the parts the screen works with. */
export function createForm({ book, people, onLeave }) {
  const prompt = promptInput({ book, people });
  const duration = durationSelect();
  const aspects = aspectChoices();
  const image = imagePicker(onLeave);
  const remixBox = h("div", { class: "remix-box", hidden: true });
  const check = h("section", { class: "preflight", "aria-live": "polite", "aria-label": "Who this video would show", hidden: true });
  const refusal = h("div", { class: "refusal", role: "alert", tabindex: "-1", hidden: true, dataset: { refusal: "" } });
  const summary = errorBox();
  const submit = h("button", { type: "submit", class: "btn primary wide" }, icon("spark", { size: 20 }), "Generate");
  const form = h("form", { class: "stack create-form", novalidate: true, "aria-label": "New video" },
    remixBox, prompt.wrapper, check,
    h("div", { class: "row wrap" }, field("Length", duration), aspects),
    image.wrapper, refusal, summary, submit);
  // Never the browser's own submit (a reload to "/?prompt=…" that loses the prompt), also while the
  // screen is still loading, before onSubmit is wired.
  form.addEventListener("submit", (event) => event.preventDefault());
  return { form, promptBox: prompt.box, duration, image: image.file, remixBox, check, refusal, summary, submit };
}

/** Shows the remixed video's source above the prompt; null when it can't be had. */
export async function showRemix(remixBox, id) {
  try {
    const remix = await api.video(id);
    replace(remixBox,
      remix.poster_url ? h("img", { src: remix.poster_url, alt: "", class: "remix-poster" }) : null,
      h("div", {},
        h("p", { class: "strong" }, icon("remix", { size: 18 }), ` Remixing @${remix.author.handle}'s video`),
        remix.caption ? h("p", { class: "muted" }, remix.caption) : null,
        remix.cameos?.length ? h("p", { class: "muted small" }, `People in it: ${remix.cameos.map((c) => `@${c}`).join(", ")} — they must allow you too.`) : null),
      h("button", { type: "button", class: "icon-btn", "aria-label": "Stop remixing", onclick: () => navigate("/create", { replace: true }) }, icon("close")));
    remixBox.hidden = false;
    remixBox.dataset.remixOf = String(remix.id);
    return remix;
  } catch (error) {
    if (error.name === "AbortError") throw error;
    toast(`Can't remix that video: ${error.message}`, "error");
    return null;
  }
}

/** What a refusal says: who does not allow it, which policy it breaks, or when to try again. */
function refusalParts(error, book) {
  if (error.code === "consent_required") {
    const refused = (error.body.subjects || []).filter((s) => s.verdict !== "allowed");
    return [
      h("h2", { class: "small-title" }, "We can't make this video"),
      h("p", {}, refused.length === 1
        ? "A person in it has not allowed you to use their likeness:"
        : "Some people in it have not allowed you to use their likeness:"),
      subjectsList(refused, book),
    ];
  }
  if (error.code === "policy_violation") {
    const categories = (error.body.categories || []).map((c) => CATEGORY_WORDS[c] || c);
    return [
      h("h2", { class: "small-title" }, "This prompt isn't allowed"),
      h("p", {}, `It looks like ${categories.join(", ") || "content we don't allow"}. Try describing something else.`),
    ];
  }
  if (error.status === 429) return [h("p", {}, error.message)]; // with when to try again (api.js)
  return null;
}

function showSubmitError(error, parts, book) {
  const said = refusalParts(error, book);
  if (!said) {
    showFormErrors(parts.form, error, parts.summary);
    return;
  }
  replace(parts.refusal, ...said);
  parts.refusal.hidden = false;
  parts.refusal.focus({ preventScroll: true });
  parts.refusal.scrollIntoView({ block: "center" });
}

/** On submit: a new job (`onJob`), or what is wrong with the request. */
export function onSubmit(parts, { remix, book, onJob }) {
  const { form, promptBox, duration, image, refusal, summary, submit } = parts;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    summary.hidden = true;
    refusal.hidden = true;
    const prompt = promptBox.value.trim();
    if (!prompt) {
      showFormErrors(form, new ApiError(400, { error: "invalid", detail: "Describe your video.", fields: { prompt: ["Describe your video."] } }), summary);
      return;
    }
    busy(submit, async () => {
      const job = await api.generate({
        prompt,
        durationS: Number(duration.value),
        aspect: form.elements.aspect.value,
        remixOf: remix?.id,
        image: image(),
      });
      onJob(job);
    }, { onError: (error) => showSubmitError(error, parts, book) });
  });
}
