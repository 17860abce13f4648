// A small hash router: "#/u/ana?tab=videos" → the route "/u/:handle" with params {handle: "ana"}
// and query {tab: "videos"}. Hash routes need nothing from the server beyond the one page at "/".

export function parseLocation(hash = location.hash) {
  const raw = hash.startsWith("#/") ? hash.slice(1) : "/";
  const [path, search = ""] = raw.split("?");
  return { path: path.replace(/\/+$/, "") || "/", query: Object.fromEntries(new URLSearchParams(search)) };
}

function compile(pattern) {
  const names = [];
  const source = pattern
    .split("/")
    .map((part) => {
      if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      names.push(part.slice(1));
      return "([^/]+)";
    })
    .join("/");
  return { regex: new RegExp(`^${source}$`), names };
}

/** A parameter as written in the link, or null where its escapes are not UTF-8 (a link cut short). */
function decodeParam(raw) {
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

export class Router {
  /** routes: [{path: "/u/:handle", ...anything}]; onRoute(route, {params, query, path}). */
  constructor(routes, onRoute) {
    this.routes = routes.map((route) => ({ ...route, ...compile(route.path) }));
    this.onRoute = onRoute;
    window.addEventListener("hashchange", () => this.resolve());
  }

  match(path) {
    for (const route of this.routes) {
      const found = route.regex.exec(path);
      if (found) {
        const params = Object.fromEntries(route.names.map((name, i) => [name, decodeParam(found[i + 1])]));
        if (Object.values(params).includes(null)) return null; // a broken escape ("%E0%A4"): no such page
        return { route, params };
      }
    }
    return null;
  }

  resolve() {
    if (location.hash && !location.hash.startsWith("#/")) return; // an in-page anchor, not a route
    const { path, query } = parseLocation();
    const found = this.match(path) || this.match("*");
    this.onRoute(found.route, { params: found.params, query, path });
  }
}

/** Go to a route ("/create?remix=3"). `replace` keeps the current entry out of the history. */
export function navigate(path, { replace = false } = {}) {
  const hash = `#${path}`;
  if (location.hash === hash) {
    window.dispatchEvent(new HashChangeEvent("hashchange"));
  } else if (replace) {
    location.replace(hash);
  } else {
    location.hash = hash;
  }
}

export const link = (path) => `#${path}`;
