// Your cameo: its status (and why it was rejected), who may use it and how, requests to approve or
// deny, grants to revoke, and deleting it.

import { api } from "../api.js";
import { append, busy, confirmDialog, errorBox, field, h, moreButton, onSubmit, replace, sleep, timeAgo, toast, uid } from "../dom.js";
import { icon } from "../icons.js";
import { AUDIENCES } from "../words.js";

const POLL_MS = 1500;

function enrollButtons() {
  return h("div", { class: "row wrap" },
    h("a", { class: "btn primary", href: "#/cameo/record" }, icon("camera", { size: 20 }), "Record with camera"),
    h("a", { class: "btn ghost", href: "#/cameo/upload" }, icon("upload", { size: 20 }), "Upload a video"));
}

function statusCard(cameo) {
  const card = h("section", { class: "card status-card", dataset: { cameoStatus: cameo.status }, "aria-labelledby": "cameo-status-title" });
  if (cameo.status === "none") {
    append(card,
      h("h2", { id: "cameo-status-title" }, "You have no cameo yet"),
      h("p", {}, "A cameo is your verified likeness. People you allow can put you in their videos, on your terms; you can see and delete every video that shows you."),
      h("p", { class: "muted small" }, "You'll record a few seconds of video following on-screen head movements. The video is deleted once checked; we keep a face template and a few reference images, erased when you delete your cameo."),
      enrollButtons());
  } else if (cameo.status === "verifying") {
    append(card,
      h("h2", { id: "cameo-status-title" }, "Checking your video…"),
      h("div", { class: "spinner", role: "progressbar", "aria-label": "Checking your video" }),
      h("p", { role: "status" }, "This takes a few seconds. You can leave this page; we'll keep checking."));
  } else if (cameo.status === "rejected") {
    append(card,
      h("h2", { id: "cameo-status-title" }, "Your video was not accepted"),
      h("p", { class: "reason", role: "alert" }, cameo.reason || "We could not verify it."),
      h("p", { class: "muted small" }, "Try again: good light, your face filling the frame, alone, and each pose held until the countdown ends."),
      enrollButtons());
  } else {
    // What we keep, said, never shown: the crops are real photos of her face, and no response
    // carries them (cameos.apis).
    const refs = h("p", { class: "references muted small" }, cameo.references === 1
      ? "We keep 1 reference image of your face and its template, encrypted, to check videos against you. Deleting your cameo erases them."
      : `We keep ${cameo.references} reference images of your face and its template, encrypted, to check videos against you. Deleting your cameo erases them.`);
    const latest = cameo.last_enrollment;
    const retryRejected = latest?.status === "rejected" && cameo.enrolled_at && latest.created_at > cameo.enrolled_at;
    append(card,
      h("h2", { id: "cameo-status-title" }, icon("shield", { size: 22 }), " Your cameo is active"),
      h("p", { class: "muted" }, cameo.enrolled_at ? `Verified ${timeAgo(cameo.enrolled_at)}.` : "Verified."),
      cameo.voice === undefined ? null : h("p", { class: "voice-line", dataset: { voice: String(Boolean(cameo.voice)) } },
        icon("mic", { size: 18 }), cameo.voice
          ? " Your voice is enrolled: videos of you can speak with it."
          : " No voice enrolled: record again with \u201cAdd my voice\u201d to add it."),
      retryRejected ? h("p", { class: "reason" }, `Your latest recording was not accepted: ${latest.reason}`) : null,
      refs,
      h("details", {}, h("summary", {}, "Record it again"),
        h("p", { class: "muted small" }, "A new recording replaces your template and reference images."),
        enrollButtons()));
  }
  return card;
}

function settingsForm(cameo, me) {
  const summary = errorBox();
  const name = uid("audience");
  const audience = h("fieldset", { class: "choices" },
    h("legend", {}, "Who can put you in a video"),
    AUDIENCES.map((option) => {
      const id = `${name}-${option.value}`;
      // Under 18, or cleared by support as a well-known person's look-alike (approval_only), only
      // people approved one by one may use the cameo (cameos.selectors.may_use), mutuals too.
      const byApproval = me.is_minor || me.approval_only;
      const blocked = option.value === "everyone" && byApproval;
      const why = me.is_minor ? "for people under 18" : "while you look like someone well known";
      // A minor is asked only by people they follow (docs/consent.md rule 6).
      const asks = me.is_minor ? "Under 18, mutuals ask first too (only people you follow can ask)"
        : "As you look like someone well known, mutuals ask first too";
      const hint = blocked ? `Not available ${why}.`
        : option.value === "mutuals" && byApproval ? `${asks}, and you approve each one.`
          : option.hint;
      return h("div", { class: "choice" },
        h("input", { type: "radio", name: "audience", id, value: option.value, checked: cameo.audience === option.value, disabled: blocked, "aria-describedby": `${id}-hint` }),
        h("label", { for: id }, option.label),
        h("p", { class: "hint", id: `${id}-hint` }, hint));
    }));
  const instructions = h("textarea", { name: "instructions", rows: "2", maxlength: "300" });
  instructions.value = cameo.instructions || "";
  const restrictions = h("textarea", { name: "restrictions", rows: "3" });
  restrictions.value = (cameo.restrictions || []).join("\n");
  const protect = h("input", { type: "checkbox", name: "protect_name", id: uid("protect"), checked: Boolean(cameo.protect_name) });
  const form = h("form", { class: "stack card", "aria-labelledby": "cameo-settings-title", novalidate: true },
    h("h2", { id: "cameo-settings-title" }, "How your cameo may be used"),
    audience,
    field("Instructions added to every video of you", instructions, { hint: "For example: always wearing a blue cap." }),
    field("Restrictions", restrictions, { hint: "One per line, for example: no political content. Prompts that break one are refused." }),
    h("div", { class: "check" }, protect,
      h("label", { for: protect.id }, "Protect my name: prompts that use my display name count as using my cameo")),
    summary,
    h("button", { type: "submit", class: "btn primary" }, "Save settings"));
  onSubmit(form, summary, async (data) => {
    await api.updateCameo({
      audience: data.audience ?? null,
      instructions: String(data.instructions || "").trim(),
      restrictions: String(data.restrictions || "").split("\n").map((s) => s.trim()).filter(Boolean),
      protect_name: protect.checked,
    });
    toast("Settings saved.");
  });
  return form;
}

function personLabel(person) {
  return h("span", { class: "person" },
    h("a", { href: `#/u/${person.handle}` }, `@${person.handle}`),
    person.display_name ? h("span", { class: "muted" }, ` ${person.display_name}`) : null);
}

/** A card listing people a page at a time: `fetch(cursor)` gives a page, `row(item)` an item's row. */
function peopleSection({ id, title, emptyText, moreLabel, fetch, row }) {
  const list = h("ul", { class: "people-list", "aria-labelledby": id });
  const empty = h("p", { class: "muted" }, emptyText);
  const more = h("div", {});
  const load = async (cursor) => {
    const page = await fetch(cursor);
    for (const item of page.results) list.append(row(item));
    empty.hidden = list.children.length > 0;
    more.replaceChildren(page.next ? moreButton(moreLabel, () => load(page.next)) : "");
  };
  const section = h("section", { class: "card", "aria-labelledby": id }, h("h2", { id }, title), empty, list, more);
  return { section, load };
}

function requestRow(grant, reload) {
  const pending = grant.status === "requested";
  const row = h("li", { class: "person-row", dataset: { requestFrom: grant.person.handle } },
    personLabel(grant.person),
    h("span", { class: "muted small" }, pending ? `asked ${timeAgo(grant.requested_at)}` : grant.status));
  if (pending) {
    const actions = h("div", { class: "row" });
    for (const approve of [true, false]) {
      const button = h("button", {
        type: "button", class: ["btn", "small", approve ? "primary" : "ghost"],
        "aria-label": `${approve ? "Approve" : "Deny"} @${grant.person.handle}`,
      }, approve ? "Approve" : "Deny");
      button.addEventListener("click", () => busy(button, async () => {
        await api.decideRequest(grant.id, approve);
        toast(approve ? `@${grant.person.handle} can now put you in videos.` : `You said no to @${grant.person.handle}.`);
        reload();
      }));
      actions.append(button);
    }
    row.append(actions);
  }
  return row;
}

function requestsSection(reload) {
  return peopleSection({
    id: "requests-title", title: "Requests", emptyText: "No one is waiting for an answer.", moreLabel: "More requests",
    fetch: (cursor) => api.cameoRequests(cursor), row: (grant) => requestRow(grant, reload),
  });
}

function grantRow(grant, reload) {
  const revoke = h("button", { type: "button", class: "btn small ghost danger-text", "aria-label": `Revoke @${grant.person.handle}'s access` }, "Revoke");
  revoke.addEventListener("click", async () => {
    const { confirmed, checked } = await confirmDialog({
      title: `Revoke @${grant.person.handle}'s access?`,
      body: "Their drafts and unfinished videos of you are deleted and stopped. They can't put you in new videos.",
      confirmLabel: "Revoke",
      danger: true,
      option: { label: `Also delete @${grant.person.handle}'s published videos of me` },
    });
    if (!confirmed) return;
    await busy(revoke, async () => {
      await api.revokeGrant(grant.id, { deleteVideos: checked });
      toast(`@${grant.person.handle} can no longer use your cameo.`);
      reload();
    });
  });
  return h("li", { class: "person-row", dataset: { grantTo: grant.person.handle } },
    personLabel(grant.person),
    h("span", { class: "muted small" }, `approved ${timeAgo(grant.decided_at || grant.requested_at)}`),
    revoke);
}

function grantsSection(reload) {
  return peopleSection({
    id: "grants-title", title: "People who may use your cameo", emptyText: "You haven't approved anyone.",
    moreLabel: "More people", fetch: (cursor) => api.grants(cursor), row: (grant) => grantRow(grant, reload),
  });
}

function dangerZone() {
  const button = h("button", { type: "button", class: "btn danger" }, icon("trash", { size: 18 }), "Delete my cameo");
  button.addEventListener("click", async () => {
    const { confirmed, checked } = await confirmDialog({
      title: "Delete your cameo?",
      body: "Your face template (and voice template, if any) and reference images are erased now, and no one can put you in new videos.",
      confirmLabel: "Delete cameo",
      danger: true,
      option: { label: "Also delete every video that shows me", checked: false },
    });
    if (!confirmed) return;
    await busy(button, async () => {
      await api.deleteCameo({ deleteVideos: checked });
      toast("Your cameo is deleted.");
      location.hash = "#/cameo";
      window.dispatchEvent(new HashChangeEvent("hashchange"));
    });
  });
  return h("section", { class: "card danger-zone", "aria-labelledby": "danger-title" },
    h("h2", { id: "danger-title" }, "Delete your cameo"),
    h("p", { class: "muted small" }, "Erases your biometric data. Videos already published stay unless you choose to delete them too."),
    button);
}

export async function render({ main, me, signal }) {
  const statusSlot = h("div", { class: "status-slot" });
  const body = h("div", { class: "stack" }, statusSlot);
  main.append(h("section", { class: "page cameo" }, h("h1", {}, "Your cameo"), body));

  let managed = false;
  async function manage(cameo) {
    managed = true;
    const requests = requestsSection(refresh);
    const grants = grantsSection(refresh);
    body.append(requests.section, settingsForm(cameo, me), grants.section, dangerZone());
    await Promise.all([requests.load(), grants.load()]);
  }

  async function refresh() {
    if (signal.aborted) return;
    const requests = requestsSection(refresh);
    const grants = grantsSection(refresh);
    await Promise.all([requests.load(), grants.load()]);
    body.querySelector("[aria-labelledby=requests-title]")?.replaceWith(requests.section);
    body.querySelector("[aria-labelledby=grants-title]")?.replaceWith(grants.section);
  }

  let cameo = await api.cameo();
  replace(statusSlot, statusCard(cameo));
  if (cameo.audience !== null) await manage(cameo);
  // While a recording is being checked, follow it (the worker takes a few seconds).
  while (cameo.status === "verifying" && !signal.aborted) {
    await sleep(POLL_MS, signal);
    const fresh = await api.cameo();
    if (fresh.status !== cameo.status) {
      replace(statusSlot, statusCard(fresh));
      if (fresh.status === "active") toast("Your cameo is active.");
      if (fresh.audience !== null && !managed) await manage(fresh);
    }
    cameo = fresh;
  }
}
