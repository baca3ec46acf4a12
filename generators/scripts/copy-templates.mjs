// Copies the repository's templates/ into this package's templates/, where the
// compiled generator finds them (render/templates.ts). Run by the build and by
// `npm pack` (prepack), so the tarball always carries the current templates.
import { cpSync, rmSync } from "node:fs";

const from = new URL("../../templates/", import.meta.url);
const to = new URL("../templates/", import.meta.url);
rmSync(to, { recursive: true, force: true });
cpSync(from, to, { recursive: true });
