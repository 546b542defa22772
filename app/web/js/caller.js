// Caller identification: match by the caller's number, exact search by surname and/or birth date,
// or create a record in a few keystrokes. The search is exact (blind indexes), so it runs on Enter.
import * as api from "./api.js";
import { ageYears, announce, focus, fmtDate, fmtPhone, h, mount } from "./dom.js";
import { pickList } from "./pick.js";
import { emit, on, state } from "./state.js";

const SEX = { F: "Femme", M: "Homme", X: "Autre" };

/** "dupont 12/03/1980", "12031980", "Dupont" → {surname, birth_date}. */
export function parseQuery(text) {
  let birth = null;
  const rest = text.replace(/(\d{1,2})[/.\- ]?(\d{1,2})[/.\- ]?(\d{4})/, (m, d, mo, y) => {
    birth = `${y}-${mo.padStart(2, "0")}-${d.padStart(2, "0")}`;
    return " ";
  });
  const surname = rest.replace(/\s+/g, " ").trim();
  return { surname: surname || null, birth_date: birth };
}

function who(p) {
  const name = `${p.surname.toUpperCase()} ${p.given_names || ""}`.trim();
  const born = p.birth_date ? `né·e le ${fmtDate(p.birth_date)} (${ageYears(p.birth_date)} ans)` : "date de naissance inconnue";
  return { name, born };
}

export function callerPanel() {
  const call = state.call;
  const practiceId = call.practice.id;
  const body = h("div", { id: "caller-body" });
  const panel = h("section", { class: "panel", id: "caller-panel", "aria-labelledby": "caller-title" },
    h("h2", { id: "caller-title" }, "1. Appelant", h("span", { class: "keys" }, h("kbd", {}, "Alt"), "+", h("kbd", {}, "P"))),
    body);

  const q = h("input", { id: "caller-q", autocomplete: "off", placeholder: "ex. Dupont 12/03/1980" });
  const status = h("p", { class: "hint", "aria-live": "polite" });
  const list = pickList({
    label: "Patients trouvés",
    render: (item) => {
      if (item.kind === "new") return [h("strong", {}, "+ Nouveau patient"), h("span", { class: "meta" }, "Alt+N")];
      if (item.kind === "anon") return [h("span", {}, "Continuer sans dossier patient")];
      const w = who(item.patient);
      return [h("strong", {}, w.name), h("span", {}, w.born), h("span", { class: "meta" }, item.patient.phones.map(fmtPhone).join(", "))];
    },
    onChoose: (item) => (item.kind === "new" ? createForm() : item.kind === "anon" ? identify(null) : identify(item.patient)),
  });
  list.bindInput(q);
  q.addEventListener("keydown", (ev) => {
    if (ev.key === "Enter" && list.items.length === 0) {
      ev.preventDefault();
      search(parseQuery(q.value));
    } else if (ev.altKey && ev.key.toLowerCase() === "n") {
      ev.preventDefault();
      createForm();
    }
  });
  q.addEventListener("input", () => list.set([]));

  async function search(terms, { auto = false } = {}) {
    if (!terms.phone && !terms.surname && !terms.birth_date) {
      status.textContent = "Tapez un nom et/ou une date de naissance (JJ/MM/AAAA) puis Entrée.";
      return;
    }
    status.textContent = "Recherche…";
    try {
      const res = await api.post(`/practices/${practiceId}/patients/search`, { ...terms, limit: 10 });
      const found = res.items.filter((i) => i.status === "ok").map((i) => ({ kind: "patient", patient: i.patient }));
      // A record that failed its integrity check is never shown, but the agent must know it exists.
      const unreadable = res.items.length - found.length;
      list.set([...found, { kind: "new" }, { kind: "anon" }]);
      status.textContent = (found.length
        ? `${found.length} dossier${found.length > 1 ? "s" : ""} trouvé${found.length > 1 ? "s" : ""}${auto ? " pour ce numéro" : ""}. Entrée pour confirmer.`
        : `Aucun dossier${auto ? " pour ce numéro" : ""}. Entrée pour créer un patient.`)
        + (unreadable ? ` ${unreadable} dossier(s) illisible(s) : signalez-le au superviseur, ne créez pas de doublon sans vérifier.` : "");
      if (!found.length) list.move(0);
      announce(status.textContent);
    } catch (e) {
      status.textContent = e.message;
    }
  }

  function searchView() {
    mount(body,
      call.callerNumber ? h("p", {}, "Numéro de l'appelant : ", h("strong", {}, fmtPhone(call.callerNumber))) : null,
      h("label", { for: "caller-q" }, "Nom et/ou date de naissance"),
      q, list.el, status);
  }

  function createForm() {
    const terms = parseQuery(q.value);
    const f = {
      surname: h("input", { id: "new-surname", required: true, autocomplete: "off", value: terms.surname || "" }),
      given: h("input", { id: "new-given", autocomplete: "off" }),
      birth: h("input", { id: "new-birth", autocomplete: "off", placeholder: "JJ/MM/AAAA", value: terms.birth_date ? fmtDate(terms.birth_date) : "" }),
      sex: h("select", { id: "new-sex" }, h("option", { value: "" }, "—"), ...Object.entries(SEX).map(([v, l]) => h("option", { value: v }, l))),
      phone: h("input", { id: "new-phone", type: "tel", autocomplete: "off", value: call.callerNumber || "" }),
    };
    const err = h("p", { class: "error", role: "alert" });
    const form = h("form", { "aria-label": "Nouveau patient" },
      h("div", { class: "row" },
        h("div", {}, h("label", { for: "new-surname" }, "Nom"), f.surname),
        h("div", {}, h("label", { for: "new-given" }, "Prénom"), f.given)),
      h("div", { class: "row" },
        h("div", {}, h("label", { for: "new-birth" }, "Date de naissance"), f.birth),
        h("div", { class: "shrink" }, h("label", { for: "new-sex" }, "Sexe"), f.sex),
        h("div", {}, h("label", { for: "new-phone" }, "Téléphone"), f.phone)),
      err,
      h("div", { class: "row" },
        h("button", { type: "submit", class: "shrink" }, "Créer le dossier (Entrée)"),
        h("button", { type: "button", class: "secondary shrink", onclick: () => (searchView(), focus(q)) }, "Annuler (Échap)")));
    form.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape") {
        ev.preventDefault();
        searchView();
        focus(q);
      }
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const birth = f.birth.value.trim() ? parseQuery(f.birth.value).birth_date : null;
      if (f.birth.value.trim() && !birth) {
        err.textContent = "Date de naissance : JJ/MM/AAAA.";
        return focus(f.birth);
      }
      try {
        const out = await api.post(`/practices/${practiceId}/patients`, {
          surname: f.surname.value.trim(),
          given_names: f.given.value.trim() || null,
          birth_date: birth,
          sex: f.sex.value || null,
          phones: f.phone.value.trim() ? [f.phone.value.trim()] : [],
        });
        if (out.duplicates.length) announce("Attention : un dossier proche existe déjà.");
        identify(out.patient);
      } catch (e) {
        err.textContent = e.status === 422 ? "Vérifiez le nom, la date et le téléphone." : e.message;
      }
    });
    mount(body, h("h3", {}, "Nouveau patient"), form);
    focus(f.surname.value ? (f.birth.value ? f.given : f.birth) : f.surname);
  }

  function identify(patient) {
    call.patient = patient;
    call.anonymous = !patient;
    if (!patient) {
      mount(body, h("div", { class: "identified" }, h("strong", {}, "Appelant sans dossier"),
        h("button", { type: "button", class: "secondary", onclick: change }, "Changer")));
    } else {
      const w = who(patient);
      mount(body, h("div", { class: "identified", id: "caller-identified" },
        h("div", {}, h("strong", {}, w.name), h("div", {}, w.born)),
        h("button", { type: "button", class: "secondary", onclick: change }, "Changer")));
    }
    announce(patient ? `Appelant identifié : ${who(patient).name}` : "Appel sans dossier patient");
    emit("identified", patient);
  }

  function change() {
    searchView();
    focus(q);
  }

  on("call-opened", () => {
    searchView();
    focus(q);
    if (call.callerNumber) search({ phone: call.callerNumber }, { auto: true });
  });
  on("goto", (sel) => {
    if (sel === "#caller-q" && !document.querySelector("#caller-q")) change();
  });
  return panel;
}
