// Triage: caller's words → protocol suggestions; one question at a time (1 / 2 / 3), back with
// Backspace; the global red-flag checklist; the disposition banner with the script to read.
import * as api from "./api.js";
import { ageYears, announce, callLabel, focus, h, LEVELS, mount } from "./dom.js";
import { pickList } from "./pick.js";
import { emit, on, state } from "./state.js";

const ANSWERS = { yes: "Oui", no: "Non", unknown: "Je ne sais pas" };
let findings = null;
const protocolsBySpecialty = {};
const norm = (t) => t.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

/** The practice's own motifs whose label starts like the typed words, mapped to their protocol. */
async function motifSuggestions(call, text) {
  const protocols = [];
  for (const spec of call.practice.specialties) {
    protocolsBySpecialty[spec] ||= await api.get("/triage/protocols", { specialty: spec }).catch(() => []);
    protocols.push(...protocolsBySpecialty[spec]);
  }
  const t = norm(text);
  if (t.length < 2) return [];
  const out = [];
  for (const m of call.motifs) {
    const label = norm(m.label);
    if (!label.startsWith(t) && !label.split(/[\s'’-]+/).some((w) => w.length > 2 && w.startsWith(t))) continue;
    const p = protocols.find((x) => x.motif === m.code);
    if (p) out.push({ protocol_id: p.id, title: p.title, score: 0, matched: [m.label], motif: m.code });
  }
  return out;
}

export function findingQuestion(code) {
  return findings?.[code]?.question || code;
}

async function catalogue() {
  if (!findings) {
    findings = {};
    for (const f of await api.get("/triage/findings").catch(() => [])) findings[f.code] = f;
  }
  return findings;
}

function context() {
  const p = state.call.patient;
  const ctx = {};
  if (p?.birth_date) ctx.age_years = ageYears(p.birth_date);
  if (p?.sex === "F" || p?.sex === "M") ctx.sex = p.sex;
  return ctx;
}

export function banner(s) {
  const d = s.disposition;
  const lv = LEVELS[d.level] || LEVELS.routine;
  const out = d.outcome || {};
  const emergency = d.level === "emergency";
  return h("div", { class: `banner ${lv.cls}`, id: "disposition", role: "alert", tabindex: "-1", "data-level": d.level },
    h("div", { class: "level" }, lv.label),
    emergency ? [
      h("p", {}, "Faites appeler immédiatement le :"),
      h("div", { class: "callnum", id: "emergency-number" }, callLabel(d.call)),
      h("p", {}, "Ne proposez pas de rendez-vous. Restez poli et ferme : l'appel au ", d.call || "15", " ne peut pas attendre."),
    ] : null,
    out.say ? h("p", { class: "say" }, "À dire : « ", out.say, " »") : null,
    out.while_waiting ? h("p", {}, h("strong", {}, "En attendant : "), out.while_waiting) : null,
    out.watch_for ? h("p", {}, h("strong", {}, "Surveiller / rappeler si : "), out.watch_for) : null,
    d.instructions?.length ? h("ul", {}, d.instructions.map((i) => h("li", {}, i))) : null,
  );
}

export function triagePanel() {
  const call = state.call;
  const q = h("input", { id: "triage-q", autocomplete: "off", placeholder: "ex. mal à la poitrine, détartrage, fièvre…" });
  const list = pickList({
    label: "Protocoles proposés",
    render: (s) => [h("strong", {}, s.title), h("span", { class: "meta" }, s.matched.slice(0, 2).join(" · "))],
    onChoose: (s) => startSession(s),
  });
  list.bindInput(q);
  const body = h("div", { id: "triage-body" });
  const panel = h("section", { class: "panel", id: "triage-panel", "aria-labelledby": "triage-title" },
    h("h2", { id: "triage-title" }, "2. Motif et triage", h("span", { class: "keys" }, h("kbd", {}, "Alt"), "+", h("kbd", {}, "T"))),
    h("label", { for: "triage-q" }, "Ce que dit l'appelant"), q, list.el, body);

  let seq = 0;
  let timer = null;
  q.addEventListener("input", () => {
    clearTimeout(timer);
    const text = q.value.trim();
    if (text.length < 2) return list.set([]);
    timer = setTimeout(async () => {
      const mine = ++seq;
      // One specialty: its protocols rank first. Several: the vocabulary ranks them all.
      const specs = call.practice.specialties;
      const specialty = specs.length === 1 ? { specialty: specs[0] } : {};
      try {
        const [res, local] = await Promise.all([
          api.post("/triage/suggest", { text, ...specialty, ...context(), limit: 5 }),
          motifSuggestions(call, text),
        ]);
        const seen = new Set();
        const merged = [...res.suggestions, ...local].filter((x) => !seen.has(x.protocol_id) && seen.add(x.protocol_id));
        if (mine === seq && q.value.trim() === text) list.set(merged.slice(0, 6));
      } catch {
        /* keep the previous suggestions */
      }
    }, 90);
  });

  async function startSession(suggestion) {
    call.suggestion = suggestion;
    call.said = q.value.trim();
    list.set([]);
    q.value = suggestion.title;
    try {
      await catalogue();
      const s = await api.post("/triage/sessions", {
        practice_id: call.practice.id,
        protocol_id: suggestion.protocol_id,
        patient: context(),
        call_id: call.apiCall?.id ?? null,
      });
      show(s);
    } catch (e) {
      mount(body, h("p", { class: "error", role: "alert" }, e.message));
    }
  }

  let busy = false;
  async function send(payload) {
    if (busy || !call.triage) return;
    busy = true;
    try {
      show(await api.post(`/triage/sessions/${call.triage.id}/answers`, payload));
    } catch (e) {
      announce(e.message);
    } finally {
      busy = false;
    }
  }
  const answer = (value) => call.triage?.next_question && send({ action: "answer", finding: call.triage.next_question.finding, answer: value });
  const undo = () => call.triage?.answers.length && send({ action: "undo" });

  async function backTo(index) {
    const times = call.triage.answers.length - index;
    for (let i = 0; i < times; i++) await send({ action: "undo" });
  }

  function show(s) {
    const wasComplete = call.triage && !call.triage.next_question;
    call.triage = s;
    const nq = s.next_question;
    const history = h("ol", { class: "history", "aria-label": "Réponses données" },
      s.answers.map((a, i) => h("li", { class: a.answer === "no" ? "" : "pos" },
        h("span", {}, findings[a.finding]?.question || a.finding),
        h("span", { class: "a" }, ANSWERS[a.answer]),
        h("button", { type: "button", class: "secondary", onclick: () => backTo(i), "aria-label": `Modifier la réponse : ${findings[a.finding]?.question || a.finding}` }, "Modifier"))));
    const card = nq
      ? h("div", { class: `question${nq.red_flag ? " redflag" : ""}`, id: "question", tabindex: "-1", "aria-live": "assertive" },
          nq.red_flag ? h("span", { class: "flag" }, "⚠ Signe d'alerte") : null,
          h("p", { class: "q", id: "question-text" }, nq.question),
          h("div", { class: "answers", role: "group", "aria-labelledby": "question-text" },
            h("button", { type: "button", class: "yes", onclick: () => answer("yes") }, h("kbd", {}, "1"), " Oui"),
            h("button", { type: "button", class: "no", onclick: () => answer("no") }, h("kbd", {}, "2"), " Non"),
            h("button", { type: "button", class: "unk", onclick: () => answer("unknown") }, h("kbd", {}, "3"), " Je ne sais pas")),
          h("p", { class: "hint" }, s.answers.length ? [h("kbd", {}, "Retour arrière"), " question précédente"] : ""))
      : null;
    mount(body,
      h("p", { class: "hint" }, `Protocole : ${call.suggestion?.title || s.protocol_id} — ${s.answers.length} réponse(s)`),
      card,
      nq ? null : banner(s),
      s.answers.length ? history : null);
    emit("triage", s);
    if (nq) focus("#question");
    else {
      if (!wasComplete) announce(`${LEVELS[s.disposition.level]?.label}. ${s.disposition.outcome?.say || ""}`);
      // Nothing to book first: the agent reads the banner (slots take the focus otherwise).
      if (["emergency", "self_care"].includes(s.disposition.level)) focus("#disposition");
      emit("disposition", s);
    }
  }

  const inTriage = () => {
    const a = document.activeElement;
    return !a || a === document.body || Boolean(a.closest("#triage-panel"));
  };
  on("key", (ev) => {
    if (!call.triage) return;
    const map = { 1: "yes", 2: "no", 3: "unknown" };
    if (map[ev.key] && call.triage.next_question) {
      ev.preventDefault();
      answer(map[ev.key]);
    } else if (ev.key === "Backspace" && call.triage.answers.length && inTriage()) {
      ev.preventDefault();
      undo();
    }
  });
  on("identified", () => focus(q));
  on("checklist-answer", (finding) => send({ action: "answer", finding, answer: "yes" }));
  return panel;
}

/** The global red flags the agent ticks as soon as the caller mentions one, at any time. */
export function checklistPanel() {
  const box = h("section", { class: "panel checklist", id: "checklist", "aria-labelledby": "checklist-title" },
    h("h2", { id: "checklist-title" }, "Signes de gravité immédiate"),
    h("p", { class: "hint" }, "Cochez dès que l'appelant en parle (", h("kbd", {}, "Alt"), "+", h("kbd", {}, "U"), ", ", h("kbd", {}, "Tab"), ", ", h("kbd", {}, "Espace"), ")."),
    h("p", { class: "hint", id: "checklist-wait" }, "Un seul de ces signes = urgence vitale. Les cases se cochent dès qu'un protocole est choisi."));
  const items = h("div", {});
  box.append(items);
  // Shown from the first second of the call; ticking records the answer in the triage session.
  api.get("/triage/global").then((g) => {
    if (items.childElementCount) return;
    mount(items, g.questions.map((c) => h("label", { for: `gf-${c.finding}` },
      h("input", { type: "checkbox", id: `gf-${c.finding}`, disabled: true }), c.question)));
  }).catch(() => { /* the list appears with the first triage session */ });
  on("triage", (s) => {
    box.querySelector("#checklist-wait")?.remove();
    const yes = new Set(s.answers.filter((a) => a.answer !== "no").map((a) => a.finding));
    mount(items, s.checklist.map((c) => {
      const id = `gf-${c.finding}`;
      const cb = h("input", { type: "checkbox", id, checked: yes.has(c.finding), disabled: yes.has(c.finding) });
      cb.addEventListener("change", () => cb.checked && emit("checklist-answer", c.finding));
      return h("label", { for: id }, cb, c.question);
    }));
  });
  return box;
}
