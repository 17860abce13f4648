// Report a video: a reason and an optional note, for the moderators' review queue.

import { api } from "../api.js";
import { busy, errorBox, h, openDialog, showError, toast, uid } from "../dom.js";
import { REPORT_REASONS } from "../words.js";

export function openReport(video) {
  return openDialog("Report this video", (close) => {
    const failure = errorBox();
    const name = uid("reason");
    const reasons = h("fieldset", { class: "choices" },
      h("legend", {}, "What is wrong with it?"),
      REPORT_REASONS.map(([value, label], i) => {
        const id = `${name}-${value}`;
        return h("div", { class: "choice" },
          h("input", { type: "radio", name: "reason", id, value, required: true, checked: i === 0 }),
          h("label", { for: id }, label));
      }));
    const detailId = uid("detail");
    const form = h("form", { class: "stack" },
      reasons,
      h("div", { class: "field" },
        h("label", { for: detailId }, "Anything else we should know? (optional)"),
        h("textarea", { id: detailId, name: "detail", rows: "3", maxlength: "1000" })),
      failure,
      h("div", { class: "row end" },
        h("button", { type: "button", class: "btn ghost", onclick: () => close() }, "Cancel"),
        h("button", { type: "submit", class: "btn danger" }, "Send report")));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const data = new FormData(form);
      busy(form.querySelector("button[type=submit]"), async () => {
        await api.report(video.id, data.get("reason"), String(data.get("detail") || "").trim());
        toast("Thank you. Our moderators will review this video.");
        close(true);
      }, { onError: (error) => showError(failure, error) });
    });
    return form;
  });
}
