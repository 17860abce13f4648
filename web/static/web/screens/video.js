// One video on its own (a link from a notification, a profile or "videos of me"), drafts included
// for the people they show.

import { api } from "../api.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";
import { navigate } from "../router.js";
import { videoCard } from "../components/video-card.js";

export async function render({ main, params, me, signal, onLeave, setTitle }) {
  const video = await api.video(params.id);
  if (signal.aborted) return;
  setTitle(`Video by @${video.author.handle}`);
  const back = h("button", { type: "button", class: "icon-btn back-btn", "aria-label": "Back" }, icon("left"));
  back.addEventListener("click", () => (history.length > 1 ? history.back() : navigate("/")));
  const card = videoCard(video, { me, onDeleted: () => navigate("/", { replace: true }) });
  main.append(h("section", { class: "feed-screen single" },
    h("h1", { class: "sr-only" }, `Video by @${video.author.handle}`),
    back,
    h("div", { class: "feed" }, card.el)));
  card.activate();
  onLeave(() => card.dispose());
}
