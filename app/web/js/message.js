// A message (or callback request) for a practitioner, pre-filled from the caller and the triage.
import { announce, focus, fmtDate, h, LEVELS, mount } from "./dom.js";
import { emit, on, state } from "./state.js";
import { sendMessage } from "./calls_api.js";
import { findingQuestion } from "./triage.js";

const PRIORITY = { emergency: "urgent", urgent: "urgent", soon: "high", routine: "normal", self_care: "low" };
const PRIORITY_LABEL = { urgent: "Urgente", high: "Haute", normal: "Normale", low: "Basse" };

function prefill(call) {
  const p = call.patient;
  const s = call.triage;
  const d = s && !s.next_question ? s.disposition : null;
  const name = p ? `${p.surname.toUpperCase()} ${p.given_names || ""}`.trim() : "";
  const lines = [];
  if (p) lines.push(`Patient : ${name}${p.birth_date ? `, né·e le ${fmtDate(p.birth_date)}` : ""}`);
  if (call.said) lines.push(`L'appelant dit : « ${call.said} »`);
  if (d) {
    lines.push(`Triage : ${LEVELS[d.level]?.label || d.level}`);
    const yes = s.answers.filter((a) => a.answer !== "no");
    for (const a of yes) lines.push(`- ${a.answer === "yes" ? "Oui" : "Ne sait pas"} : ${findingQuestion(a.finding)}`);
    if (d.outcome?.say) lines.push(`Conseil donné : ${d.outcome.say}`);
  }
  return {
    subject: [call.suggestion?.title, d ? LEVELS[d.level]?.label : null].filter(Boolean).join(" — ") || "Message du secrétariat",
    body: lines.join("\n"),
    caller_name: name,
    callback: call.callerNumber || p?.phones?.[0] || "",
    priority: d ? PRIORITY[d.level] : "normal",
  };
}

export function messagePanel() {
  const call = state.call;
  const body = h("div", { id: "message-body" });
  const panel = h("section", { class: "panel", id: "message-panel", "aria-labelledby": "message-title", tabindex: "-1" },
    h("h2", { id: "message-title" }, "4. Message au praticien", h("span", { class: "keys" }, h("kbd", {}, "Alt"), "+", h("kbd", {}, "G"))), body);
  const open = h("button", { type: "button", class: "secondary", id: "message-open", onclick: () => form() }, "Rédiger un message (Alt+G)");
  mount(body, open);

  function form() {
    const pre = prefill(call);
    const f = {
      who: h("select", { id: "msg-who" }, call.practitioners.map((p) => h("option", { value: p.id }, p.display_name))),
      kind: h("select", { id: "msg-kind" }, h("option", { value: "message" }, "Message"), h("option", { value: "callback" }, "Demande de rappel")),
      priority: h("select", { id: "msg-priority" }, Object.entries(PRIORITY_LABEL).map(([v, l]) => h("option", { value: v, selected: v === pre.priority }, l))),
      subject: h("input", { id: "msg-subject", value: pre.subject, autocomplete: "off" }),
      text: h("textarea", { id: "msg-body", rows: "5" }, pre.body),
      name: h("input", { id: "msg-name", value: pre.caller_name, autocomplete: "off" }),
      phone: h("input", { id: "msg-phone", type: "tel", value: pre.callback, autocomplete: "off" }),
      when: h("input", { id: "msg-when", autocomplete: "off", placeholder: "ex. avant 18 h" }),
    };
    const err = h("p", { class: "error", role: "alert" });
    const el = h("form", { "aria-label": "Message au praticien" },
      h("div", { class: "row" },
        h("div", {}, h("label", { for: "msg-who" }, "Pour"), f.who),
        h("div", { class: "shrink" }, h("label", { for: "msg-kind" }, "Type"), f.kind),
        h("div", { class: "shrink" }, h("label", { for: "msg-priority" }, "Priorité"), f.priority)),
      h("label", { for: "msg-subject" }, "Objet"), f.subject,
      h("label", { for: "msg-body" }, "Message"), f.text,
      h("div", { class: "row" },
        h("div", {}, h("label", { for: "msg-name" }, "Nom de l'appelant"), f.name),
        h("div", {}, h("label", { for: "msg-phone" }, "Numéro de rappel"), f.phone),
        h("div", {}, h("label", { for: "msg-when" }, "Rappeler de préférence"), f.when)),
      err,
      h("p", { class: "hint" }, h("kbd", {}, "Ctrl"), "+", h("kbd", {}, "Entrée"), " envoyer · ", h("kbd", {}, "Échap"), " fermer"),
      h("div", { class: "row" }, h("button", { type: "submit", class: "shrink", id: "msg-send" }, "Envoyer le message"),
        h("button", { type: "button", class: "secondary shrink", onclick: () => (mount(body, open), focus(open)) }, "Fermer")));
    el.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" && ev.ctrlKey) {
        ev.preventDefault();
        el.requestSubmit();
      } else if (ev.key === "Escape") {
        mount(body, open);
        focus(open);
      }
    });
    el.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      if (!f.who.value) return (err.textContent = "Aucun praticien pour ce cabinet.");
      try {
        const msg = await sendMessage(call, {
          practitioner_id: f.who.value, kind: f.kind.value, priority: f.priority.value,
          subject: f.subject.value.trim() || "Message du secrétariat", body: f.text.value,
          caller_name: f.name.value.trim() || null, callback_number: f.phone.value.trim() || null,
          preferred_time: f.when.value.trim() || null, call_id: call.apiCall?.id ?? null,
          triage_session_id: call.triage?.id ?? null,
        });
        call.message = msg;
        call.changes.push("message");
        const whoName = f.who.selectedOptions[0]?.textContent;
        mount(body, h("div", { class: "done", id: "message-sent", tabindex: "-1" }, `Message transmis à ${whoName} (priorité ${PRIORITY_LABEL[msg.priority] || msg.priority}).`));
        announce(`Message transmis à ${whoName}.`);
        emit("message", msg);
      } catch (e) {
        err.textContent = e.status === 422 ? "Vérifiez l'objet et le numéro de rappel." : e.message;
      }
    });
    mount(body, el);
    focus(f.who);
  }

  on("goto", (sel) => {
    if (sel !== "#message-panel") return false;
    if (document.querySelector("#msg-who")) focus("#msg-who");
    else form();
    return true;
  });
  return panel;
}
