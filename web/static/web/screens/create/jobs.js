// Create's jobs: a row per job (live progress, its draft, or why it was refused), kept up to date by
// polling while any runs; older ones a page at a time, below the others.

import { api } from "../../api.js";
import { h, moreButton, replace, sleep, timeAgo, toast, uid } from "../../dom.js";
import { ACTIVE_JOB, JOB_STATUS } from "../../words.js";
import { cancelButton, draftParts, goneDraftParts } from "./drafts.js";
import { subjectsList } from "./subjects.js";

const POLL_MS = 1000;

/** A running job's progress bar and "Cancel"; `update` shows fresh progress in place. */
function progressParts(job, statusLine, onChange) {
  const progressId = uid("progress");
  const progress = h("progress", { id: progressId, max: "100", value: String(job.progress || 0) });
  const percent = h("span", { class: "job-percent", "aria-hidden": "true" }, `${job.progress || 0}%`);
  const parts = [
    h("label", { for: progressId, class: "sr-only" }, `Progress of “${job.prompt}”`),
    h("div", { class: "progress-row" }, progress, percent),
    cancelButton(job, "Cancel", onChange),
  ];
  const update = (fresh) => {
    progress.value = fresh.progress || 0;
    percent.textContent = `${fresh.progress || 0}%`;
    statusLine.textContent = JOB_STATUS[fresh.status] || fresh.status;
  };
  return { parts, update };
}

/** A finished job without a draft: its published video, or why it was refused. */
function outcomeParts(job, book) {
  if (job.status === "published" && job.video) {
    return [h("a", { class: "btn ghost small", href: `#/v/${job.video.id}` }, "Watch")];
  }
  if (job.status === "published") return [h("p", { class: "muted small" }, "This video has been deleted.")];
  if (job.error || job.subjects?.some((s) => s.verdict === "refused")) {
    const parts = [h("p", { class: "job-error" }, job.error?.detail || "Someone in it does not allow you.")];
    const refused = (job.subjects || []).filter((s) => s.verdict === "refused");
    if (refused.length) parts.push(subjectsList(refused, book));
    return parts;
  }
  return [];
}

/** One job: its prompt, length, shape and age, its state, and what can be done with it. */
export function jobRow(job, { book, onChange }) {
  const row = h("li", { class: "job", dataset: { jobId: job.id, status: job.status } });
  const prompt = h("p", { class: "job-prompt" }, `“${job.prompt}”`);
  const meta = h("p", { class: "muted small" },
    `${job.duration_s} s · ${job.aspect} · ${timeAgo(job.created_at)}${job.remix_of ? " · remix" : ""}`);
  const statusLine = h("p", { class: "job-status" }, JOB_STATUS[job.status] || job.status);
  row.append(prompt, meta, statusLine);

  if (ACTIVE_JOB.has(job.status)) {
    const { parts, update } = progressParts(job, statusLine, onChange);
    row.append(...parts);
    row.update = update;
  } else if (job.status === "ready" && job.video) {
    row.append(...draftParts(job, { book, onChange }));
  } else if (job.status === "ready") {
    row.append(...goneDraftParts(job, { onChange }));
  } else {
    row.append(...outcomeParts(job, book));
  }
  return row;
}

/** The list of jobs: `show(job)` adds or updates a row, `load()` fetches the first page. */
export function jobsBoard({ book, signal }) {
  const list = h("ul", { class: "jobs", "aria-label": "Your videos in progress and drafts" });
  const empty = h("p", { class: "muted" }, "Your drafts appear here. Only you, and the people in them, can see a draft.");
  const rows = new Map();
  let polling = false;

  function show(job) {
    const old = rows.get(job.id);
    if (job.status === "cancelled") {
      old?.remove();
      rows.delete(job.id);
    } else if (old && old.dataset.status === job.status && old.update) {
      old.update(job);
    } else if (!old || old.dataset.status !== job.status) {
      const row = jobRow(job, { book, onChange: show });
      if (old) old.replaceWith(row);
      else list.prepend(row);
      rows.set(job.id, row);
      if (old && job.status === "ready") toast("Your video is ready. Watch it, then publish or delete it.");
    }
    empty.hidden = rows.size > 0;
    if (ACTIVE_JOB.has(job.status)) poll();
  }

  // Every second while a job runs. A failed poll (a dropped connection, a busy server) keeps the
  // bars as they are and asks again a little later, said once per run of failures; before, one
  // failure stopped the polling, and the bar stood still until the page was reloaded.
  async function poll() {
    if (polling) return;
    polling = true;
    let wait = POLL_MS;
    let told = false;
    try {
      while (!signal.aborted) {
        const active = [...rows.values()].filter((row) => ACTIVE_JOB.has(row.dataset.status));
        if (!active.length) break;
        await sleep(wait, signal);
        try {
          for (const row of active) show(await api.job(row.dataset.jobId, { signal }));
          wait = POLL_MS;
          told = false;
        } catch (error) {
          if (error.name === "AbortError") throw error;
          if (!told) toast(`We can't update your video's progress right now: ${error.message} We'll keep trying.`, "error");
          // Soon after a first failure (most are a blip), then less and less often.
          wait = error.retryAfter ? error.retryAfter * 1000 : told ? Math.min(wait * 2, 30000) : POLL_MS;
          told = true;
        }
      }
    } catch {
      // the screen was left (sleep and the calls end with an AbortError)
    } finally {
      polling = false;
    }
  }

  /** An older job, below the others (unless it is already shown). */
  function appendOlder(job) {
    if (rows.has(job.id)) return;
    const row = jobRow(job, { book, onChange: show });
    list.append(row);
    rows.set(job.id, row);
    if (ACTIVE_JOB.has(job.status)) poll();
  }

  function showOlder(slot, cursor) {
    if (!cursor) return replace(slot);
    replace(slot, moreButton("Older drafts", async () => {
      const page = await api.jobs(cursor);
      for (const job of page.results) appendOlder(job);
      showOlder(slot, page.next);
    }));
  }

  async function load() {
    const jobs = await api.jobs();
    if (signal.aborted) return;
    for (const job of jobs.results.slice().reverse()) show(job);
    // Older jobs, a page at a time, below the others.
    const olderSlot = h("div", {});
    list.after(olderSlot);
    showOlder(olderSlot, jobs.next);
  }

  return { list, empty, show, load, row: (id) => rows.get(id) };
}
