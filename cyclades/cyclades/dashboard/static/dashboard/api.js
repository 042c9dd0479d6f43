// The public APIs, called with the user's token: Compute, Network, Volume and Image on this
// origin (Cyclades), Identity and Account on Astakos' origin (CORS, never cookies).

import { config, token } from "./session.js";

export class ApiError extends Error {
  constructor(status, message, kind) {
    super(message);
    this.status = status;
    this.kind = kind || "";
  }
}

let unauthorizedHandler = () => {};

export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

// A fault body in any of the APIs' formats -> one readable sentence.
export function faultMessage(status, body, text) {
  if (body && typeof body === "object") {
    for (const [kind, value] of Object.entries(body)) {
      if (value && typeof value === "object" && (value.message || value.detail)) {
        const message = value.message || value.detail;
        return { kind, message: String(message) };
      }
    }
    if (typeof body.message === "string") return { kind: "", message: body.message };
  }
  const plain = (text || "").trim();
  if (plain && plain.length < 300 && !plain.startsWith("<")) return { kind: "", message: plain };
  return { kind: "", message: `The request failed (HTTP ${status}).` };
}

async function call(base, method, path, body, { headers = {} } = {}) {
  const sent = { Accept: "application/json", "X-Auth-Token": token(), ...headers };
  const options = { method, headers: sent, credentials: "omit", cache: "no-store" };
  if (body !== undefined) {
    sent["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(base + path, options);
  } catch (exc) {
    throw new ApiError(0, `Cannot reach ${new URL(base, window.location.href).host}: ` +
                          "check your connection and try again.");
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch (exc) { data = null; }
  }
  if (!response.ok) {
    const { kind, message } = faultMessage(response.status, data, text);
    if (response.status === 401) unauthorizedHandler();
    throw new ApiError(response.status, message, kind);
  }
  return data;
}

const origin = "";  // Cyclades: the page's own origin

export const compute = (method, path, body) => call(origin + "/compute/v2.1", method, path, body);
export const network = (method, path, body) => call(origin + "/network/v2.0", method, path, body);
export const image = (method, path, body) => call(origin + "/image/v2", method, path, body);
export const identity = (method, path, body, options) =>
  call(config.identity, method, path, body, options);
export const account = (method, path, body) => call(config.account, method, path, body);

let projectId = "";

export function setProject(id) {
  projectId = id;
}

export const volume = (method, path, body) =>
  call(`${origin}/volume/v3/${encodeURIComponent(projectId)}`, method, path, body);

// Who the token belongs to (Keystone v3 token validation).
export async function whoAmI() {
  const current = token();
  const data = await identity("GET", "/auth/tokens", undefined,
                              { headers: { "X-Subject-Token": current } });
  return data.token;
}

export function enc(value) {
  return encodeURIComponent(String(value));
}
