/** Text or attribute value → HTML that shows it literally (an app named `<script>` stays text). */
export function escapeHtml(value: string | number | boolean | null | undefined): string {
  return String(value ?? "").replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Tagged template that escapes every interpolated value; nest already-built markup with `raw()`. */
export function html(strings: TemplateStringsArray, ...values: Array<Html | string | number | undefined>): Html {
  let out = strings[0] ?? "";
  values.forEach((v, i) => {
    out += (v instanceof Html ? v.value : escapeHtml(v)) + (strings[i + 1] ?? "");
  });
  return new Html(out);
}

/**
 * Markup that is already safe: built by `html`, or one of this folder's constants (the inline style and script, whose
 * raw text must not be entity-escaped). The only way past escaping; never wrap a report value in it.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

export function join(parts: readonly Html[], sep = ""): Html {
  return new Html(parts.map((p) => p.value).join(sep));
}
