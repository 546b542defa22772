// The console talks only to the public JSON API. The session cookie is HttpOnly; the CSRF token
// returned at login is kept for the tab (sessionStorage) and sent on every write.
const BASE = "/api/v1";
const CSRF_KEY = "permanence.csrf";

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `Erreur ${status}`);
    this.status = status;
    this.problem = problem || {};
  }
}

export function setCsrf(token) {
  if (token) sessionStorage.setItem(CSRF_KEY, token);
  else sessionStorage.removeItem(CSRF_KEY);
}

export async function request(method, path, body, headers = {}) {
  const init = { method, credentials: "same-origin", headers: { Accept: "application/json", ...headers } };
  if (method !== "GET") {
    init.headers["X-CSRF-Token"] = sessionStorage.getItem(CSRF_KEY) || "";
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
  }
  const res = await fetch(BASE + path, init);
  if (res.status === 204) return null;
  const data = res.headers.get("content-type")?.includes("json") ? await res.json() : null;
  // 401: the session ended; 403 on CSRF: a new tab without the token. Both need a fresh login.
  const csrfLost = res.status === 403 && /CSRF/.test(data?.detail || "");
  if ((res.status === 401 && path !== "/auth/login" && path !== "/auth/me") || csrfLost) {
    window.dispatchEvent(new CustomEvent("permanence:unauthorized"));
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

export const get = (path, query) => request("GET", query ? `${path}?${new URLSearchParams(query)}` : path);
export const post = (path, body, headers) => request("POST", path, body ?? {}, headers);
export const del = (path) => request("DELETE", path);

export async function login(email, password) {
  const out = await request("POST", "/auth/login", { email, password, mode: "cookie" });
  setCsrf(out.csrf_token);
  return out;
}

export async function logout() {
  try {
    await request("POST", "/auth/logout");
  } finally {
    setCsrf(null);
  }
}

export function idempotencyKey() {
  return crypto.randomUUID ? crypto.randomUUID() : String(Date.now()) + Math.random();
}
