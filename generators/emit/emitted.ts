// What every emitter returns: a file path (relative to --out), the template
// that renders it, and the view the template reads. No text is built here.

/** One file to render. */
export interface EmittedFile {
  /** Path relative to the output folder, with `/` separators. */
  readonly path: string;
  /** Template name under templates/ (without `.hbs`). */
  readonly template: string;
  /** The data the template prints; plain JSON. */
  readonly view: Record<string, unknown>;
}
