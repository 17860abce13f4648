// Plain words for the codes the API answers with.

export const STEP_WORDS = {
  center: "Look straight at the camera",
  turn_left: "Turn your head to your left",
  turn_right: "Turn your head to your right",
  look_up: "Look up",
  look_down: "Look down",
};

export const STEP_ICONS = { center: "center", turn_left: "left", turn_right: "right", look_up: "up", look_down: "down" };

// Where a person in a request was found (consent subjects' `source`).
export const SOURCE_WORDS = {
  mention: "mentioned in your prompt",
  name: "named in your prompt",
  description: "described in your prompt",
  reference_face: "a face in your image",
  remix: "in the video you are remixing",
  output_face: "a face in the generated video",
};

// Consent reasons, used when the server sent no `detail` (it normally does).
export const REASON_WORDS = {
  owner: "Your own cameo.",
  granted: "They approved you.",
  everyone: "Their cameo is open to everyone.",
  mutuals: "You follow each other.",
  not_available: "This person's cameo is not available.",
  needs_approval: "Ask this person for permission first.",
  no_cameo: "This person has no cameo.",
  unknown_handle: "No one has this handle.",
  protected_person: "This is a real person whose likeness cannot be used.",
  unknown_face: "The image shows a real person your prompt does not @mention, or who has no cameo you may use.",
  restriction: "The prompt breaks a rule this person set for their cameo.",
  too_many_cameos: "Too many people in one video.",
  too_many_faces: "The image shows too many faces.",
  consent_withdrawn: "This person no longer allows you.",
};

export const CATEGORY_WORDS = {
  sexual: "sexual content",
  minors: "content that endangers minors",
  violence: "graphic violence",
  self_harm: "self-harm",
  hate: "hate",
  harassment: "harassment of a real person",
  impersonation: "impersonating a public figure",
};

export const JOB_STATUS = {
  queued: "Waiting for a free generator",
  checking: "Checking consent and the prompt",
  running: "Generating",
  scanning: "Checking who appears in the video",
  ready: "Ready: a draft only you and the people in it can see",
  published: "Published",
  blocked: "Stopped",
  failed: "Failed",
  cancelled: "Cancelled",
};

export const ACTIVE_JOB = new Set(["queued", "checking", "running", "scanning"]);

export const AUDIENCES = [
  { value: "only_me", label: "Only me", hint: "No one else can put you in a video." },
  { value: "approved", label: "People I approve", hint: "Each person asks first; you approve or deny." },
  { value: "mutuals", label: "Mutuals", hint: "People you follow who follow you back." },
  { value: "everyone", label: "Everyone", hint: "Anyone can put you in a video (adults only)." },
];

export const REPORT_REASONS = [
  ["my_likeness", "Uses my likeness without my consent"],
  ["sexual", "Sexual content"],
  ["minor_safety", "Endangers a minor"],
  ["violence", "Graphic violence"],
  ["self_harm", "Self-harm"],
  ["hate", "Hate"],
  ["harassment", "Harassment or bullying"],
  ["impersonation", "Impersonation"],
  ["spam", "Spam"],
  ["other", "Something else"],
];

export const ACCESS_WORDS = {
  requested: "Request sent",
  denied: "They said no",
  revoked: "Access was revoked",
};

/** One line for a consent subject: "@ana (mentioned in your prompt): Ask this person for permission first." */
export function subjectLine(subject) {
  const who = subject.handle ? `@${subject.handle}` : "A person";
  const where = SOURCE_WORDS[subject.source] || subject.source;
  return `${who} (${where}): ${subject.detail || REASON_WORDS[subject.reason] || subject.reason}`;
}

export function notificationText(item) {
  const data = item.data || {};
  const who = data.author ? `@${data.author}` : data.handle ? `@${data.handle}` : "Someone";
  switch (item.kind) {
    case "cameo_used":
      return `${who} published a video with your cameo.`;
    case "draft_of_you":
      return `${who} made a draft that shows you. You can watch it or delete it.`;
    case "cameo_requested":
      return `${who} asked to use your cameo.`;
    case "video_of_you_found": {
      const n = (data.video_ids || []).length;
      const possible = data.possible || 0;
      const found = n === 1 ? "We found a video that shows you." : n ? `We found ${n} videos that show you.` : "";
      const maybe = possible ? `${possible === 1 ? "A video" : `${possible} videos`} may show you; the author is asked to confirm.` : "";
      return [found, maybe].filter(Boolean).join(" ") || "We looked for videos of you.";
    }
    case "appearance_to_confirm":
      return `A face in your video may be ${data.handle ? `@${data.handle}` : "someone else"}: confirm or remove them.`;
    case "video_removed":
      return "A video of yours was removed by a person in it.";
    case "video_hidden_for_review":
      return "A video of yours is hidden while a request to take it down is reviewed.";
    case "video_restored":
      return "A video of yours that was hidden for review is back: the request to take it down was dismissed.";
    default:
      return "Something happened.";
  }
}

export function notificationLink(item) {
  const data = item.data || {};
  if (item.kind === "cameo_requested") return "/cameo";
  if (item.kind === "video_of_you_found") return "/of-me";
  if (item.kind === "video_removed") return null;
  return data.video_id ? `/v/${data.video_id}` : null;
}

// A takedown request's status (GET /takedowns/{tracking}), as the page's heading.
export function takedownHeadline(request) {
  const videos = (n) => `${n} ${n === 1 ? "video" : "videos"}`;
  switch (request.status) {
    case "verifying":
      return "Checking your video…";
    case "rejected":
      return "We could not verify your video";
    case "no_match":
      return "No video here shows your face";
    case "hidden":
      return request.videos_hidden ? `${videos(request.videos_hidden)} hidden, waiting for review` : "Waiting for review";
    case "removed":
      return request.videos_removed ? `${videos(request.videos_removed)} removed` : "Request closed: removed";
    case "dismissed":
      return "Request dismissed";
    default:
      return request.status;
  }
}
