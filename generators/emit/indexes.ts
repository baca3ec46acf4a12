// The index files: `<group>/<version>/index.ts` re-exports what the run
// emitted for that group-version, and the root `index.ts` exposes every
// group-version's types as a namespace plus the Clientset and the
// SharedInformerFactory. Builds views only.

import type { ApiModel } from "../ir/types.js";
import { hasBuilder } from "./applyconfigurations.js";
import type { Artifact } from "./artifacts.js";
import { hasClient } from "./clients.js";
import type { EmittedFile } from "./emitted.js";
import { hasListers } from "./listers.js";

/** Emits the module and root index files for the chosen artifacts. */
export function emitIndexes(model: ApiModel, artifacts: ReadonlySet<Artifact>): EmittedFile[] {
  const clients = artifacts.has("clients");
  const informers = artifacts.has("informers");
  const files: EmittedFile[] = model.groupVersions.map((gv) => ({
    path: `${gv.names.modulePath}/index.ts`,
    template: "module-index",
    view: {
      apiVersion: gv.names.apiVersion,
      typeExports: ["types"],
      valueExports: [
        ...(artifacts.has("applyconfigurations") && gv.types.some(hasBuilder) ? ["applyconfigurations"] : []),
        ...(clients && hasClient(gv) ? ["client"] : []),
        ...(artifacts.has("listers") && hasListers(gv) ? ["lister"] : []),
        ...(informers && hasListers(gv) ? ["informers"] : []),
      ],
    },
  }));
  files.push({
    path: "index.ts",
    template: "root-index",
    view: {
      modules: model.groupVersions.map((gv) => ({ accessor: gv.names.accessor, path: `./${gv.names.modulePath}/index.js` })),
      clientset: clients,
      informers,
    },
  });
  return files;
}
