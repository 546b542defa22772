// The call screen: instruction sheet (always visible), workspace panels, call column with timer.
import * as api from "./api.js";
import { $, announce, focus, fmtPhone, h, isTyping, mount } from "./dom.js";
import { emit, newCall, resetListeners, state } from "./state.js";
import { callerPanel } from "./caller.js";
import { triagePanel, checklistPanel } from "./triage.js";
import { bookingPanel } from "./booking.js";
import { messagePanel } from "./message.js";
import { closePanel, openApiCall } from "./calls_api.js";

let timerHandle = null;
let keyHandler = null;

function sheetView(practice, sheet) {
  if (!sheet) return h("aside", { class: "sheet" }, h("p", {}, "Aucune consigne publiée pour ce cabinet."));
  const contacts = (sheet.transfer_contacts || []).map((c) =>
    h("li", {}, h("strong", {}, c.name), c.phone ? ` — ${fmtPhone(c.phone)}` : "", c.email ? ` — ${c.email}` : "", c.when ? h("div", { class: "hint" }, c.when) : ""),
  );
  return h(
    "aside",
    { class: "sheet", id: "sheet", "aria-labelledby": "sheet-title", tabindex: "-1" },
    h("h2", { id: "sheet-title" }, "Consignes — ", practice.name),
    h("p", { class: "hint" }, `Version ${sheet.version}`),
    h("p", { class: "greeting" }, sheet.greeting),
    h(
      "dl",
      {},
      h("dt", {}, "Appels urgents"),
      h("dd", { class: "urgent" }, sheet.urgent_calls),
      h("dt", {}, "Transferts"),
      h("dd", {}, contacts.length ? h("ul", {}, contacts) : "Aucun contact de transfert."),
      sheet.coverage_hours ? [h("dt", {}, "Horaires couverts"), h("dd", {}, sheet.coverage_hours)] : null,
      sheet.instructions ? [h("dt", {}, "Consignes particulières"), h("dd", {}, sheet.instructions)] : null,
      h("dt", {}, "Message urgent sans réponse"),
      h("dd", {}, `relancé après ${sheet.escalation_minutes} min, puis au contact suivant`),
    ),
  );
}

function tick() {
  const c = state.call;
  if (!c) return;
  const s = Math.floor((Date.now() - c.startedAt) / 1000);
  const timer = $("#bar-timer");
  timer.textContent = `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
  timer.classList.toggle("long", s >= 300); // five minutes: a long call for a telesecretariat
}

function shortcuts(ev) {
  if (!state.call) return;
  if (ev.altKey && !ev.ctrlKey && !ev.metaKey) {
    const target = { p: "#caller-q", t: "#triage-q", r: "#booking-panel", g: "#message-panel", c: "#close-call", u: "#checklist input:not(:disabled)" }[ev.key.toLowerCase()];
    if (target) {
      ev.preventDefault();
      if (emit("goto", target)) return;
      const el = $(target);
      if (el) {
        const inner = el.matches("input,select,textarea,button") ? el : el.querySelector("input,select,textarea,button,[tabindex='0']");
        focus(inner || el);
      }
    }
    return;
  }
  if (isTyping(ev) || ev.ctrlKey || ev.metaKey) return;
  emit("key", ev);
}

export function endCallScreen() {
  clearInterval(timerHandle);
  document.removeEventListener("keydown", keyHandler);
  resetListeners();
  state.call = null;
  $("#bar-timer").hidden = true;
}

export async function openCallScreen(practice, { callerNumber = null, apiCall = null, onEnd }) {
  resetListeners();
  const call = newCall(practice, { callerNumber, apiCall });
  document.title = `Appel — ${practice.name}`;
  $("#bar-practice").textContent = practice.name;
  const [sheet, practitioners, motifs] = await Promise.all([
    api.get(`/practices/${practice.id}/instructions`).catch(() => null),
    api.get(`/practices/${practice.id}/practitioners`).catch(() => []),
    api.get(`/practices/${practice.id}/motifs`).catch(() => []),
  ]);
  Object.assign(call, { sheet, practitioners: practitioners.filter((p) => p.active), motifs: motifs.filter((m) => m.active && m.bookable_by_agents) });
  if (!call.apiCall) call.apiCall = await openApiCall(call);
  if (call.apiCall?.answered_at) call.startedAt = Date.parse(call.apiCall.answered_at) || call.startedAt;

  const finish = () => {
    endCallScreen();
    onEnd();
  };
  const center = h("div", { class: "col", id: "workspace" });
  const left = h("div", { class: "col" }, sheetView(practice, sheet));
  const right = h("div", { class: "col", id: "call-col" });
  mount("#work", h("div", { class: "call" }, left, center, right));

  center.append(callerPanel(), triagePanel(), bookingPanel(), messagePanel());
  right.append(closePanel(finish), checklistPanel());

  clearInterval(timerHandle);
  $("#bar-timer").hidden = false;
  tick();
  timerHandle = setInterval(tick, 1000);
  keyHandler = shortcuts;
  document.addEventListener("keydown", keyHandler);
  announce(`Appel pour ${practice.name}. ${sheet ? sheet.greeting : ""}`);
  emit("call-opened", call);
}
