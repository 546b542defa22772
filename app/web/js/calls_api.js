// The call record (calls API): opened when the agent takes a call, linked to what is done during
// it, closed with an outcome. Messages to practitioners go through the same area of the API.
import * as api from "./api.js";
import { announce, focus, h, mount } from "./dom.js";
import { on, state } from "./state.js";

export const OUTCOMES = [
  ["booked", "Rendez-vous pris"],
  ["rescheduled", "Rendez-vous déplacé"],
  ["cancelled", "Rendez-vous annulé"],
  ["message_taken", "Message transmis"],
  ["transferred", "Appel transféré"],
  ["redirected_emergency", "Orienté vers les urgences (15 / 112 / 3114)"],
  ["advice_given", "Conseils donnés"],
  ["information_only", "Simple renseignement"],
  ["wrong_number", "Erreur de numéro"],
  ["abandoned", "Appel interrompu"],
];

/** Open the call record when the agent takes a call the telephony system has not opened. */
export async function openApiCall(call) {
  const number = call.practice.called_numbers[0]?.number;
  if (!number) return null;
  try {
    return await api.post("/calls", { called_number: number, caller_number: call.callerNumber || null, answered: true },
      { "Idempotency-Key": api.idempotencyKey() });
  } catch {
    return null;
  }
}

export async function sendMessage(call, body) {
  return api.post(`/practices/${call.practice.id}/messages`, body, { "Idempotency-Key": api.idempotencyKey() });
}

/** Calls the telephony system opened for the agent's practices and nobody has answered yet. */
export async function incomingCalls(container, pickUp) {
  const list = h("ul", { class: "pick", id: "incoming", "aria-label": "Appels en attente" });
  const empty = h("p", { class: "hint" }, "Aucun appel en attente.");
  container.append(list, empty, h("p", { class: "hint" }, h("kbd", {}, "Alt"), "+", h("kbd", {}, "A"), " décrocher le premier appel en attente"));
  let rows = [];
  const answer = async ([p, c]) => {
    clearInterval(handle);
    document.removeEventListener("keydown", onKey);
    const full = await api.post(`/calls/${c.id}/answer`, {});
    pickUp(p, { apiCall: full, callerNumber: full.caller_number });
  };
  const onKey = (ev) => {
    if (!container.isConnected) return document.removeEventListener("keydown", onKey);
    if (ev.altKey && ev.key.toLowerCase() === "a" && rows.length) {
      ev.preventDefault();
      answer(rows[0]);
    }
  };
  async function refresh() {
    if (!container.isConnected) {
      clearInterval(handle);
      document.removeEventListener("keydown", onKey);
      return;
    }
    // One request for every practice of the agent, oldest ringing call first.
    const calls = await api.get("/calls", { limit: 20 }).catch(() => []);
    const byId = new Map(state.practices.map((p) => [p.id, p]));
    rows = calls.filter((c) => byId.has(c.practice_id)).map((c) => [byId.get(c.practice_id), c]);
    empty.hidden = rows.length > 0;
    mount(list, rows.map((row) => h("li", {},
      h("button", { type: "button", onclick: () => answer(row) }, `Décrocher — ${row[0].name}`),
      h("span", { class: "meta" }, `sonne depuis ${new Date(row[1].ringing_at).toLocaleTimeString("fr-FR")}`))));
  }
  document.addEventListener("keydown", onKey);
  // A non-empty list is an audited read: poll gently, and only while the console is on screen.
  const handle = setInterval(() => document.visibilityState === "visible" && refresh(), 5000);
  refresh();
}

function suggestedOutcome(call) {
  const d = call.triage && !call.triage.next_question ? call.triage.disposition : null;
  if (d?.level === "emergency") return "redirected_emergency";
  const last = call.changes[call.changes.length - 1];
  if (last === "message") return "message_taken";
  if (last) return last;
  if (d?.level === "self_care") return "advice_given";
  return "information_only";
}

export function closePanel(finish) {
  const call = state.call;
  const select = h("select", { id: "close-outcome" }, OUTCOMES.map(([v, l]) => h("option", { value: v }, l)));
  const err = h("p", { class: "error", role: "alert" });
  const summary = h("ul", { id: "call-summary", class: "hint" });
  const form = h("form", { class: "panel", id: "close-panel", "aria-labelledby": "close-title" },
    h("h2", { id: "close-title" }, "5. Fin d'appel", h("span", { class: "keys" }, h("kbd", {}, "Alt"), "+", h("kbd", {}, "C"))),
    summary,
    h("label", { for: "close-outcome" }, "Issue de l'appel"), select, err,
    h("p", {}, h("button", { type: "submit", id: "close-call" }, "Clôturer l'appel")));

  function refresh() {
    select.value = suggestedOutcome(call);
    const items = [];
    if (call.patient) items.push(`Appelant : ${call.patient.surname.toUpperCase()} ${call.patient.given_names || ""}`);
    if (call.triage && !call.triage.next_question) items.push(`Triage : ${call.triage.disposition.level === "emergency" ? "urgence vitale" : "terminé"}`);
    if (call.changes.includes("booked")) items.push("Rendez-vous pris");
    if (call.changes.includes("rescheduled")) items.push("Rendez-vous déplacé");
    if (call.changes.includes("cancelled")) items.push("Rendez-vous annulé");
    if (call.changes.includes("message")) items.push("Message transmis");
    mount(summary, items.map((t) => h("li", {}, t)));
  }
  on("identified", (patient) => {
    if (call.apiCall && patient) api.post(`/calls/${call.apiCall.id}/links`, { kind: "patient", target_id: patient.id }).catch(() => null);
  });
  for (const ev of ["identified", "disposition", "booked", "rescheduled", "cancelled", "message"]) on(ev, refresh);
  for (const ev of ["booked", "rescheduled", "cancelled", "message"]) on(ev, () => focus("#close-call"));
  refresh();

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (call.apiCall) {
      try {
        await api.post(`/calls/${call.apiCall.id}/close`, { outcome: select.value });
      } catch (e) {
        err.textContent = e.message;
        return;
      }
    }
    announce("Appel clôturé.");
    finish();
  });
  return form;
}
