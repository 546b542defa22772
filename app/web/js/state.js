// What the console knows about the agent and the call in progress (one call at a time).
export const state = {
  me: null,
  practices: [],
  call: null, // { practice, sheet, practitioners, motifs, callerNumber, apiCall, startedAt, patient, triage, ... }
};

const listeners = new Map();

/** A tiny event bus between the call screen's panels. */
export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(fn);
}

/** Returns true when a listener says it handled the event. */
export function emit(name, payload) {
  let handled = false;
  for (const fn of listeners.get(name) || []) handled = fn(payload) === true || handled;
  return handled;
}

export function resetListeners() {
  listeners.clear();
}

export function newCall(practice, extra = {}) {
  state.call = {
    practice,
    sheet: null,
    practitioners: [],
    motifs: [],
    callerNumber: null,
    apiCall: null,
    startedAt: Date.now(),
    patient: null,
    anonymous: false,
    triage: null, // SessionOut
    suggestion: null,
    appointment: null,
    changes: [], // "booked" | "cancelled" | "rescheduled" | "message"
    message: null,
    ...extra,
  };
  return state.call;
}
