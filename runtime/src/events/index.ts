// events: an events.k8s.io/v1 event recorder with series deduplication and
// client-go's spam filter. See recorder.ts for the contract it keeps.

export { EventRecorder, EVENTS_V1_RESOURCE, EVENT_RECORDER_DEFAULTS, objectReferenceOf } from "./recorder.js";
export type { EventRecorderOptions, EventRecorderStats, EventSeries, EventType, EventsV1Event } from "./recorder.js";
