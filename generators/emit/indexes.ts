// The index files: `<group>/<version>/index.ts` re-exports what the run
// emitted for that group-version, and the root `index.ts` exposes every
// group-version's API types (its types/ folder, nothing else) as a namespace
// plus the Clientset and the SharedInformerFactory. Builds views only.

import type { Plan } from "../ir/plan.js";
import { APPLY_FOLDER } from "./applyconfigurations.js";
import { TYPES_INDEX } from "./types.js";
import type { Artifact } from "./artifacts.js";
import type { EmittedFile } from "./emitted.js";

/** Emits the module and root index files for the chosen artifacts. */
export function emitIndexes(plan: Plan, artifacts: ReadonlySet<Artifact>): EmittedFile[] {
  const clients = artifacts.has("clients");
  const informers = artifacts.has("informers");
  const files: EmittedFile[] = plan.groupVersions.map(({ gv, has }) => ({
    path: `${gv.names.modulePath}/index.ts`,
    template: "module-index",
    view: {
      apiVersion: gv.names.apiVersion,
      typeExports: [`./${TYPES_INDEX}`],
      valueExports: [
        ...(artifacts.has("applyconfigurations") && has.applyconfigurations ? [`./${APPLY_FOLDER}/index.js`] : []),
        ...(clients && has.client ? ["./client.js"] : []),
        ...(artifacts.has("listers") && has.listers ? ["./lister.js"] : []),
        ...(informers && has.listers ? ["./informers.js"] : []),
      ],
    },
  }));
  files.push({
    path: "index.ts",
    template: "root-index",
    view: {
      // Types only: a namespace of the whole module would make every program that imports the root
      // (for the Clientset) load every builder's, lister's and informer's declarations too.
      modules: plan.model.groupVersions.map((gv) => ({ accessor: gv.names.accessor, path: `./${gv.names.modulePath}/${TYPES_INDEX}` })),
      clientset: clients,
      informers,
    },
  });
  return files;
}
