// Permanence agent console: entry point (login, choosing the call, keyboard shortcuts).
import * as api from "./js/api.js";
import { $, announce, focus, fmtPhone, h, mount } from "./js/dom.js";
import { pickList } from "./js/pick.js";
import { state } from "./js/state.js";
import { endCallScreen, openCallScreen } from "./js/call.js";
import { incomingCalls } from "./js/calls_api.js";

const norm = (s) => s.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();

function setBar() {
  $("#bar-user").textContent = state.me ? state.me.display_name || "" : "";
  $("#logout").hidden = !state.me;
}

function loginScreen(message) {
  state.me = null;
  setBar();
  const email = h("input", { id: "login-email", type: "email", autocomplete: "username", required: true });
  const password = h("input", { id: "login-password", type: "password", autocomplete: "current-password", required: true });
  const err = h("p", { class: "error", role: "alert" }, message || "");
  const form = h(
    "form",
    { class: "center", "aria-labelledby": "login-title" },
    h("h1", { id: "login-title" }, "Connexion à la console"),
    h("label", { for: "login-email" }, "Adresse e-mail"),
    email,
    h("label", { for: "login-password" }, "Mot de passe"),
    password,
    err,
    h("button", { type: "submit" }, "Se connecter"),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    err.textContent = "";
    try {
      await api.login(email.value.trim(), password.value);
      await start();
    } catch (e) {
      err.textContent = e.status === 401 || e.status === 400 ? "Identifiants incorrects." : e.message;
      focus(password);
    }
  });
  mount("#work", form);
  focus(email);
}

async function homeScreen() {
  document.title = "Permanence — nouvel appel";
  $("#bar-practice").textContent = "";
  $("#bar-timer").hidden = true;
  const practiceInput = h("input", { id: "practice-q", autocomplete: "off", placeholder: "ex. bati, bellec, +33142930101" });
  const callerInput = h("input", { id: "caller-number", type: "tel", autocomplete: "off", placeholder: "ex. 06 12 34 56 78" });
  const chosen = h("p", { id: "practice-chosen", class: "hint", "aria-live": "polite" });
  const err = h("p", { class: "error", role: "alert" });
  let selected = null;

  const list = pickList({
    label: "Cabinets",
    render: (p) => [h("span", {}, p.name), h("span", { class: "meta" }, p.called_numbers.map((n) => fmtPhone(n.number)).join(", "))],
    onChoose: (p) => {
      selected = p;
      practiceInput.value = p.name;
      chosen.textContent = `Cabinet choisi : ${p.name}. Saisissez le numéro de l'appelant puis Entrée.`;
      list.set([]);
      focus(callerInput);
    },
  });
  list.bindInput(practiceInput);

  async function filter() {
    const q = practiceInput.value.trim();
    selected = null;
    const digits = q.replace(/[\s.]/g, "");
    if (/^\+?\d{6,}$/.test(digits)) {
      try {
        list.set([await api.get("/practices/route", { called_number: digits })]);
      } catch {
        list.set([]);
      }
      return;
    }
    const n = norm(q);
    list.set(state.practices.filter((p) => !n || norm(p.name).includes(n)).slice(0, 8));
  }
  practiceInput.addEventListener("input", filter);

  const form = h(
    "form",
    { class: "card", "aria-labelledby": "new-call-title" },
    h("h1", { id: "new-call-title" }, "Nouvel appel"),
    h("label", { for: "practice-q" }, "Cabinet appelé (quelques lettres ou le numéro appelé)"),
    practiceInput,
    list.el,
    chosen,
    h("label", { for: "caller-number" }, "Numéro de l'appelant (facultatif)"),
    callerInput,
    err,
    h("p", {}, h("button", { type: "submit" }, "Prendre l'appel")),
  );
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!selected) {
      if (list.items.length) list.choose();
      else err.textContent = "Choisissez d'abord un cabinet.";
      return;
    }
    await openCallScreen(selected, { callerNumber: callerInput.value.trim() || null, onEnd: homeScreen });
  });

  const incoming = h("section", { class: "card", "aria-labelledby": "incoming-title" }, h("h2", { id: "incoming-title" }, "Appels entrants"));
  mount(
    "#work",
    h(
      "div",
      { class: "home" },
      form,
      incoming,
      h(
        "section",
        { class: "card keys-help", "aria-label": "Raccourcis" },
        h("h2", {}, "Raccourcis clavier"),
        h(
          "ul",
          {},
          h("li", {}, h("kbd", {}, "↑"), " ", h("kbd", {}, "↓"), " ", h("kbd", {}, "Entrée"), " choisir dans une liste"),
          h("li", {}, h("kbd", {}, "Alt"), "+", h("kbd", {}, "A"), " décrocher l'appel entrant le plus ancien"),
          h("li", {}, h("kbd", {}, "1"), " Oui · ", h("kbd", {}, "2"), " Non · ", h("kbd", {}, "3"), " Je ne sais pas"),
          h("li", {}, h("kbd", {}, "Retour arrière"), " revenir à la question précédente"),
          h("li", {}, h("kbd", {}, "Alt"), "+", h("kbd", {}, "P"), " appelant · ", h("kbd", {}, "Alt"), "+", h("kbd", {}, "T"), " triage · ",
            h("kbd", {}, "Alt"), "+", h("kbd", {}, "R"), " rendez-vous · ", h("kbd", {}, "Alt"), "+", h("kbd", {}, "G"), " message · ",
            h("kbd", {}, "Alt"), "+", h("kbd", {}, "C"), " clôturer"),
        ),
      ),
    ),
  );
  list.set(state.practices.slice(0, 8));
  focus(practiceInput);
  incomingCalls(incoming, (practice, opts) => openCallScreen(practice, { ...opts, onEnd: homeScreen }));
}

async function start() {
  try {
    state.me = await api.get("/auth/me");
  } catch {
    loginScreen();
    return;
  }
  setBar();
  state.practices = await api.get("/practices");
  const called = new URLSearchParams(location.hash.replace(/^#\/?appel\??/, "")).get("appele");
  if (called) {
    history.replaceState(null, "", location.pathname);
    try {
      const practice = await api.get("/practices/route", { called_number: called });
      await openCallScreen(practice, { onEnd: homeScreen });
      return;
    } catch {
      announce("Numéro appelé inconnu.");
    }
  }
  await homeScreen();
}

$("#logout").addEventListener("click", async () => {
  if (state.call) endCallScreen();
  await api.logout();
  loginScreen("Vous êtes déconnecté.");
});

window.addEventListener("permanence:unauthorized", () => {
  if (!state.me) return;
  if (state.call) endCallScreen();
  api.setCsrf(null);
  loginScreen("Votre session a expiré : reconnectez-vous.");
});

start();
