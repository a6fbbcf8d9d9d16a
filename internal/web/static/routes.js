// The client-side router's view of the page routes the server declares: a
// path is literal or ends with one {parameter} filling the rest of its last
// segment, and the parameter may appear in the title.
import { notFound, routes } from './boot.js';

const parsed = routes.map((r) => {
  const [prefix, param] = r.path.split('{');
  return { ...r, prefix, param: param?.slice(0, -1) };
});

// unmatched is what match returns for a path that is no page.
export const unmatched = { name: notFound.name, route: notFound };

// match returns the route of path and its decoded parameter.
export function match(path) {
  for (const r of parsed) {
    if (!r.param) {
      if (path === r.path) return { name: r.name, route: r };
      continue;
    }
    const arg = path.startsWith(r.prefix) ? path.slice(r.prefix.length) : '';
    if (!arg || arg.includes('/')) continue;
    try {
      return { name: r.name, route: r, arg: decodeURIComponent(arg) };
    } catch {
      break; // malformed percent-encoding
    }
  }
  return unmatched;
}

export function title({ route, arg }) {
  return route.param ? route.title.replace(`{${route.param}}`, arg) : route.title;
}
