// The comments of a video, in a dialog: read, add, delete one's own.

import { api } from "../api.js";
import { busy, confirmThen, errorBox, h, moreButton, openDialog, showError, timeAgo, uid } from "../dom.js";
import { icon } from "../icons.js";

export function openComments(video, me, onCount) {
  let total = video.counts?.comments || 0;
  return openDialog("Comments", () => {
    const list = h("ul", { class: "comments", "aria-live": "polite" });
    // Until the first page arrives, "Loading comments…", not "No comments yet" over comments on their way.
    const empty = h("p", { class: "muted", hidden: true }, "No comments yet. Say something nice.");
    const loading = h("p", { class: "muted", role: "status" }, "Loading comments…");
    const more = h("div", {});
    const failure = errorBox();
    // Each comment once: one posted while the first page is on its way may come back in that page too.
    const shown = new Set();
    const fresh = (comments) => comments.filter((c) => !shown.has(c.id) && shown.add(c.id));

    const row = (comment) => {
      const item = h("li", { class: "comment" },
        h("p", { class: "comment-head" },
          h("a", { href: `#/u/${comment.author.handle}` }, `@${comment.author.handle}`),
          h("span", { class: "muted" }, ` · ${timeAgo(comment.created_at)}`)),
        h("p", { class: "comment-text" }, comment.text));
      if (me && comment.author.handle === me.handle) {
        const remove = h("button", { type: "button", class: "icon-btn small", "aria-label": "Delete your comment" },
          icon("trash", { size: 18 }));
        // Asks first, as every other deletion does: a stray tap on the bin must not lose what was written.
        confirmThen(remove, {
          title: "Delete your comment?",
          body: "It is removed for everyone. This cannot be undone.",
          confirmLabel: "Delete",
        }, async () => {
          await api.deleteComment(comment.id);
          item.remove();
          total = Math.max(0, total - 1);
          onCount?.(total);
          empty.hidden = list.children.length > 0;
        });
        item.append(remove);
      }
      return item;
    };

    const load = async (cursor) => {
      const page = await api.comments(video.id, cursor);
      list.append(...fresh(page.results).map(row));
      empty.hidden = list.children.length > 0;
      more.replaceChildren(page.next ? moreButton("Older comments", () => load(page.next).then(() => {})) : "");
    };
    load().catch((error) => showError(failure, error)).finally(() => loading.remove());

    const textId = uid("comment");
    const text = h("textarea", { id: textId, name: "text", rows: "2", maxlength: "500", required: true,
      placeholder: "Add a comment…" });
    const form = h("form", { class: "comment-form" },
      h("label", { for: textId, class: "sr-only" }, "Add a comment"),
      text,
      h("button", { type: "submit", class: "btn primary" }, "Post"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = text.value.trim();
      if (!value) return;
      busy(form.querySelector("button"), async () => {
        const comment = await api.comment(video.id, value);
        list.prepend(...fresh([comment]).map(row));
        empty.hidden = true;
        text.value = "";
        total += 1;
        onCount?.(total);
      }, { onError: (error) => showError(failure, error) });
    });
    return h("div", { class: "stack" }, failure, form, loading, empty, list, more);
  }, { className: "sheet" });
}
