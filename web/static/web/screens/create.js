// Create: a prompt with @ mentions, duration, aspect, an optional image or a remixed video; who
// the video would show and whether they allow it; live progress of jobs; drafts to play, publish
// with a caption or delete.

import { api, ApiError } from "../api.js";
import { busy, clearFormErrors, confirmDialog, debounce, errorBox, field, h, moreButton, replace, showFormErrors, sleep, timeAgo, toast, uid } from "../dom.js";
import { icon } from "../icons.js";
import { navigate } from "../router.js";
import { AccessBook, accessAction, mentionAutocomplete } from "../components/mentions.js";
import { ACTIVE_JOB, CATEGORY_WORDS, JOB_STATUS, subjectLine } from "../words.js";

const IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];
const IMAGE_MAX_BYTES = 10 * 1024 * 1024;
const POLL_MS = 1000;

/** The people the author knows: themselves, whom they follow and who follows them. */
function peopleLoader(me) {
  let loaded = null;
  return () => {
    loaded ||= Promise.all([
      api.following(me.handle, null, 100).catch(() => ({ results: [] })),
      api.followers(me.handle, null, 100).catch(() => ({ results: [] })),
    ]).then(([following, followers]) => {
      const people = new Map([[me.handle, { handle: me.handle, display_name: `${me.display_name || ""} (you)`.trim() }]]);
      for (const person of [...following.results, ...followers.results]) people.set(person.handle, person);
      return [...people.values()];
    });
    return loaded;
  };
}

function subjectsList(subjects, book, { refusedOnly = false } = {}) {
  const shown = refusedOnly ? subjects.filter((s) => s.verdict === "refused") : subjects;
  return h("ul", { class: "subjects" }, shown.map((subject) => {
    const ok = subject.verdict === "allowed";
    const canAsk = !ok && subject.handle && subject.reason === "needs_approval";
    if (canAsk) book.lookup(subject.handle);
    return h("li", { class: ["subject", ok ? "allowed" : "refused"], dataset: { handle: subject.handle || "", reason: subject.reason } },
      icon(ok ? "check" : "close", { size: 18 }),
      h("span", { class: "sr-only" }, ok ? "Allowed: " : "Refused: "),
      h("span", { class: "subject-text" }, subjectLine(subject)),
      canAsk ? h("span", { class: "access-slot", dataset: { handle: subject.handle } }, accessAction(book, subject.handle)) : null);
  }));
}

function jobRow(job, { book, onChange }) {
  const row = h("li", { class: "job", dataset: { jobId: job.id, status: job.status } });
  const prompt = h("p", { class: "job-prompt" }, `“${job.prompt}”`);
  const meta = h("p", { class: "muted small" },
    `${job.duration_s} s · ${job.aspect} · ${timeAgo(job.created_at)}${job.remix_of ? " · remix" : ""}`);
  const statusLine = h("p", { class: "job-status" }, JOB_STATUS[job.status] || job.status);
  row.append(prompt, meta, statusLine);

  if (ACTIVE_JOB.has(job.status)) {
    const progressId = uid("progress");
    const progress = h("progress", { id: progressId, max: "100", value: String(job.progress || 0) });
    const percent = h("span", { class: "job-percent", "aria-hidden": "true" }, `${job.progress || 0}%`);
    row.append(
      h("label", { for: progressId, class: "sr-only" }, `Progress of “${job.prompt}”`),
      h("div", { class: "progress-row" }, progress, percent),
      h("button", { type: "button", class: "btn ghost small", onclick: (event) => busy(event.currentTarget, async () => {
        onChange(await api.cancelJob(job.id));
      }) }, "Cancel"));
    row.update = (fresh) => {
      progress.value = fresh.progress || 0;
      percent.textContent = `${fresh.progress || 0}%`;
      statusLine.textContent = JOB_STATUS[fresh.status] || fresh.status;
    };
  } else if (job.status === "ready" && job.video) {
    const video = job.video;
    const player = h("video", {
      class: "draft-video", controls: true, muted: true, loop: true, playsinline: true, preload: "metadata",
      poster: video.poster_url || undefined, src: video.media_url || undefined,
      "aria-label": `Your draft: ${job.prompt}`,
    });
    player.muted = true;
    // A draft's URL is signed for a few minutes: when it has expired, ask for a fresh one, once.
    player.addEventListener("error", async () => {
      if (player.dataset.refreshed) return;
      player.dataset.refreshed = "1";
      try {
        const fresh = await api.job(job.id);
        if (fresh.video?.media_url) player.src = fresh.video.media_url;
        else onChange(fresh);
      } catch {
        // the row stays as it is; a reload of the screen shows the job as it is now
      }
    });
    const captionId = uid("caption");
    const failure = errorBox();
    const form = h("form", { class: "publish-form" },
      h("label", { for: captionId }, "Caption"),
      h("input", { id: captionId, name: "caption", maxlength: "300", placeholder: "Say something about it", autocomplete: "off" }),
      failure,
      h("div", { class: "row" },
        h("button", { type: "submit", class: "btn primary" }, icon("upload", { size: 18 }), "Publish"),
        h("button", { type: "button", class: "btn ghost danger-text", dataset: { action: "delete-draft" } }, icon("trash", { size: 18 }), "Delete draft")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(form.querySelector("button[type=submit]"), async () => {
        const published = await api.publish(job.id, form.elements.caption.value.trim());
        toast("Published. It's in the feed now.");
        onChange({ ...job, status: "published", video: published });
      }, { onError: async (error) => {
        if (error.code === "consent_required" || error.status === 409) {
          // Refused at publish: the job is blocked and its draft deleted; the row shows why.
          try {
            onChange(await api.job(job.id));
            return;
          } catch {
            // fall through: show the error where the form is
          }
        }
        failure.hidden = false;
        failure.replaceChildren(error.message);
        if (error.body?.subjects) failure.append(subjectsList(error.body.subjects, book, { refusedOnly: true }));
      } });
    });
    form.querySelector("[data-action=delete-draft]").addEventListener("click", async (event) => {
      const button = event.currentTarget;
      const { confirmed } = await confirmDialog({
        title: "Delete this draft?", body: "The video and its files are deleted.", confirmLabel: "Delete", danger: true,
      });
      if (confirmed) await busy(button, async () => onChange(await api.cancelJob(job.id)));
    });
    row.append(player, form);
  } else if (job.status === "ready") {
    // Its draft is gone: a person in it deleted it.
    row.append(
      h("p", { class: "job-error" }, "A person in this video deleted the draft."),
      h("button", { type: "button", class: "btn ghost small", onclick: (event) => busy(event.currentTarget, async () => {
        onChange(await api.cancelJob(job.id));
      }) }, "Remove"));
  } else if (job.status === "published" && job.video) {
    row.append(h("a", { class: "btn ghost small", href: `#/v/${job.video.id}` }, "Watch"));
  } else if (job.status === "published") {
    row.append(h("p", { class: "muted small" }, "This video has been deleted."));
  } else if (job.error || job.subjects?.some((s) => s.verdict === "refused")) {
    row.append(h("p", { class: "job-error" }, job.error?.detail || "Someone in it does not allow you."));
    const refused = (job.subjects || []).filter((s) => s.verdict === "refused");
    if (refused.length) row.append(subjectsList(refused, book));
  }
  return row;
}

export async function render({ main, query, me, signal, onLeave }) {
  const book = new AccessBook(signal);
  const people = peopleLoader(me);
  let remix = null;
  let image = null;
  let imageUrl = null;
  onLeave(() => imageUrl && URL.revokeObjectURL(imageUrl));

  // --- the form ---------------------------------------------------------------------------------
  const promptBox = h("textarea", {
    name: "prompt", rows: "4", maxlength: "1000", required: true, autocomplete: "off", spellcheck: "true",
    placeholder: "@you surfing a giant wave at sunset, cinematic",
  });
  const popup = mentionAutocomplete(promptBox, { book, people });
  const promptField = field("Describe your video", promptBox,
    { hint: "Type @ to put a person in it. Only people who allow you can be in your video." });
  promptField.querySelector("textarea").after(popup);

  const duration = h("select", { name: "duration_s" },
    [2, 3, 4, 5, 6, 8, 10].map((s) => h("option", { value: String(s), selected: s === 5 }, `${s} seconds`)));
  const aspectName = uid("aspect");
  const aspects = h("fieldset", { class: "choices inline aspect" },
    h("legend", {}, "Shape"),
    [["9:16", "Portrait"], ["1:1", "Square"], ["16:9", "Landscape"]].map(([value, label], i) => h("div", { class: "choice" },
      h("input", { type: "radio", name: "aspect", id: `${aspectName}-${i}`, value, checked: i === 0 }),
      h("label", { for: `${aspectName}-${i}` }, h("span", { class: ["shape", `shape-${i}`], "aria-hidden": "true" }), `${label} ${value}`))));

  const imageInput = h("input", { type: "file", name: "image", accept: IMAGE_TYPES.join(","), class: "file-input" });
  const imagePreview = h("div", { class: "image-preview", hidden: true });
  const imageField = field("Animate an image (optional)", imageInput,
    { hint: "JPEG, PNG or WebP, up to 10 MB. Faces in it count as people: they must allow you too." });
  imageField.append(imagePreview);
  imageInput.addEventListener("change", () => {
    const file = imageInput.files[0];
    if (imageUrl) URL.revokeObjectURL(imageUrl);
    image = null;
    imageUrl = null;
    imagePreview.hidden = true;
    if (!file) return;
    if (!IMAGE_TYPES.includes(file.type) || file.size > IMAGE_MAX_BYTES) {
      toast("Choose a JPEG, PNG or WebP image of at most 10 MB.", "error");
      imageInput.value = "";
      return;
    }
    image = file;
    imageUrl = URL.createObjectURL(file);
    replace(imagePreview,
      h("img", { src: imageUrl, alt: `The image to animate: ${file.name}` }),
      h("button", { type: "button", class: "btn ghost small", onclick: () => {
        imageInput.value = "";
        imageInput.dispatchEvent(new Event("change"));
      } }, "Remove image"));
    imagePreview.hidden = false;
  });

  const remixBox = h("div", { class: "remix-box", hidden: true });
  const check = h("section", { class: "preflight", "aria-live": "polite", "aria-label": "Who this video would show", hidden: true });
  const refusal = h("div", { class: "refusal", role: "alert", tabindex: "-1", hidden: true, dataset: { refusal: "" } });
  const summary = errorBox();
  const submit = h("button", { type: "submit", class: "btn primary wide" }, icon("spark", { size: 20 }), "Generate");
  const form = h("form", { class: "stack create-form", novalidate: true, "aria-label": "New video" },
    remixBox, promptField, check,
    h("div", { class: "row wrap" }, field("Length", duration), aspects),
    imageField, refusal, summary, submit);

  const jobsList = h("ul", { class: "jobs", "aria-label": "Your videos in progress and drafts" });
  const jobsEmpty = h("p", { class: "muted" }, "Your drafts appear here. Only you, and the people in them, can see a draft.");
  main.append(h("section", { class: "page create" },
    h("h1", {}, "Create"),
    form,
    h("h2", { id: "jobs-title" }, "Drafts and progress"),
    jobsEmpty,
    jobsList));

  // --- remix source -------------------------------------------------------------------------------
  if (query.remix) {
    try {
      remix = await api.video(query.remix);
      replace(remixBox,
        remix.poster_url ? h("img", { src: remix.poster_url, alt: "", class: "remix-poster" }) : null,
        h("div", {},
          h("p", { class: "strong" }, icon("remix", { size: 18 }), ` Remixing @${remix.author.handle}'s video`),
          remix.caption ? h("p", { class: "muted" }, remix.caption) : null,
          remix.cameos?.length ? h("p", { class: "muted small" }, `People in it: ${remix.cameos.map((c) => `@${c}`).join(", ")} — they must allow you too.`) : null),
        h("button", { type: "button", class: "icon-btn", "aria-label": "Stop remixing", onclick: () => navigate("/create", { replace: true }) }, icon("close")));
      remixBox.hidden = false;
      remixBox.dataset.remixOf = String(remix.id);
    } catch (error) {
      if (error.name === "AbortError") return;
      toast(`Can't remix that video: ${error.message}`, "error");
    }
  }

  // --- preflight: who the video would show -------------------------------------------------------
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
      const result = await api.consentCheck(prompt, remix?.id, { signal: checkController.signal });
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
    } catch (error) {
      if (error.name !== "AbortError") check.hidden = true;
    }
  }, 450);
  promptBox.addEventListener("input", () => {
    refusal.hidden = true;
    preflight();
  });
  promptBox.addEventListener("focus", preflight);
  // "Request access" buttons in the preflight, the refusal and blocked jobs follow what is known.
  book.onChange(() => {
    for (const slot of main.querySelectorAll(".access-slot")) replace(slot, accessAction(book, slot.dataset.handle));
  });
  signal.addEventListener("abort", () => {
    preflight.cancel();
    checkController?.abort();
  });

  // --- jobs ----------------------------------------------------------------------------------------
  const rows = new Map();
  function showJob(job) {
    const old = rows.get(job.id);
    if (job.status === "cancelled") {
      old?.remove();
      rows.delete(job.id);
    } else if (old && old.dataset.status === job.status && old.update) {
      old.update(job);
    } else if (!old || old.dataset.status !== job.status) {
      const row = jobRow(job, { book, onChange: showJob });
      if (old) old.replaceWith(row);
      else jobsList.prepend(row);
      rows.set(job.id, row);
      if (old && job.status === "ready") toast("Your video is ready. Watch it, then publish or delete it.");
    }
    jobsEmpty.hidden = rows.size > 0;
    if (ACTIVE_JOB.has(job.status)) poll();
  }

  let polling = false;
  async function poll() {
    if (polling) return;
    polling = true;
    try {
      while (!signal.aborted) {
        const active = [...rows.values()].filter((row) => ACTIVE_JOB.has(row.dataset.status));
        if (!active.length) break;
        await sleep(POLL_MS, signal);
        for (const row of active) showJob(await api.job(row.dataset.jobId, { signal }));
      }
    } catch (error) {
      if (error.name !== "AbortError") toast(`Lost track of a job: ${error.message}`, "error");
    } finally {
      polling = false;
    }
  }

  const jobs = await api.jobs();
  if (signal.aborted) return;
  for (const job of jobs.results.slice().reverse()) showJob(job);
  // Older jobs, a page at a time, below the others.
  const olderSlot = h("div", {});
  jobsList.after(olderSlot);
  const showOlder = (cursor) => {
    if (!cursor) return replace(olderSlot);
    replace(olderSlot, moreButton("Older drafts", async () => {
      const page = await api.jobs(cursor);
      for (const job of page.results) {
        if (rows.has(job.id)) continue;
        const row = jobRow(job, { book, onChange: showJob });
        jobsList.append(row);
        rows.set(job.id, row);
        if (ACTIVE_JOB.has(job.status)) poll();
      }
      showOlder(page.next);
    }));
  };
  showOlder(jobs.next);

  // --- submit ----------------------------------------------------------------------------------------
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
        image,
      });
      showJob(job);
      toast("Generating your video…");
      rows.get(job.id)?.scrollIntoView({ block: "nearest" });
    }, { onError: (error) => showSubmitError(error) });
  });

  function showSubmitError(error) {
    if (error.code === "consent_required") {
      const refused = (error.body.subjects || []).filter((s) => s.verdict !== "allowed");
      replace(refusal,
        h("h2", { class: "small-title" }, "We can't make this video"),
        h("p", {}, refused.length === 1
          ? "A person in it has not allowed you to use their likeness:"
          : "Some people in it have not allowed you to use their likeness:"),
        subjectsList(refused, book));
    } else if (error.code === "policy_violation") {
      const categories = (error.body.categories || []).map((c) => CATEGORY_WORDS[c] || c);
      replace(refusal,
        h("h2", { class: "small-title" }, "This prompt isn't allowed"),
        h("p", {}, `It looks like ${categories.join(", ") || "content we don't allow"}. Try describing something else.`));
    } else if (error.status === 429) {
      const wait = error.retryAfter ? ` Try again in ${Math.ceil(error.retryAfter / 60)} min.` : "";
      replace(refusal, h("p", {}, `${error.message}${wait}`));
    } else {
      showFormErrors(form, error, summary);
      return;
    }
    refusal.hidden = false;
    refusal.focus({ preventScroll: true });
    refusal.scrollIntoView({ block: "center" });
  }

  if (query.prompt) {
    promptBox.value = query.prompt;
    preflight();
  }
}
