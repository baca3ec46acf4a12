// The controller's name: field manager of every write, events'
// reportingController, default Lease name. A module of its own so the flag
// parser can use it without loading the generated clients.

/** `sample-controller`. */
export const CONTROLLER_NAME = "sample-controller";
