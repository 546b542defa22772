// Tiny DOM helpers and French formatting (no framework).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function mount(target, ...children) {
  const el = typeof target === "string" ? $(target) : target;
  el.replaceChildren(...children.flat().filter(Boolean));
  return el;
}

/** Speak to screen readers through the polite live region. */
export function announce(text) {
  const live = $("#live");
  if (live) {
    live.textContent = "";
    setTimeout(() => (live.textContent = text), 30);
  }
}

export function focus(el) {
  const node = typeof el === "string" ? $(el) : el;
  if (node) node.focus({ preventScroll: false });
  return node;
}

export function isTyping(ev) {
  const t = ev.target;
  return t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable);
}

export function fmtSlot(iso, tz) {
  const d = new Date(iso);
  const day = new Intl.DateTimeFormat("fr-FR", { timeZone: tz, weekday: "long", day: "numeric", month: "long" }).format(d);
  const time = new Intl.DateTimeFormat("fr-FR", { timeZone: tz, hour: "2-digit", minute: "2-digit" }).format(d);
  const key = (x) => new Intl.DateTimeFormat("fr-CA", { timeZone: tz }).format(x);
  const today = key(new Date());
  const tomorrow = key(new Date(Date.now() + 86400000));
  const label = key(d) === today ? "aujourd'hui" : key(d) === tomorrow ? `demain ${day}` : day;
  return `${label} à ${time.replace(/^0/, "").replace(":", " h ")}`;
}

export function fmtDate(isoDate) {
  if (!isoDate) return "";
  const [y, m, d] = isoDate.split("-");
  return `${d}/${m}/${y}`;
}

export function ageYears(isoDate) {
  if (!isoDate) return null;
  const b = new Date(isoDate + "T00:00:00");
  const now = new Date();
  let age = now.getFullYear() - b.getFullYear();
  if (now < new Date(now.getFullYear(), b.getMonth(), b.getDate())) age -= 1;
  return Math.max(0, age);
}

export function fmtPhone(e164) {
  if (!e164) return "";
  if (e164.startsWith("+33") && e164.length === 12) return "0" + e164.slice(3).replace(/(\d)(?=(\d{2})+$)/g, "$1 ");
  return e164;
}

export const LEVELS = {
  emergency: { label: "URGENCE VITALE", cls: "lvl-emergency" },
  urgent: { label: "Urgent — aujourd'hui", cls: "lvl-urgent" },
  soon: { label: "Rapide — sous 24 à 72 h", cls: "lvl-soon" },
  routine: { label: "Rendez-vous habituel", cls: "lvl-routine" },
  self_care: { label: "Conseils — pas de rendez-vous nécessaire", cls: "lvl-self" },
};

export const EMERGENCY_NUMBERS = {
  15: "SAMU — 15",
  112: "Numéro d'urgence européen — 112",
  3114: "Prévention du suicide — 3114",
  114: "Urgences sourds et malentendants (SMS) — 114",
};

export function callLabel(call) {
  if (!call) return "15";
  if (EMERGENCY_NUMBERS[call]) return EMERGENCY_NUMBERS[call];
  if (/antipoison|poison/i.test(call)) return "Centre antipoison";
  return call;
}
