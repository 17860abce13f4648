// Create: a prompt with @ mentions, duration, aspect, an optional image or a remixed video; who
// the video would show and whether they allow it; live progress of jobs; drafts to play, publish
// with a caption or delete. The parts are in create/: form, preflight, jobs, drafts, subjects.

import { h, replace, toast } from "../dom.js";
import { AccessBook, accessAction, cameoSearch } from "../components/mentions.js";
import { createForm, onSubmit, showRemix } from "./create/form.js";
import { jobsBoard } from "./create/jobs.js";
import { watchPrompt } from "./create/preflight.js";

export async function render({ main, query, signal, onLeave }) {
  const book = new AccessBook(signal);
  // The "@" autocomplete offers the cameos the search finds: available ones, and ones to ask for.
  const parts = createForm({ book, people: cameoSearch(book, signal), onLeave });
  const jobs = jobsBoard({ book, signal });
  main.append(h("section", { class: "page create" },
    h("h1", {}, "Create"),
    parts.form,
    h("h2", { id: "jobs-title" }, "Drafts and progress"),
    jobs.empty,
    jobs.list));

  let remix = null;
  if (query.remix) {
    try {
      remix = await showRemix(parts.remixBox, query.remix);
    } catch {
      return; // the screen was left
    }
  }

  const preflight = watchPrompt({ ...parts, remix, book, signal });
  // "Request access" buttons in the preflight, the refusal and blocked jobs follow what is known.
  book.onChange(() => {
    for (const slot of main.querySelectorAll(".access-slot")) replace(slot, accessAction(book, slot.dataset.handle));
  });

  // Generate works at once, while the drafts are still being listed; a new job's row waits for the
  // list (show() puts a job the list already has in its place).
  const loaded = jobs.load();
  onSubmit(parts, { remix, book, onJob: async (job) => {
    await loaded.catch(() => {});
    if (signal.aborted) return;
    jobs.show(job);
    toast("Generating your video…");
    jobs.row(job.id)?.scrollIntoView({ block: "nearest" });
  } });

  if (query.prompt) {
    parts.promptBox.value = query.prompt;
    preflight();
  }
  await loaded;
}
