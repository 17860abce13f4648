// castfeed in the browser: the shell (tab bar, router, sign-in gate) around one module per screen.

import { ApiError, session } from "./api.js";
import { h, replace, toast } from "./dom.js";
import { icon } from "./icons.js";
import { navigate, parseLocation, Router } from "./router.js";
import * as auth from "./screens/auth.js";
import * as cameo from "./screens/cameo.js";
import * as create from "./screens/create.js";
import * as enroll from "./screens/enroll.js";
import * as feed from "./screens/feed.js";
import * as ofme from "./screens/ofme.js";
import * as profile from "./screens/profile.js";
import * as removal from "./screens/removal.js";
import * as search from "./screens/search.js";
import * as video from "./screens/video.js";
import { forgetMe, loadMe, onStateChange, refreshUnread, state } from "./state.js";

const ROUTES = [
  { path: "/welcome", render: auth.render, title: "Welcome", public: true, bare: true },
  // Anyone may ask for a video of their face to be taken down: no account needed (docs/takedowns.md).
  { path: "/removal", render: removal.render, title: "Request removal", public: true },
  { path: "/removal/:tracking", render: removal.renderStatus, title: "Removal request", public: true },
  { path: "/", render: feed.render, title: "For you", tab: "home", full: true },
  { path: "/following", render: feed.render, title: "Following", tab: "home", full: true },
  { path: "/search", render: search.render, title: "Search", tab: "search" },
  { path: "/create", render: create.render, title: "Create", tab: "create" },
  { path: "/cameo", render: cameo.render, title: "Your cameo", tab: "cameo" },
  { path: "/cameo/record", render: enroll.renderRecord, title: "Record your cameo", tab: "cameo" },
  { path: "/cameo/upload", render: enroll.renderUpload, title: "Upload a cameo video", tab: "cameo" },
  { path: "/of-me", render: ofme.renderVideos, title: "Videos of me", tab: "ofme" },
  { path: "/notifications", render: ofme.renderNotifications, title: "Notifications", tab: "ofme" },
  { path: "/profile", render: profile.renderMe, title: "Profile", tab: "profile" },
  { path: "/u/:handle", render: profile.renderUser, title: "Profile" },
  { path: "/u/:handle/:list", render: profile.renderList, title: "People" },
  { path: "/v/:id", render: video.render, title: "Video", full: true },
  { path: "*", render: renderNotFound, title: "Not found" },
];

const TABS = [
  { id: "home", path: "/", label: "For you", icon: "home" },
  { id: "search", path: "/search", label: "Search", icon: "search" },
  { id: "create", path: "/create", label: "Create", icon: "create" },
  { id: "cameo", path: "/cameo", label: "Cameo", icon: "cameo" },
  { id: "ofme", path: "/of-me", label: "Of me", icon: "ofme" },
  { id: "profile", path: "/profile", label: "Profile", icon: "profile" },
];

const main = document.getElementById("main");
const tabbar = document.getElementById("tabbar");
let leaving = null; // {controller, cleanups} of the screen on show
let badge = null;
let switched = false; // another tab signed in as someone: say so once their screen is shown

function renderTabbar() {
  badge = h("span", { class: "badge", hidden: true });
  replace(tabbar, h("ul", {},
    TABS.map((tab) => h("li", {},
      h("a", { href: `#${tab.path}`, class: "tab", dataset: { tab: tab.id } },
        icon(tab.icon), h("span", { class: "tab-label" }, tab.label), tab.id === "ofme" ? badge : null)))));
}

function updateBadge() {
  if (!badge) return;
  badge.hidden = !state.unread;
  badge.textContent = state.unread > 9 ? "9+" : String(state.unread);
  const link = badge.closest("a");
  link.setAttribute("aria-label", state.unread ? `Of me, ${state.unread} unread notifications` : "Of me");
}

function markTab(route) {
  for (const link of tabbar.querySelectorAll("a.tab")) {
    if (link.dataset.tab === route.tab) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function renderNotFound({ main: root }) {
  root.append(h("section", { class: "page" },
    h("h1", { tabindex: "-1" }, "Nothing here"),
    h("p", {}, "This page does not exist."),
    h("a", { href: "#/", class: "btn primary" }, "Go to the feed")));
}

export function renderFailure(root, error) {
  // What a link leads to is gone (a deleted video, as a notification about it links to), or is not
  // shown to this person: nothing went wrong, and trying again would not help.
  if (error instanceof ApiError && error.status === 404) {
    replace(root, h("section", { class: "page" },
      h("h1", { tabindex: "-1" }, "Not available"),
      h("p", { role: "alert" }, "It was deleted, or it isn't shown to you."),
      h("a", { href: "#/", class: "btn primary" }, "Go to the feed")));
    return;
  }
  const offline = error instanceof ApiError && error.status === 0;
  replace(root, h("section", { class: "page" },
    h("h1", { tabindex: "-1" }, offline ? "You're offline" : "Something went wrong"),
    h("p", { role: "alert" }, error.message),
    h("button", { type: "button", class: "btn primary", onclick: () => navigate(location.hash.slice(1) || "/") },
      "Try again")));
}

async function show(route, { params, query, path }) {
  // Another tab may have changed the sign-in before this tab heard of it: catch up first. A change
  // renders the screen again through the session listener, for the person signed in now.
  if (session.sync()) return;
  if (!route.public && !session.signedIn) {
    const next = path === "/" ? "" : `?next=${encodeURIComponent(location.hash.slice(1))}`;
    navigate(`/welcome${next}`, { replace: true });
    return;
  }
  if (route.path === "/welcome" && session.signedIn) {
    navigate("/", { replace: true });
    return;
  }
  if (leaving) {
    leaving.controller.abort();
    for (const fn of leaving.cleanups) fn();
  }
  // A dialog belongs to the screen that opened it: a link in it (a commenter's handle), Back, or a
  // session that ended while it was open must not leave it over the next screen, modal and stale.
  for (const dialog of document.querySelectorAll("dialog[open]")) dialog.close();
  const controller = new AbortController();
  const cleanups = [];
  leaving = { controller, cleanups };

  if (session.signedIn && !state.me) {
    try {
      await loadMe();
    } catch (error) {
      if (controller.signal.aborted || error.name === "AbortError") return; // left, or the sign-in changed
      if (!(error instanceof ApiError) || error.status !== 401) {
        renderFailure(main, error);
        return;
      }
      return; // 401: the session listener sends the person to sign in
    }
  }
  if (controller.signal.aborted) return;
  if (switched && state.me) {
    switched = false;
    toast(`Signed in as @${state.me.handle} in another tab.`);
  }

  document.title = `${route.title} · castfeed`;
  // A public screen seen signed out has no tab bar: every tab would lead to sign-in.
  const bare = Boolean(route.bare || (route.public && !session.signedIn));
  main.className = ["screen", route.full && "screen-full", bare && "screen-bare"].filter(Boolean).join(" ");
  main.replaceChildren();
  main.scrollTop = 0;
  tabbar.hidden = bare;
  markTab(route);

  const ctx = {
    main,
    params,
    query,
    path,
    signal: controller.signal,
    get me() {
      return state.me;
    },
    onLeave: (fn) => cleanups.push(fn),
    setTitle: (title) => {
      document.title = `${title} · castfeed`;
    },
  };
  try {
    await route.render(ctx);
  } catch (error) {
    if (error.name === "AbortError" || controller.signal.aborted) return;
    if (error instanceof ApiError) {
      if (error.status === 401) return;
      renderFailure(main, error);
    } else {
      throw error;
    }
  }
  if (controller.signal.aborted) return;
  // Move focus to the new screen's heading so keyboard and screen reader users start there.
  const heading = main.querySelector("h1");
  if (heading && !main.contains(document.activeElement)) {
    if (!heading.hasAttribute("tabindex")) heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
  refreshUnread();
}

function boot() {
  renderTabbar();
  onStateChange(updateBadge);
  session.onChange((reason) => {
    if (reason === "signed-in") return;
    forgetMe();
    switched = reason === "switched";
    if (switched) {
      // Another tab signed in as someone else (or while this one showed no one): this tab shows
      // that person now, never the screens of the one before with the new person's calls.
      const { path, query } = parseLocation();
      navigate(path === "/welcome" ? auth.landing(query.next) : location.hash.slice(1) || "/", { replace: true });
      return;
    }
    if (reason !== "expired") {
      navigate("/welcome", { replace: true });
      return;
    }
    // Ended by the server (a sign-in unused for 60 days, or signed out elsewhere): say so, once for
    // the calls that failed together, and come back here after signing in again.
    if (!location.hash.startsWith("#/welcome")) {
      toast("Your session ended. Please sign in again.");
      const here = location.hash.slice(1);
      navigate(here && here !== "/" ? `/welcome?next=${encodeURIComponent(here)}` : "/welcome", { replace: true });
    }
  });
  document.querySelector("[data-skip-link]")?.addEventListener("click", (event) => {
    event.preventDefault();
    (main.querySelector("h1") || main).focus();
  });
  const router = new Router(ROUTES, show);
  setInterval(() => refreshUnread({ minMs: 30000 }), 30000);
  router.resolve();
}

boot();
