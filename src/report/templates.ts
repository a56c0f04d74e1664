/**
 * Handlebars templates of the reports. Each study kind keeps its templates in a `templates/`
 * folder beside its report module; the build copies them into dist/ (see the Makefile), and
 * a module run from dist/ without them falls back to the source tree.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import { projectRoot } from "../util/projectRoot.js";

/** `templates/<name>` beside the module at `moduleUrl`, or the same place under src/. */
function templatePath(moduleUrl: string, name: string): string {
  const here = path.dirname(fileURLToPath(moduleUrl));
  const fromRoot = path.relative(path.join(projectRoot(), "dist"), here);
  const candidates = [path.join(here, "templates", name), path.join(projectRoot(), "src", fromRoot, "templates", name)];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`report template ${name} not found; looked in ${candidates.join(", ")}`);
  return found;
}

/** Partials by the name a template includes them with (`{{> name}}`), each beside its own module. */
export type Partials = Record<string, { moduleUrl: string; name: string }>;

/** A template compiled strict (a missing field is an error) and without HTML escaping. */
export function loadTemplate<T>(
  moduleUrl: string,
  name: string,
  partials: Partials = {},
): Handlebars.TemplateDelegate<T> {
  const text = readFileSync(templatePath(moduleUrl, name), "utf8");
  const handlebars = Handlebars.create();
  for (const [partial, where] of Object.entries(partials))
    handlebars.registerPartial(partial, readFileSync(templatePath(where.moduleUrl, where.name), "utf8"));
  return handlebars.compile<T>(text, { noEscape: true, strict: true });
}

/** A renderer for a template beside the module at `moduleUrl`, compiled on first use. */
export function templateRenderer<T>(moduleUrl: string, name: string, partials: Partials = {}): (view: T) => string {
  let compiled: Handlebars.TemplateDelegate<T> | undefined;
  return (view) => {
    compiled ??= loadTemplate<T>(moduleUrl, name, partials);
    return compiled(view);
  };
}
