// Enrolling a cameo: a random head-pose challenge, performed in front of the webcam
// (getUserMedia + MediaRecorder, one step at a time with a countdown) or in an uploaded video.
// Optionally with the person's voice: the challenge then has digits to read aloud while recording,
// and the microphone is recorded with the camera.
// The challenge's pieces (its steps, the recorder) are shared with the removal request (removal.js).

import { api, request } from "../api.js";
import { busy, errorBox, h, replace, showError, sleep } from "../dom.js";
import { icon } from "../icons.js";
import { navigate } from "../router.js";
import { fixWebmDuration } from "../webm.js";
import { STEP_ICONS, STEP_WORDS } from "../words.js";

export const COUNTDOWN_MS = 3000; // "get ready" before the recording starts
export const STEP_MS = 2000; // each pose is shown (and should be held) this long
export const TAIL_MS = 500; // recorded after the last step
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
export const VIDEO_TYPES = "video/mp4,video/webm,video/quicktime";
const RECORDING_TYPES = ["video/mp4;codecs=avc1", "video/mp4", "video/webm;codecs=vp9", "video/webm;codecs=vp8", "video/webm"];
// With the voice step: the same containers, with a sound track.
const RECORDING_TYPES_WITH_SOUND = ["video/mp4;codecs=avc1,mp4a.40.2", "video/mp4;codecs=avc1,opus",
  "video/webm;codecs=vp9,opus", "video/webm;codecs=vp8,opus", "video/webm"];

/** A new enrollment challenge; with `voice`, it has `say_digits` to read aloud. */
export function newChallenge({ voice = false } = {}) {
  return voice ? request("POST", "/cameo/challenges", { json: { voice: true } }) : api.challenge();
}

/** "4 8 2 1 3": the digits spaced, to read one at a time. */
export const spacedDigits = (digits) => [...String(digits)].join(" ");

/** The digits to read aloud, large (`data-say-digits` holds them for tests). */
export function digitsLine(digits) {
  return h("p", { class: "say-digits", dataset: { sayDigits: digits } }, `Say: ${spacedDigits(digits)}`);
}

/** The challenge's steps, in order (the page's `data-challenge-steps` lists them for tests). */
export function stepsList(steps) {
  return h("ol", { class: "challenge-steps", dataset: { challengeSteps: steps.join(",") } },
    steps.map((step) => h("li", { dataset: { step } }, icon(STEP_ICONS[step], { size: 22 }), h("span", {}, STEP_WORDS[step]))));
}

export function expiresLine(challenge) {
  const at = new Date(challenge.expires_at);
  return h("p", { class: "muted small" },
    `These steps can be used until ${at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}.`);
}

/** The challenge was unknown, used or expired: only new steps will do. */
export function isChallengeError(error) {
  return Boolean(error.fields?.challenge);
}

// A used or expired challenge, in the screens' word ("steps"; the API says "challenge").
export const STEPS_USED = "These steps have expired or were already used.";

async function submit(file, challenge, filename) {
  await api.enroll(file, challenge.id, filename);
  navigate("/cameo", { replace: true });
}

// --- the webcam ----------------------------------------------------------------------------------

export const canRecord = () => Boolean(navigator.mediaDevices?.getUserMedia && window.MediaRecorder);
export const recordingExtension = (blob) => (blob.type.includes("mp4") ? "mp4" : "webm");

/** A camera failure in words (getUserMedia's errors); with `voice`, the microphone was asked for too. */
export function cameraError(error, { voice = false } = {}) {
  if (voice && ["NotAllowedError", "NotFoundError", "NotReadableError"].includes(error.name)) {
    return new Error("The camera or the microphone could not be opened. Allow both for this site, or untick \u201cAdd my voice\u201d to record without sound.");
  }
  if (error.name === "NotAllowedError") return new Error("Camera access was blocked. Allow the camera for this site in your browser's settings, then try again.");
  if (error.name === "NotFoundError" || error.name === "OverconstrainedError") return new Error("No camera was found. You can upload a video instead.");
  if (error.name === "NotReadableError") return new Error("The camera is in use by another app. Close it and try again.");
  return error;
}

/**
 * The webcam of one screen. record(box, steps, {onCancel, voice, digits}) opens the camera in `box`
 * (a mirrored preview), counts down COUNTDOWN_MS, shows each step alone for STEP_MS while
 * MediaRecorder records, and resolves {blob, durationMs}; or null when the person pressed Cancel
 * (`onCancel` has run) or left. With `voice`, the microphone is recorded too (a sound track), and
 * `digits` are shown throughout, to read aloud; without it no microphone is asked for. url(blob) is
 * an object URL freed by dispose(), which also closes the camera (on leaving).
 */
export function webcam(signal) {
  let stream = null;
  let recorder = null;
  const urls = [];
  const stop = () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
    stream?.getTracks().forEach((track) => track.stop());
    stream = null;
  };

  async function record(box, steps, { onCancel, voice = false, digits = null }) {
    stream = await navigator.mediaDevices.getUserMedia({
      video: { facingMode: "user", width: { ideal: 1280 }, height: { ideal: 720 } },
      audio: voice, // the microphone only for the voice step
    });
    if (signal.aborted) {
      stop();
      return null;
    }
    const preview = h("video", { class: "camera-preview", muted: true, playsinline: true, autoplay: true, srcObject: stream,
      "aria-label": "Your camera, mirrored" });
    preview.muted = true;
    const cueIcon = h("span", { class: "cue-icon", "aria-hidden": "true" });
    const cueText = h("p", { class: "cue-text" }, "Get ready");
    const cueCount = h("p", { class: "cue-count", "aria-hidden": "true" });
    const announce = h("p", { class: "sr-only", "aria-live": "assertive" });
    const dots = h("ol", { class: "step-dots", "aria-hidden": "true" }, steps.map(() => h("li", {})));
    const cancel = h("button", { type: "button", class: "btn ghost" }, "Cancel");
    const stage = h("div", {
      class: "camera-stage",
      dataset: { phase: "countdown", countdownMs: COUNTDOWN_MS, stepMs: STEP_MS, tailMs: TAIL_MS },
    }, preview, digits ? digitsLine(digits) : null,
    h("div", { class: "cue", role: "group", "aria-label": "Instructions" }, cueIcon, cueText, cueCount), dots, announce);
    replace(box, stage, cancel);
    let cancelled = false;
    cancel.addEventListener("click", () => {
      cancelled = true;
      stop();
      onCancel();
    });
    await new Promise((resolve) => {
      if (preview.readyState >= 2) resolve();
      else preview.addEventListener("loadeddata", resolve, { once: true });
    });
    await preview.play().catch(() => {});

    const countDown = async (ms) => {
      const end = performance.now() + ms;
      while (performance.now() < end && !cancelled) {
        cueCount.textContent = String(Math.ceil((end - performance.now()) / 1000));
        await sleep(100, signal);
      }
    };
    announce.textContent = digits
      ? `Get ready. Recording starts in 3 seconds. While you do the steps, say aloud: ${spacedDigits(digits)}.`
      : "Get ready. Recording starts in 3 seconds.";
    await countDown(COUNTDOWN_MS);
    if (cancelled) return null;

    const types = voice ? RECORDING_TYPES_WITH_SOUND : RECORDING_TYPES;
    const mimeType = types.find((type) => MediaRecorder.isTypeSupported(type)) || "";
    const rates = voice ? { videoBitsPerSecond: 2_500_000, audioBitsPerSecond: 96_000 } : { videoBitsPerSecond: 2_500_000 };
    recorder = new MediaRecorder(stream, mimeType ? { mimeType, ...rates } : {});
    stage.dataset.mimeType = recorder.mimeType || mimeType;
    const chunks = [];
    recorder.addEventListener("dataavailable", (event) => event.data.size && chunks.push(event.data));
    const stopped = new Promise((resolve) => recorder.addEventListener("stop", resolve, { once: true }));
    const started = new Promise((resolve) => recorder.addEventListener("start", resolve, { once: true }));
    recorder.start(250);
    await started;
    const startedAt = performance.now();
    stage.dataset.phase = "recording";
    stage.classList.add("recording");

    for (const [i, step] of steps.entries()) {
      stage.dataset.step = step;
      dots.children[i].classList.add("current");
      replace(cueIcon, icon(STEP_ICONS[step], { size: 64 }));
      cueText.textContent = STEP_WORDS[step];
      announce.textContent = `Step ${i + 1} of ${steps.length}: ${STEP_WORDS[step]}`;
      await countDown(STEP_MS);
      if (cancelled) return null;
      dots.children[i].classList.replace("current", "done");
    }
    cueText.textContent = "Hold still";
    cueCount.textContent = "";
    await sleep(TAIL_MS, signal);
    if (cancelled) return null;
    recorder.stop();
    await stopped;
    const durationMs = performance.now() - startedAt;
    stop();
    const type = (recorder.mimeType || mimeType || "video/webm").split(";")[0];
    const blob = await fixWebmDuration(new Blob(chunks, { type }), durationMs);
    return { blob, durationMs };
  }

  return {
    record,
    stop,
    url(blob) {
      const url = URL.createObjectURL(blob);
      urls.push(url);
      return url;
    },
    dispose() {
      stop();
      urls.forEach((url) => URL.revokeObjectURL(url));
    },
  };
}

export async function renderRecord({ main, signal, onLeave }) {
  const body = h("div", { class: "stack" });
  main.append(h("section", { class: "page enroll" }, h("h1", {}, "Record your cameo"), body));

  if (!canRecord()) {
    replace(body,
      h("p", { role: "alert" }, "This browser can't record from the camera here. You can upload a video instead."),
      h("a", { class: "btn primary", href: "#/cameo/upload" }, "Upload a video"));
    return;
  }

  const camera = webcam(signal);
  onLeave(camera.dispose);

  let voice = false; // "Add my voice": the challenge has digits to read, the microphone is recorded
  let challenge = await newChallenge();
  if (signal.aborted) return;

  function voiceChoice(failure) {
    const box = h("input", { type: "checkbox", id: "enroll-voice", checked: voice, "aria-describedby": "enroll-voice-hint" });
    box.addEventListener("change", async () => {
      // A voice challenge has digits (and the server then wants them spoken): fetch the right kind.
      box.disabled = true;
      try {
        challenge = await newChallenge({ voice: box.checked });
        voice = box.checked;
        if (!signal.aborted) {
          intro();
          document.getElementById("enroll-voice")?.focus();
        }
      } catch (error) {
        box.checked = voice;
        box.disabled = false;
        showError(failure, error);
      }
    });
    return h("div", { class: "check voice-choice" }, box,
      h("div", {},
        h("label", { for: "enroll-voice" }, icon("mic", { size: 18 }), " Add my voice"),
        h("p", { class: "hint", id: "enroll-voice-hint" }, "Read a few digits aloud so your cameo can have your voice.")));
  }

  function intro() {
    const start = h("button", { type: "button", class: "btn primary wide" }, icon("camera", { size: 20 }), "Start camera and record");
    const failure = errorBox();
    const digits = voice ? challenge.say_digits : null;
    replace(body,
      h("p", {}, "Follow these steps, in order. Each one appears on screen with a countdown: hold the pose until it ends."),
      stepsList(challenge.steps),
      voiceChoice(failure),
      digits ? h("p", {}, "While you do the steps, read these digits aloud, clearly, one at a time:") : null,
      digits ? digitsLine(digits) : null,
      expiresLine(challenge),
      h("ul", { class: "tips" },
        h("li", {}, "Good light on your face; no bright window behind you."),
        h("li", {}, "Only you in the picture: no other people, photos or screens."),
        h("li", {}, "Hold the phone at arm's length, your face filling about a third of the frame.")),
      h("p", { class: "muted small" }, "The preview is mirrored. The recording is only used to verify you, and deleted once checked."),
      failure,
      start,
      h("a", { class: "btn ghost wide", href: "#/cameo/upload" }, icon("upload", { size: 18 }), "Upload a video instead"));
    start.addEventListener("click", () => busy(start, async () => {
      const take = await camera.record(body, challenge.steps, { onCancel: intro, voice, digits });
      if (take) review(take.blob, take.durationMs);
    }, { onError: (error) => showError(failure, cameraError(error, { voice })) }));
  }

  function review(blob, durationMs) {
    const url = camera.url(blob);
    const extension = recordingExtension(blob);
    const use = h("button", { type: "button", class: "btn primary wide" }, icon("check", { size: 20 }), "Use this video");
    const again = h("button", { type: "button", class: "btn ghost wide" }, "Record again");
    const failure = errorBox();
    replace(body,
      h("h2", {}, "Check your recording"),
      h("video", { class: "review-video", src: url, controls: true, playsinline: true, muted: !voice,
        "aria-label": "Your recording", dataset: { recorded: extension } }),
      h("p", { class: "muted small" }, `${(durationMs / 1000).toFixed(1)} s, ${(blob.size / 1024 / 1024).toFixed(1)} MB.`),
      h("p", {}, voice && challenge.say_digits
        ? `Did you do each step, in order, until its countdown ended, and say ${spacedDigits(challenge.say_digits)}?`
        : "Did you do each step, in order, until its countdown ended?"),
      stepsList(challenge.steps),
      failure,
      use,
      again);
    again.addEventListener("click", intro);
    use.addEventListener("click", () => busy(use, () => submit(blob, challenge, `cameo.${extension}`), {
      onError: (error) => {
        showError(failure, isChallengeError(error) ? new Error(`${STEPS_USED} Get new steps and record again.`) : error);
        if (isChallengeError(error)) {
          // These steps can't be used again: only new ones (a failure to get them is a toast).
          use.hidden = true;
          const fresh = h("button", { type: "button", class: "btn primary wide" }, "Get new steps and record again");
          fresh.addEventListener("click", () => busy(fresh, async () => {
            challenge = await newChallenge({ voice });
            intro();
          }));
          again.replaceWith(fresh);
        }
      },
    }));
    use.focus();
  }

  intro();
}

// --- an uploaded video ----------------------------------------------------------------------------

export async function renderUpload({ main, signal, onLeave }) {
  const body = h("div", { class: "stack" });
  main.append(h("section", { class: "page enroll" }, h("h1", {}, "Upload a cameo video"), body));
  let challenge = await api.challenge();
  if (signal.aborted) return;
  let previewUrl = null;
  onLeave(() => previewUrl && URL.revokeObjectURL(previewUrl));

  const input = h("input", { type: "file", id: "enroll-file", name: "video", accept: VIDEO_TYPES,
    "aria-describedby": "enroll-file-hint" });
  const preview = h("video", { class: "review-video", controls: true, muted: true, playsinline: true, hidden: true, "aria-label": "The video you chose" });
  const failure = errorBox();
  const upload = h("button", { type: "submit", class: "btn primary wide" }, icon("upload", { size: 20 }), "Upload and verify");
  const stepsBox = h("div", {}, stepsList(challenge.steps), expiresLine(challenge));
  const form = h("form", { class: "stack", novalidate: true },
    h("p", {}, "Record a selfie video of yourself doing these steps, in this order, holding each pose for about a second:"),
    stepsBox,
    h("div", { class: "field" },
      h("label", { for: "enroll-file" }, "Your video"),
      input,
      h("p", { class: "hint", id: "enroll-file-hint" }, "MP4, WebM or MOV; 2 to 15 seconds; at most 20 MB.")),
    preview,
    failure,
    upload,
    h("a", { class: "btn ghost wide", href: "#/cameo/record" }, icon("camera", { size: 18 }), "Use the camera instead"));
  body.append(form);

  input.addEventListener("change", () => {
    failure.hidden = true;
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    const file = input.files[0];
    preview.hidden = !file;
    if (!file) return;
    previewUrl = URL.createObjectURL(file);
    preview.src = previewUrl;
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return showError(failure, new Error("Choose a video first."));
    if (file.size > MAX_UPLOAD_BYTES) return showError(failure, new Error("This video is larger than 20 MB."));
    return busy(upload, () => submit(file, challenge, file.name), {
      onError: async (error) => {
        showError(failure, error);
        if (isChallengeError(error)) {
          try {
            challenge = await api.challenge();
          } catch (again) {
            showError(failure, again);
            return;
          }
          replace(stepsBox, stepsList(challenge.steps), expiresLine(challenge));
          failure.textContent = `${STEPS_USED} Here are new steps: record a video of them and upload it.`;
        }
      },
    });
  });
}
