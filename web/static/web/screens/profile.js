// People: someone's profile (follow, block, ask to use their cameo, their videos), lists of
// followers and following, and your own profile (edit, sign out, blocked people, your data).

import { api, ApiError, session } from "../api.js";
import { busy, confirmDialog, confirmThen, count, errorBox, field, h, moreButton, onSubmit, replace, toast } from "../dom.js";
import { icon } from "../icons.js";
import { navigate } from "../router.js";
import { AccessBook, accessAction } from "../components/mentions.js";
import { loadMe } from "../state.js";

function avatar(person, size = "big") {
  return h("span", { class: ["avatar", size], "aria-hidden": "true" }, (person.display_name || person.handle)[0].toUpperCase());
}

function stats(person) {
  return h("p", { class: "stats" },
    h("a", { href: `#/u/${person.handle}/followers` }, h("strong", {}, count(person.followers_count)),
      person.followers_count === 1 ? " follower" : " followers"),
    h("a", { href: `#/u/${person.handle}/following` }, h("strong", {}, count(person.following_count)), " following"));
}

function videoGrid(handle, signal) {
  const grid = h("ul", { class: "grid", "aria-label": `Videos by @${handle}` });
  const empty = h("p", { class: "muted", hidden: true }, "No videos yet.");
  const more = h("div", {});
  const load = async (cursor) => {
    const page = await api.userVideos(handle, cursor);
    if (signal.aborted) return;
    grid.append(...page.results.map((video) => h("li", { dataset: { videoId: video.id } },
      h("a", { href: `#/v/${video.id}`, class: "grid-item", "aria-label": `Play: ${video.caption || "untitled video"}` },
        video.poster_url ? h("img", { src: video.poster_url, alt: "", loading: "lazy" }) : null,
        h("span", { class: "grid-caption" }, video.caption || "")))));
    empty.hidden = grid.children.length > 0;
    more.replaceChildren(page.next ? moreButton("More videos", () => load(page.next)) : "");
  };
  return { el: h("div", {}, empty, grid, more), load };
}

export async function renderUser({ main, params, me, signal, setTitle }) {
  if (me && params.handle.toLowerCase() === me.handle) {
    navigate("/profile", { replace: true });
    return;
  }
  let person = await api.user(params.handle);
  if (signal.aborted) return;
  setTitle(`@${person.handle}`);
  const book = new AccessBook(signal);

  const follow = h("button", { type: "button", class: "btn primary" });
  const block = h("button", { type: "button", class: "btn ghost danger-text" });
  const badges = h("p", { class: "badges" });
  const paint = () => {
    follow.textContent = person.is_following ? "Following" : person.follows_you ? "Follow back" : "Follow";
    follow.setAttribute("aria-pressed", String(person.is_following));
    follow.classList.toggle("ghost", person.is_following);
    follow.classList.toggle("primary", !person.is_following);
    follow.hidden = person.is_blocked;
    block.textContent = person.is_blocked ? "Unblock" : "Block";
    replace(badges,
      person.is_mutual ? h("span", { class: "pill" }, "You follow each other") : person.follows_you ? h("span", { class: "pill" }, "Follows you") : null,
      person.is_blocked ? h("span", { class: "pill warn" }, "Blocked") : null);
  };
  const reload = async () => {
    person = await api.user(person.handle);
    paint();
    replace(statsSlot, stats(person));
  };
  follow.addEventListener("click", () => busy(follow, async () => {
    await api.follow(person.handle, !person.is_following);
    await reload();
  }));
  block.addEventListener("click", async () => {
    if (person.is_blocked) {
      await busy(block, async () => {
        await api.block(person.handle, false);
        navigate(`/u/${person.handle}`, { replace: true }); // their videos and cameo, as they are now
      });
      return;
    }
    const { confirmed, checked } = await confirmDialog({
      title: `Block @${person.handle}?`,
      body: "They can't see your videos or use your cameo, and neither of you follows the other any more. Their drafts of you are deleted.",
      confirmLabel: "Block",
      danger: true,
      option: { label: `Also delete @${person.handle}'s published videos of me` },
    });
    if (!confirmed) return;
    await busy(block, async () => {
      await api.block(person.handle, true, { deleteVideos: checked });
      toast(`@${person.handle} is blocked.`);
      navigate(`/u/${person.handle}`, { replace: true }); // nothing of theirs is shown any more
    });
  });
  paint();

  const statsSlot = h("div", {}, stats(person));
  const cameoLine = h("p", { class: "cameo-line" });
  const paintCameo = () => {
    const access = book.get(person.handle);
    if (!access) return;
    replace(cameoLine, icon("cameo", { size: 18 }),
      access.available ? " You may put them in your videos." : " Their cameo: ",
      !access.missing && !access.available ? accessAction(book, person.handle) : null,
      access.available ? h("a", { class: "btn small", href: `#/create?prompt=${encodeURIComponent(`@${person.handle} `)}` }, "Make a video") : null);
  };
  book.onChange(paintCameo);
  if (!person.is_blocked) book.lookup(person.handle);

  // Someone I blocked has no videos to show me (the API lists none): say why, not "No videos yet.".
  const videos = person.is_blocked
    ? { el: h("p", { class: "muted", dataset: { blockedNote: "" } },
      `You blocked @${person.handle}: you don't see their videos, and they can't see yours or use your cameo.`),
    load: async () => {} }
    : videoGrid(person.handle, signal);
  main.append(h("section", { class: "page profile" },
    h("header", { class: "profile-head" },
      avatar(person),
      h("div", {},
        h("h1", {}, person.display_name || `@${person.handle}`),
        h("p", { class: "muted" }, `@${person.handle}`),
        badges)),
    statsSlot,
    h("div", { class: "row wrap" }, follow, block),
    cameoLine,
    h("h2", {}, "Videos"),
    videos.el));
  await videos.load();
}

export async function renderList({ main, params, signal }) {
  const which = params.list === "following" ? "following" : "followers";
  const list = h("ul", { class: "people-list" });
  const more = h("div", {});
  const empty = h("p", { class: "muted", hidden: true }, which === "following" ? "Not following anyone yet." : "No followers yet.");
  main.append(h("section", { class: "page" },
    h("h1", {}, which === "following" ? `@${params.handle} follows` : `@${params.handle}'s followers`),
    empty, list, more));
  const load = async (cursor) => {
    const page = await (which === "following" ? api.following(params.handle, cursor) : api.followers(params.handle, cursor));
    if (signal.aborted) return;
    list.append(...page.results.map((person) => h("li", { class: "person-row" },
      avatar(person, "small"),
      h("a", { href: `#/u/${person.handle}` }, `@${person.handle}`),
      person.display_name ? h("span", { class: "muted" }, person.display_name) : null)));
    empty.hidden = list.children.length > 0;
    more.replaceChildren(page.next ? moreButton("More", () => load(page.next)) : "");
  };
  await load();
}

function editForm(me) {
  const summary = errorBox();
  const name = h("input", { name: "display_name", maxlength: "50", autocomplete: "name", value: me.display_name || "" });
  // A birthdate is given once (the server refuses a change: support makes it), so once set it is
  // shown read-only rather than as a field that only fails on Save.
  const given = Boolean(me.birthdate);
  const birthdate = h("input", { name: "birthdate", type: "date", autocomplete: "bday", value: me.birthdate || "", readonly: given });
  const birthdateHint = [
    given ? "Set once; to correct it, contact support." : "",
    me.is_minor ? "Under 18 or not given: only people you approve one by one can put you in a video, and only people you follow can ask." : "",
  ].filter(Boolean).join(" ");
  const form = h("form", { class: "stack card", "aria-labelledby": "edit-title", novalidate: true },
    h("h2", { id: "edit-title" }, "Edit profile"),
    field("Display name", name),
    field("Birthdate", birthdate, { hint: birthdateHint }),
    summary,
    h("button", { type: "submit", class: "btn primary" }, "Save profile"));
  onSubmit(form, summary, async () => {
    const body = { display_name: name.value.trim() };
    if (birthdate.value && !given) body.birthdate = birthdate.value;
    await api.updateMe(body);
    const fresh = await loadMe();
    const heading = form.closest(".profile")?.querySelector("h1");
    if (heading) heading.textContent = fresh.display_name || `@${fresh.handle}`;
    toast("Profile saved.");
  });
  return form;
}

function passwordForm() {
  const summary = errorBox();
  const form = h("form", { class: "stack card", "aria-labelledby": "password-title", novalidate: true },
    h("h2", { id: "password-title" }, "Change password"),
    field("Current password", h("input", { name: "current_password", type: "password", autocomplete: "current-password", required: true })),
    field("New password", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: "8" })),
    summary,
    h("button", { type: "submit", class: "btn ghost" }, "Change password"));
  onSubmit(form, summary, async (data) => {
    await api.updateMe(data);
    form.reset();
    toast("Password changed. Your other devices are signed out.");
  });
  return form;
}

function blockedList(signal) {
  const list = h("ul", { class: "people-list" });
  const empty = h("p", { class: "muted" }, "You haven't blocked anyone.");
  const more = h("div", {});
  const load = async (cursor) => {
    const page = await api.myBlocks(cursor);
    if (signal.aborted) return;
    for (const person of page.results) {
      const unblock = h("button", { type: "button", class: "btn small ghost", "aria-label": `Unblock @${person.handle}` }, "Unblock");
      const row = h("li", { class: "person-row" }, h("a", { href: `#/u/${person.handle}` }, `@${person.handle}`), unblock);
      unblock.addEventListener("click", () => busy(unblock, async () => {
        await api.block(person.handle, false);
        row.remove();
        empty.hidden = list.children.length > 0;
      }));
      list.append(row);
    }
    empty.hidden = list.children.length > 0;
    more.replaceChildren(page.next ? moreButton("More", () => load(page.next)) : "");
  };
  return { el: h("section", { class: "card", "aria-labelledby": "blocked-title" }, h("h2", { id: "blocked-title" }, "Blocked people"), empty, list, more), load };
}

function accountActions(me) {
  const signOut = h("button", { type: "button", class: "btn ghost" }, icon("signout", { size: 18 }), "Sign out");
  signOut.addEventListener("click", () => busy(signOut, async () => {
    try {
      await api.signOut();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
    session.end("signed-out");
  }));
  const exportData = h("button", { type: "button", class: "btn ghost" }, icon("download", { size: 18 }), "Download my data");
  exportData.addEventListener("click", () => busy(exportData, async () => {
    const data = await api.exportMe();
    const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
    const link = h("a", { href: url, download: `castfeed-${me.handle}.json` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  }));
  const erase = h("button", { type: "button", class: "btn danger" }, icon("trash", { size: 18 }), "Delete my account");
  confirmThen(erase, {
    title: "Delete your account?",
    body: "Your profile, videos, cameo and everything else of yours are erased. This cannot be undone.",
    confirmLabel: "Delete my account",
    option: { label: "Also delete every video that shows me, others' too", checked: false },
  }, async ({ checked }) => {
    await api.deleteMe({ deleteVideos: checked });
    session.end("signed-out");
  });
  return h("section", { class: "card stack", "aria-labelledby": "account-title" },
    h("h2", { id: "account-title" }, "Account"),
    h("div", { class: "row wrap" }, signOut, exportData),
    h("p", { class: "muted small" }, "A video shows your face without your consent? ",
      h("a", { href: "#/removal" }, "Request removal"), " (anyone can, with or without an account)."),
    erase);
}

export async function renderMe({ main, signal }) {
  const me = await loadMe();
  if (signal.aborted) return;
  const videos = videoGrid(me.handle, signal);
  const blocked = blockedList(signal);
  main.append(h("section", { class: "page profile" },
    h("header", { class: "profile-head" },
      avatar(me),
      h("div", {},
        h("h1", {}, me.display_name || `@${me.handle}`),
        h("p", { class: "muted" }, `@${me.handle}`))),
    stats(me),
    h("h2", {}, "Your videos"),
    videos.el,
    editForm(me),
    passwordForm(),
    blocked.el,
    accountActions(me)));
  await Promise.all([videos.load(), blocked.load()]);
}
