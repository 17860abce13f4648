// Request removal, with or without an account (docs/takedowns.md): a person whose face is in a video
// here answers a head-pose challenge with a selfie video (recorded here, with enrollment's recorder,
// or uploaded), leaves an email and optionally links, and gets a tracking number; the request's page
// (#/removal/<tracking>) follows it. No token is ever sent with these calls.

import { ApiError, api, session } from "../api.js";
import { busy, clearFormErrors, errorBox, field, h, replace, showError, showFormErrors, sleep, timeAgo, uid } from "../dom.js";
import { icon } from "../icons.js";
import { navigate } from "../router.js";
import { takedownHeadline } from "../words.js";
import {
  MAX_UPLOAD_BYTES, STEPS_USED, VIDEO_TYPES, cameraError, canRecord, expiresLine, isChallengeError, recordingExtension, stepsList, webcam,
} from "./enroll.js";

const POLL_MS = 2000;

const normalize = (tracking) => tracking.trim().toUpperCase().replace(/\s+/g, "");

/** "Follow a request": a tracking number → its page. */
function lookupForm() {
  const titleId = uid("lookup");
  const input = h("input", { name: "tracking", autocapitalize: "characters", autocomplete: "off", spellcheck: "false",
    placeholder: "TD-XXXX-XXXX-XXXX-XXXX" });
  const form = h("form", { class: "card stack", novalidate: true, "aria-labelledby": titleId },
    h("h2", { id: titleId }, "Follow a request"),
    field("Tracking number", input, { hint: "The number you were given when you sent your request." }),
    h("button", { type: "submit", class: "btn ghost" }, icon("search", { size: 18 }), "Check status"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearFormErrors(form);
    const tracking = normalize(input.value);
    if (!tracking) {
      showFormErrors(form, { fields: { tracking: ["Enter the tracking number you were given."] } }, null);
      return;
    }
    navigate(`/removal/${encodeURIComponent(tracking)}`);
  });
  return form;
}

function signInLine() {
  if (session.signedIn) return null;
  return h("p", { class: "muted small" }, "Have an account? ", h("a", { href: "#/welcome" }, "Sign in"), ".");
}

// --- #/removal: the request ------------------------------------------------------------------------

export async function render({ main, signal, onLeave }) {
  const camera = webcam(signal);
  onLeave(camera.dispose);
  const area = h("div", { class: "stack" });
  main.append(h("section", { class: "page removal" },
    h("h1", {}, "Request removal"),
    h("p", { class: "lead" }, "If your face appears in a video here, you can ask us to take it down. You don't need an account."),
    h("p", {}, "We check that it is really you with a short selfie video. Videos that show you are hidden at once and a person reviews them within 48 hours. Your selfie video is deleted as soon as it is checked, and the face template made from it when the request closes."),
    session.signedIn
      ? h("p", { class: "muted small" }, "This request is not tied to your account. With a cameo, ",
        h("a", { href: "#/of-me" }, "Videos of me"), " also lists the videos that show you, for you to delete.")
      : null,
    area,
    lookupForm(),
    signInLine()));

  let challenge;
  async function fetchChallenge() {
    challenge = await api.takedownChallenge();
  }
  try {
    await fetchChallenge();
  } catch (error) {
    if (error.name === "AbortError" || signal.aborted) return;
    const failure = errorBox();
    const retry = h("button", { type: "button", class: "btn primary" }, "Try again");
    retry.addEventListener("click", () => navigate("/removal"));
    replace(area, failure, retry);
    showError(failure, error);
    return;
  }
  if (signal.aborted) return;
  requestForm();

  function requestForm() {
    let chosen = null; // {blob, filename}: the recording or the chosen file
    const stepsBox = h("div", { class: "stack" });
    const showSteps = () => replace(stepsBox, stepsList(challenge.steps), expiresLine(challenge));
    showSteps();

    const stage = h("div", { class: "stack", hidden: true });
    const input = h("input", { type: "file", name: "video", accept: VIDEO_TYPES });
    const record = canRecord()
      ? h("button", { type: "button", class: "btn primary wide" }, icon("camera", { size: 20 }), "Record with the camera")
      : null;
    const preview = h("video", { class: "review-video", controls: true, muted: true, playsinline: true, hidden: true,
      "aria-label": "Your selfie video" });
    const previewNote = h("p", { class: "muted small", hidden: true });
    const cameraFailure = errorBox();
    const chooser = h("div", { class: "stack" },
      record,
      cameraFailure,
      field(record ? "Or upload a video" : "Your video", input, { hint: "MP4, WebM or MOV; 2 to 15 seconds; at most 20 MB." }),
      preview,
      previewNote);

    const email = h("input", { type: "email", name: "email", autocomplete: "email", autocapitalize: "none", spellcheck: "false",
      required: true, maxlength: 254 });
    const videos = h("textarea", { name: "videos", rows: 3, autocapitalize: "none", spellcheck: "false" });
    const summary = errorBox();
    const renew = h("button", { type: "button", class: "btn primary wide", hidden: true }, "Get new steps");
    const send = h("button", { type: "submit", class: "btn primary wide" }, icon("shield", { size: 20 }), "Send request");
    const form = h("form", { class: "stack", novalidate: true, "aria-label": "Request removal" },
      h("h2", {}, "1. A selfie video"),
      h("p", {}, "Do these steps, in this order, holding each pose for about a second. Only you in the picture, in good light."),
      stepsBox,
      stage,
      chooser,
      h("h2", {}, "2. Your request"),
      field("Email", email, { hint: "Where we can reach you about this request." }),
      field("Links to the videos (optional)", videos,
        { hint: "One per line: a link to a video here, or its number. We also look for your face in every video." }),
      summary,
      renew,
      send);
    replace(area, form);

    function choose(blob, filename, note) {
      chosen = blob ? { blob, filename } : null;
      preview.hidden = !blob;
      previewNote.hidden = !note;
      previewNote.textContent = note || "";
      if (blob) preview.src = camera.url(blob);
      else preview.removeAttribute("src");
    }

    input.addEventListener("change", () => {
      clearFormErrors(form);
      const file = input.files[0];
      choose(file || null, file?.name || "", null);
      if (file && record) record.lastChild.textContent = "Record with the camera";
    });

    record?.addEventListener("click", () => busy(record, async () => {
      cameraFailure.hidden = true;
      const back = () => {
        stage.hidden = true;
        stage.replaceChildren();
        chooser.hidden = false;
      };
      chooser.hidden = true;
      stage.hidden = false;
      let take;
      try {
        take = await camera.record(stage, challenge.steps, { onCancel: back });
      } finally {
        if (!signal.aborted) back();
      }
      if (!take) return;
      input.value = "";
      const seconds = (take.durationMs / 1000).toFixed(1);
      choose(take.blob, `selfie.${recordingExtension(take.blob)}`,
        `Your recording, ${seconds} s. Watch it: did you do each step, in order? If not, record again.`);
      record.lastChild.textContent = "Record again";
      preview.focus();
    }, { onError: (error) => showError(cameraFailure, cameraError(error)) }));

    renew.addEventListener("click", () => busy(renew, async () => {
      await fetchChallenge();
      showSteps();
      choose(null, "", null);
      input.value = "";
      if (record) record.lastChild.textContent = "Record with the camera";
      renew.hidden = true;
      send.hidden = false;
      clearFormErrors(form);
      summary.textContent = "New steps are above: record or upload a video of them, then send again.";
      summary.hidden = false;
      summary.focus();
    }, { onError: (error) => showError(summary, error) }));

    form.addEventListener("submit", (event) => {
      event.preventDefault();
      clearFormErrors(form);
      summary.hidden = true;
      const problem = !chosen
        ? "Record or choose a video of the steps first."
        : chosen.blob.size > MAX_UPLOAD_BYTES ? "This video is larger than 20 MB." : null;
      if (problem) {
        showFormErrors(form, { fields: { video: [problem] } }, summary);
        return;
      }
      const links = videos.value.split("\n").map((line) => line.trim()).filter(Boolean);
      busy(send, async () => {
        const created = await api.takedown({
          video: chosen.blob, filename: chosen.filename, challengeId: challenge.id, email: email.value.trim(), videos: links,
        });
        camera.stop();
        received(created);
      }, {
        onError: (error) => {
          const said = isChallengeError(error)
            ? { fields: { ...error.fields, challenge: [`${STEPS_USED} Get new steps, then record or upload a video of them.`] } }
            : error;
          showFormErrors(form, said, summary);
          if (isChallengeError(error)) {
            // These steps can't be used again: new ones, and a new video of them.
            send.hidden = true;
            renew.hidden = false;
          }
        },
      });
    });
  }

  function received(created) {
    const titleId = uid("received");
    const link = `#/removal/${encodeURIComponent(created.tracking)}`;
    replace(area, h("section", { class: "card stack received", "aria-labelledby": titleId },
      h("h2", { id: titleId, tabindex: "-1" }, icon("check", { size: 22 }), " Request received"),
      h("p", {}, "Your tracking number:"),
      h("p", { class: "tracking-number", dataset: { tracking: created.tracking } }, created.tracking),
      h("p", {}, "Keep it to follow your request: it shows nothing about you to anyone else. We also write to the "
        + "email you gave once your face is checked, and again when the request is decided."),
      h("a", { class: "btn primary wide", href: link }, "Follow your request")));
    area.querySelector("h2").focus();
  }
}

// --- #/removal/<tracking>: its status -------------------------------------------------------------

function statusCard(card, request) {
  card.dataset.takedownStatus = request.status;
  const parts = [h("h2", { id: "takedown-status-title" }, takedownHeadline(request))];
  const again = h("a", { class: "btn ghost", href: "#/removal" }, "Send a new request");
  switch (request.status) {
    case "verifying":
      parts.push(
        h("div", { class: "spinner", role: "progressbar", "aria-label": "Checking your video" }),
        h("p", { role: "status" }, "We are checking that the selfie is you, then looking for your face in our videos. This page refreshes by itself."));
      break;
    case "rejected":
      parts.push(
        h("p", { class: "reason", role: "alert" }, request.reason || "We could not verify that the video shows a live person doing the steps."),
        h("p", { class: "muted small" }, "Your selfie has been deleted. Try again with good light, only you in the picture, and each pose held for a second."),
        again);
      break;
    case "no_match":
      parts.push(
        h("p", {}, "We compared your selfie with every video here and found none that shows you. Your selfie has been deleted."),
        h("p", { class: "muted small" }, "If a video of you appears later, send a new request."),
        again);
      break;
    case "hidden":
      parts.push(
        h("p", {}, request.videos_hidden === 1
          ? "No one can see it now. A person reviews your request within 48 hours of receiving it: the video is then deleted for good, with any copy blocked, or put back."
          : request.videos_hidden
            ? "No one can see them now. A person reviews your request within 48 hours of receiving it: the videos are then deleted for good, with any copy blocked, or put back."
            : "A person reviews your request within 48 hours of receiving it."));
      break;
    case "removed":
      parts.push(h("p", {}, "The videos are deleted everywhere, and copies of them cannot be published. Your selfie has been deleted."));
      break;
    case "dismissed":
      parts.push(
        request.reason ? h("p", { class: "reason" }, request.reason) : null,
        h("p", {}, "A reviewer found no grounds to remove the videos, so they are visible again. Your selfie has been deleted."));
      break;
    default:
      break;
  }
  parts.push(h("p", { class: "muted small" }, `Received ${timeAgo(request.received_at)}.`));
  replace(card, ...parts);
}

export async function renderStatus({ main, params, signal }) {
  const tracking = normalize(params.tracking);
  const card = h("section", { class: "card status-card", "aria-labelledby": "takedown-status-title", "aria-live": "polite" },
    h("div", { class: "spinner", role: "progressbar", "aria-label": "Loading" }));
  const note = h("p", { class: "muted small", role: "status", hidden: true });
  main.append(h("section", { class: "page removal" },
    h("h1", {}, "Your removal request"),
    h("p", {}, "Tracking number ", h("strong", { class: "tracking-inline", dataset: { tracking } }, tracking)),
    card,
    note,
    lookupForm(),
    signInLine()));

  let current;
  try {
    current = await api.takedownStatus(tracking, { signal });
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
    card.dataset.takedownStatus = "unknown";
    replace(card,
      h("h2", { id: "takedown-status-title" }, "No request has this number"),
      h("p", { class: "muted small", role: "alert" }, "Check the number you were given, or send a new request."),
      h("a", { class: "btn ghost", href: "#/removal" }, "Request removal"));
    return;
  }
  statusCard(card, current);
  // The worker takes a little while: follow the request while its selfie is checked.
  let wait = POLL_MS;
  while (current.status === "verifying" && !signal.aborted) {
    await sleep(wait, signal);
    try {
      const fresh = await api.takedownStatus(tracking, { signal });
      note.hidden = true;
      wait = POLL_MS;
      if (fresh.status !== current.status) statusCard(card, fresh);
      current = fresh;
    } catch (error) {
      if (error.name === "AbortError" || signal.aborted) return;
      // Keep what the page shows and try again later (Retry-After on a 429).
      note.textContent = `We could not refresh the status: ${error.message}`;
      note.hidden = false;
      wait = error.retryAfter ? error.retryAfter * 1000 : Math.min(wait * 2, 30000);
    }
  }
}
