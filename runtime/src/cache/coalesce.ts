// How one handler's queued notifications for the same object merge when its queue is over its
// limit (HandlerOptions.maxQueuedNotifications): the handler then sees each object's latest
// state instead of every step between, as a workqueue dedups keys. What it knew is kept: an
// update keeps the oldest `oldObj` queued, a deletion of an object it was told about is still
// delivered, and an object both added and deleted while queued is never mentioned. A delete
// followed by an add (the object re-created) is not merged: both are delivered, in order.

import type { DeletedFinalStateUnknown } from "./keys.js";
import type { Notification } from "./handlers.js";

/** The merge of `queued` and the later `next` for the same key: a notification, `null` when both cancel out, `undefined` when both must stay. */
export function coalesce<T>(queued: Notification<T>, next: Notification<T>): Notification<T> | null | undefined {
  if (queued.type === "add") {
    if (next.type === "update") return { type: "add", obj: next.newObj, initial: queued.initial };
    if (next.type === "delete") return null;
  } else if (queued.type === "update") {
    if (next.type === "update") return { type: "update", oldObj: queued.oldObj, newObj: next.newObj };
    if (next.type === "delete") return next;
  }
  return undefined;
}

/** The object a notification is about (`synced` is about none). */
export function subjectOf<T>(n: Notification<T>): T | DeletedFinalStateUnknown<T> | undefined {
  switch (n.type) {
    case "add":
      return n.obj;
    case "update":
      return n.newObj;
    case "delete":
      return n.obj;
    case "synced":
      return undefined;
  }
}
