// The user's API token: handed over by Astakos in the URL fragment, kept in sessionStorage.
//
// Astakos' login page redirects to <dashboard>/ui/#token=<token> (only to origins of the
// cloud's registered services). The fragment never reaches a server; we move the token
// to sessionStorage (this tab only, gone when it closes) and remove the fragment from
// the address bar and history at once. Logging out revokes the token at Astakos.

const TOKEN_KEY = "synnefo.dashboard.token";

export const config = {
  astakos: document.body.dataset.astakosUrl.replace(/\/+$/, ""),
  get identity() { return `${this.astakos}/identity/v3`; },
  get account() { return `${this.astakos}/account/v1.0`; },
};

// Take the token out of the fragment if Astakos just sent one; answers the token to use.
export function adoptToken() {
  const fragment = window.location.hash.replace(/^#/, "");
  if (fragment && !fragment.startsWith("/")) {
    const params = new URLSearchParams(fragment);
    const token = params.get("token");
    if (token) sessionStorage.setItem(TOKEN_KEY, token);
    // Whatever it held, the fragment leaves the address bar and history now.
    history.replaceState(null, "", window.location.pathname + window.location.search + "#/servers");
  }
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function token() {
  return sessionStorage.getItem(TOKEN_KEY) || "";
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function loginUrl() {
  const back = window.location.origin + window.location.pathname;
  return `${config.astakos}/ui/login?next=${encodeURIComponent(back)}`;
}

export function logoutUrl() {
  return `${config.astakos}/ui/logout`;
}

export function goToLogin() {
  window.location.assign(loginUrl());
}

// Revoke the token at Astakos (best effort: it is forgotten here whatever happens).
export async function logOut() {
  const current = token();
  forgetToken();
  if (!current) return;
  try {
    await fetch(`${config.identity}/auth/tokens`, {
      method: "DELETE", credentials: "omit", cache: "no-store",
      headers: { "X-Auth-Token": current, "X-Subject-Token": current },
    });
  } catch (exc) {
    // The token expires by itself; nothing else to do.
  }
}
