// Create's drafts: a ready job's video to play, publish with a caption or delete; and what is left
// of a draft a person in it deleted.

import { api } from "../../api.js";
import { busy, confirmDialog, errorBox, h, toast, uid } from "../../dom.js";
import { icon } from "../../icons.js";
import { subjectsList } from "./subjects.js";

/** A button that cancels the job (or deletes its draft) and shows what it became. */
export function cancelButton(job, label, onChange) {
  return h("button", { type: "button", class: "btn ghost small", onclick: (event) => busy(event.currentTarget, async () => {
    onChange(await api.cancelJob(job.id));
  }) }, label);
}

/** The draft's video, muted and looping; an expired signed URL is refreshed once. */
function draftPlayer(job, onChange) {
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
  return player;
}

/** Why publishing failed; a refusal at publish shows the job as it is now (blocked, draft gone). */
async function showPublishError(error, { job, failure, book, onChange }) {
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
}

/** Asks first, then deletes the draft. */
async function deleteDraft(event, job, onChange) {
  const button = event.currentTarget;
  const { confirmed } = await confirmDialog({
    title: "Delete this draft?", body: "The video and its files are deleted.", confirmLabel: "Delete", danger: true,
  });
  if (confirmed) await busy(button, async () => onChange(await api.cancelJob(job.id)));
}

/** The caption, "Publish" and "Delete draft". */
function publishForm(job, { book, onChange }) {
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
    }, { onError: (error) => showPublishError(error, { job, failure, book, onChange }) });
  });
  form.querySelector("[data-action=delete-draft]").addEventListener("click", (event) => deleteDraft(event, job, onChange));
  return form;
}

/** A ready job with its draft: the player and the publish form. */
export function draftParts(job, { book, onChange }) {
  return [draftPlayer(job, onChange), publishForm(job, { book, onChange })];
}

/** A ready job whose draft is gone: a person in it deleted it before such a job came to end with its
 * draft (it is `blocked`, `deleted_by_person_in_it`, since; rows kept from before still show this). */
export function goneDraftParts(job, { onChange }) {
  return [
    h("p", { class: "job-error" }, "A person in this video deleted the draft."),
    cancelButton(job, "Remove", onChange),
  ];
}
