// Inline SVG icons (24×24, stroke: currentColor). Decorative: every control that shows one also
// has a text label or an aria-label.

const PATHS = {
  home: '<path d="M3 11.5 12 4l9 7.5"/><path d="M5 10v10h5v-6h4v6h5V10"/>',
  following: '<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20c.8-3.6 3.4-5.5 6.5-5.5s5.7 1.9 6.5 5.5"/><path d="M16 6.5a3 3 0 0 1 0 6M18.5 14.8c1.6.8 2.6 2.5 3 5.2"/>',
  plus: '<path d="M12 5v14M5 12h14"/>',
  create: '<rect x="3" y="3" width="18" height="18" rx="5"/><path d="M12 8v8M8 12h8"/>',
  cameo: '<circle cx="12" cy="10" r="4"/><path d="M4 21c1.2-4 4.2-6 8-6s6.8 2 8 6"/><path d="M3 7V4h3M21 7V4h-3"/>',
  ofme: '<path d="M4 5h16v11H4z"/><path d="M10 8.5v4l3.5-2z"/><path d="M8 20h8"/>',
  profile: '<circle cx="12" cy="8" r="4"/><path d="M4 21c1.3-4.3 4.3-6.5 8-6.5s6.7 2.2 8 6.5"/>',
  heart: '<path d="M12 20s-7.5-4.6-9.2-9.1C1.6 7.6 3.8 4.5 7 4.5c2 0 3.4 1.1 5 3 1.6-1.9 3-3 5-3 3.2 0 5.4 3.1 4.2 6.4C19.5 15.4 12 20 12 20z"/>',
  comment: '<path d="M4 5h16v11H9l-5 4z"/>',
  remix: '<path d="M4 7h11l-3-3M20 17H9l3 3"/><path d="M18 7h2v5M6 17H4v-5"/>',
  flag: '<path d="M5 21V4M5 4h12l-2 4 2 4H5"/>',
  close: '<path d="M6 6l12 12M18 6 6 18"/>',
  play: '<path d="M7 4.5v15l12-7.5z"/>',
  pause: '<path d="M8 5v14M16 5v14"/>',
  camera: '<rect x="3" y="6" width="13" height="12" rx="2"/><path d="m16 10 5-3v10l-5-3"/>',
  upload: '<path d="M12 16V4M7 9l5-5 5 5"/><path d="M4 16v4h16v-4"/>',
  trash: '<path d="M4 7h16M9 7V4h6v3M6 7l1 13h10l1-13"/>',
  check: '<path d="m5 12 5 5 9-10"/>',
  left: '<path d="M15 5l-7 7 7 7"/>',
  right: '<path d="m9 5 7 7-7 7"/>',
  up: '<path d="m5 15 7-7 7 7"/>',
  down: '<path d="m5 9 7 7 7-7"/>',
  center: '<circle cx="12" cy="12" r="8"/><circle cx="12" cy="12" r="2"/>',
  shield: '<path d="M12 3 5 6v6c0 4.5 3 7.5 7 9 4-1.5 7-4.5 7-9V6z"/><path d="m9 12 2 2 4-4"/>',
  download: '<path d="M12 4v12M7 11l5 5 5-5"/><path d="M4 20h16"/>',
  signout: '<path d="M15 4h4v16h-4"/><path d="M10 8l-4 4 4 4M6 12h10"/>',
  bell: '<path d="M6 17V11a6 6 0 0 1 12 0v6l2 2H4z"/><path d="M10 21h4"/>',
  search: '<circle cx="11" cy="11" r="6"/><path d="m20 20-4.5-4.5"/>',
  image: '<rect x="3" y="4" width="18" height="16" rx="2"/><circle cx="9" cy="10" r="2"/><path d="m21 16-5-5-9 9"/>',
  sound: '<path d="M4 9.5h4l5-4v13l-5-4H4z"/><path d="M16.5 9a4 4 0 0 1 0 6M19 6.5a7.5 7.5 0 0 1 0 11"/>',
  muted: '<path d="M4 9.5h4l5-4v13l-5-4H4z"/><path d="m16.5 9.5 5 5M21.5 9.5l-5 5"/>',
  mic: '<rect x="9" y="3" width="6" height="11" rx="3"/><path d="M5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21"/>',
  spark: '<path d="M12 3v4M12 17v4M3 12h4M17 12h4M6 6l2.5 2.5M15.5 15.5 18 18M6 18l2.5-2.5M15.5 8.5 18 6"/>',
};

const cache = new Map();

/** An <svg> element for `name`, hidden from assistive technology. */
export function icon(name, { size = 24, className = "icon" } = {}) {
  if (!cache.has(name)) {
    const template = document.createElement("template");
    template.innerHTML =
      `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" fill="none" stroke="currentColor" ` +
      `stroke-width="1.9" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false">` +
      `${PATHS[name] || PATHS.spark}</svg>`;
    cache.set(name, template.content.firstElementChild);
  }
  const svg = cache.get(name).cloneNode(true);
  svg.setAttribute("width", size);
  svg.setAttribute("height", size);
  svg.setAttribute("class", className);
  return svg;
}
