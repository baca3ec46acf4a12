// init: `kubegen init controller`, which scaffolds a controller project.
export { initController, toolVersions } from "./init-controller.js";
export type { InitControllerOptions, InitControllerResult } from "./init-controller.js";
