// Booking: slots that fit the disposition and the motif across practitioners; hold on selection,
// confirm; cancel or move the caller's existing appointments. Never shown for an emergency.
import * as api from "./api.js";
import { announce, focus, fmtSlot, h, LEVELS, mount } from "./dom.js";
import { pickList } from "./pick.js";
import { emit, on, state } from "./state.js";

export function bookingPanel() {
  const call = state.call;
  const tz = call.practice.timezone;
  const practitionerName = (id) => call.practitioners.find((p) => p.id === id)?.display_name || "Praticien";
  const motifLabel = (id) => call.motifs.find((m) => m.id === id)?.label || "Motif";

  const motifSel = h("select", { id: "book-motif" }, h("option", { value: "" }, "Choisir un motif"), call.motifs.map((m) => h("option", { value: m.id }, `${m.label} (${m.duration_minutes} min)`)));
  const whoSel = h("select", { id: "book-who" }, h("option", { value: "" }, "Tous les praticiens"),
    call.practitioners.map((p) => h("option", { value: p.id }, p.display_name)));
  const partSel = h("select", { id: "book-part" }, h("option", { value: "" }, "Indifférent"),
    h("option", { value: "morning" }, "Matin"), h("option", { value: "afternoon" }, "Après-midi"));
  const info = h("p", { class: "hint", id: "book-info", "aria-live": "polite" });
  const existing = h("div", { id: "appointments" });
  const work = h("div", { id: "book-work" });
  let mode = { kind: "book" }; // or { kind: "move", appointment }
  let hold = null;

  const slots = pickList({
    label: "Créneaux proposés",
    className: "slots",
    render: (s) => [h("span", { class: "when" }, fmtSlot(s.start, tz)), h("span", {}, practitionerName(s.practitioner_id)),
      s.reserved ? h("span", { class: "meta" }, "créneau réservé urgences") : h("span", { class: "meta" }, "")],
    onChoose: (s) => select(s),
  });
  slots.focusable();
  slots.el.id = "slots";

  const form = h("div", {},
    h("div", { class: "row" },
      h("div", { style: "flex:2" }, h("label", { for: "book-motif" }, "Motif"), motifSel),
      h("div", {}, h("label", { for: "book-who" }, "Praticien"), whoSel),
      h("div", { class: "shrink" }, h("label", { for: "book-part" }, "Moment"), partSel)),
    info, slots.el, work);
  const body = h("div", { id: "book-body" }, existing, form);
  const panel = h("section", { class: "panel", id: "booking-panel", "aria-labelledby": "booking-title", tabindex: "-1" },
    h("h2", { id: "booking-title" }, "3. Rendez-vous", h("span", { class: "keys" }, h("kbd", {}, "Alt"), "+", h("kbd", {}, "R"))), body);

  const level = () => call.triage?.disposition?.level || "routine";
  const emergency = () => call.triage && !call.triage.next_question && level() === "emergency";

  let searches = 0;
  async function load({ focusList = false } = {}) {
    if (emergency()) return;
    if (mode.kind === "book" && call.triage?.next_question) {
      info.textContent = "Terminez le triage pour voir les créneaux adaptés.";
      return;
    }
    await releaseHold();
    mount(work);
    const motifId = mode.kind === "move" ? mode.appointment.motif_id : motifSel.value;
    if (!motifId) {
      slots.set([]);
      info.textContent = call.motifs.length ? "Choisissez un motif." : "Aucun motif réservable par le secrétariat.";
      return;
    }
    const params = { motif_id: motifId, urgency: mode.kind === "move" ? mode.appointment.disposition : level(), limit: 8 };
    const who = mode.kind === "move" ? mode.appointment.practitioner_id : whoSel.value;
    if (who) params.practitioner_id = who;
    if (partSel.value) params.part_of_day = partSel.value;
    info.textContent = "Recherche des créneaux…";
    const mine = ++searches;
    try {
      const res = await api.get(`/practices/${call.practice.id}/slots`, params);
      if (mine !== searches) return; // a newer search (another motif or filter) answers instead
      slots.set(res.slots);
      const what = mode.kind === "move"
        ? "Nouveau créneau pour le rendez-vous à déplacer"
        : call.triage
          ? `${LEVELS[params.urgency]?.label || ""} — ${motifLabel(motifId)}`
          : `Sans triage (délai habituel ; triez dès qu'un symptôme est décrit) — ${motifLabel(motifId)}`;
      info.textContent = res.slots.length
        ? `${what} : ${res.slots.length} créneau(x). ↑ ↓ puis Entrée pour réserver.`
        : `${what} : aucun créneau dans la fenêtre. Laissez un message au praticien (Alt+G).`;
      if (focusList && res.slots.length) focus(slots.el);
    } catch (e) {
      slots.set([]);
      info.textContent = e.status === 422 ? "Ce motif ne peut pas être réservé pour ce niveau d'urgence." : e.message;
    }
  }

  async function releaseHold() {
    if (hold) {
      const id = hold.id;
      hold = null;
      await api.del(`/holds/${id}`).catch(() => null);
    }
  }

  function confirmBox(text, onYes, yesLabel) {
    const yes = h("button", { type: "button", id: "confirm-yes", onclick: onYes }, yesLabel);
    const no = h("button", { type: "button", class: "secondary", onclick: back }, "Autre créneau (Échap)");
    const box = h("div", { class: "confirm", role: "group", "aria-label": "Confirmation" }, h("p", {}, text), h("div", { class: "row" }, yes, no));
    box.addEventListener("keydown", (ev) => ev.key === "Escape" && (ev.preventDefault(), back()));
    mount(work, box);
    focus(yes);
  }

  async function back() {
    await releaseHold();
    mount(work);
    focus(slots.el);
  }

  async function select(slot) {
    const text = `${fmtSlot(slot.start, tz)} avec ${practitionerName(slot.practitioner_id)}`;
    if (mode.kind === "move") {
      return confirmBox(`Déplacer le rendez-vous au ${text} ?`, () => move(slot), "Déplacer (Entrée)");
    }
    if (hold) return; // already holding: confirm or Échap first
    try {
      hold = await api.post("/holds", {
        practice_id: call.practice.id, practitioner_id: slot.practitioner_id,
        motif_id: motifSel.value, start: slot.start, disposition: level(),
      });
    } catch (e) {
      if (e.status === 409) {
        slots.set(e.problem.alternatives || []);
        info.textContent = "Ce créneau vient d'être pris. Voici les suivants.";
        return focus(slots.el);
      }
      return (info.textContent = e.message);
    }
    const until = new Date(hold.expires_at).toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" });
    confirmBox(`Créneau bloqué jusqu'à ${until} : ${text} (${motifLabel(motifSel.value)}). Le confirmer à l'appelant ?`, () => book(slot, text), "Confirmer le rendez-vous (Entrée)");
  }

  let booking = false;
  async function book(slot, text) {
    if (booking) return; // a second Enter must not send a second booking
    booking = true;
    try {
      const appt = await api.post("/appointments", {
        practice_id: call.practice.id, practitioner_id: slot.practitioner_id, motif_id: motifSel.value,
        start: slot.start, disposition: level(), hold_id: hold?.id ?? null, patient_id: call.patient?.id ?? null,
        triage_session_id: call.triage?.id ?? null, call_id: call.apiCall?.id ?? null,
      }, { "Idempotency-Key": api.idempotencyKey() });
      hold = null;
      call.appointment = appt;
      call.changes.push("booked");
      mount(work, h("div", { class: "done", id: "booked", tabindex: "-1" }, `Rendez-vous confirmé : ${text}.`));
      slots.set([]);
      info.textContent = "";
      announce(`Rendez-vous confirmé : ${text}`);
      emit("booked", appt);
      loadExisting();
    } catch (e) {
      if (e.status === 409) {
        hold = null;
        slots.set(e.problem.alternatives || []);
        info.textContent = "Le créneau n'est plus disponible. Voici les suivants.";
        mount(work);
        return focus(slots.el);
      }
      info.textContent = e.message;
    } finally {
      booking = false;
    }
  }

  async function move(slot) {
    try {
      const appt = await api.post(`/appointments/${mode.appointment.id}/reschedule`, { start: slot.start, disposition: mode.appointment.disposition });
      call.changes.push("rescheduled");
      mode = { kind: "book" };
      slots.set([]);
      await loadExisting();
      mount(work, h("div", { class: "done", tabindex: "-1" }, `Rendez-vous déplacé au ${fmtSlot(appt.start, tz)}.`));
      announce("Rendez-vous déplacé.");
      emit("rescheduled", appt);
    } catch (e) {
      info.textContent = e.status === 409 ? "Ce créneau n'est plus libre, choisissez-en un autre." : e.message;
    }
  }

  async function cancel(appt) {
    const yes = async () => {
      try {
        await api.post(`/appointments/${appt.id}/cancel`);
        call.changes.push("cancelled");
        await loadExisting();
        mount(work, h("div", { class: "done", tabindex: "-1" }, "Rendez-vous annulé."));
        announce("Rendez-vous annulé.");
        emit("cancelled", appt);
      } catch (e) {
        info.textContent = e.message;
      }
    };
    const y = h("button", { type: "button", class: "danger", onclick: yes }, "Annuler ce rendez-vous (Entrée)");
    const n = h("button", { type: "button", class: "secondary", onclick: () => (mount(work), loadExisting()) }, "Garder (Échap)");
    const box = h("div", { class: "confirm" }, h("p", {}, `Annuler le rendez-vous du ${fmtSlot(appt.start, tz)} avec ${practitionerName(appt.practitioner_id)} ?`), h("div", { class: "row" }, y, n));
    box.addEventListener("keydown", (ev) => ev.key === "Escape" && (ev.preventDefault(), n.click()));
    mount(work, box);
    focus(y);
  }

  async function loadExisting() {
    if (!call.patient) return mount(existing);
    try {
      const rows = await api.get(`/practices/${call.practice.id}/appointments`, {
        patient_id: call.patient.id, status: "booked", start: new Date().toISOString(), limit: 20,
      });
      mount(existing, rows.length ? [
        h("h3", {}, "Rendez-vous à venir"),
        h("ul", { class: "pick appts" }, rows.map((a) => h("li", {},
          h("span", { class: "when" }, fmtSlot(a.start, tz)), h("span", {}, `${practitionerName(a.practitioner_id)} — ${motifLabel(a.motif_id)}`),
          h("span", { class: "meta" },
            h("button", { type: "button", class: "secondary", onclick: () => ((mode = { kind: "move", appointment: a }), load({ focusList: true })) }, "Déplacer"), " ",
            h("button", { type: "button", class: "secondary", onclick: () => cancel(a) }, "Annuler"))))),
      ] : null);
    } catch {
      mount(existing);
    }
  }

  function pickMotif() {
    const code = call.suggestion?.motif;
    const byCode = call.motifs.find((m) => m.code === code);
    const urgent = call.motifs.find((m) => /urgen/.test(m.code));
    const chosen = byCode || (["urgent", "soon"].includes(level()) && urgent) || call.motifs[0];
    if (chosen) motifSel.value = chosen.id;
  }

  for (const sel of [motifSel, whoSel, partSel]) sel.addEventListener("change", () => load());
  on("identified", loadExisting);
  on("disposition", (s) => {
    mode = { kind: "book" };
    if (s.disposition.level === "emergency") {
      releaseHold();
      panel.hidden = true;
      return;
    }
    panel.hidden = false;
    pickMotif();
    if (s.disposition.level === "self_care") {
      slots.set([]);
      mount(work, h("button", { type: "button", class: "secondary", id: "book-anyway", onclick: () => load({ focusList: true }) }, "L'appelant souhaite tout de même un rendez-vous"));
      info.textContent = "Conseils seulement : pas de rendez-vous nécessaire.";
      return;
    }
    load({ focusList: true });
  });
  on("triage", (s) => {
    if (s.next_question) {
      panel.hidden = false;
      releaseHold();
      slots.set([]);
      info.textContent = "Terminez le triage pour voir les créneaux adaptés.";
    }
  });
  on("goto", (sel) => {
    if (sel !== "#booking-panel" || panel.hidden) return false;
    const first = existing.querySelector("button");
    if (first) focus(first);
    else if (slots.items.length) focus(slots.el);
    else if (!emergency()) load({ focusList: true }).then(() => document.activeElement !== slots.el && focus(motifSel));
    return true;
  });
  return panel;
}
