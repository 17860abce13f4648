// Who a video would show, one line each: allowed or refused and why, with "request access" where
// asking could help.

import { h } from "../../dom.js";
import { icon } from "../../icons.js";
import { accessAction } from "../../components/mentions.js";
import { subjectLine } from "../../words.js";

/** One person in the video: allowed or refused, and a "request access" slot when asking helps. */
function subjectItem(subject, book) {
  const ok = subject.verdict === "allowed";
  const canAsk = !ok && subject.handle && subject.reason === "needs_approval";
  if (canAsk) book.lookup(subject.handle);
  return h("li", { class: ["subject", ok ? "allowed" : "refused"], dataset: { handle: subject.handle || "", reason: subject.reason } },
    icon(ok ? "check" : "close", { size: 18 }),
    h("span", { class: "sr-only" }, ok ? "Allowed: " : "Refused: "),
    h("span", { class: "subject-text" }, subjectLine(subject)),
    canAsk ? h("span", { class: "access-slot", dataset: { handle: subject.handle } }, accessAction(book, subject.handle)) : null);
}

/** The people in a video (only the refused ones with `refusedOnly`). */
export function subjectsList(subjects, book, { refusedOnly = false } = {}) {
  const shown = refusedOnly ? subjects.filter((s) => s.verdict === "refused") : subjects;
  return h("ul", { class: "subjects" }, shown.map((subject) => subjectItem(subject, book)));
}
