// The dashboard's start: take the token Astakos handed over, learn who we are, route pages.

import { onUnauthorized, setProject, whoAmI } from "./api.js";
import { clearAlerts, h, replace, showError } from "./dom.js";
import { floatingIpList, networkList } from "./networks.js";
import { keypairList, usagePage } from "./account.js";
import { serverDetail, serverList } from "./servers.js";
import { adoptToken, forgetToken, goToLogin, loginUrl, logOut, logoutUrl } from "./session.js";
import { imageList, volumeList } from "./storage.js";

const ROUTES = {
  servers: serverList,
  networks: networkList,
  "floating-ips": floatingIpList,
  volumes: volumeList,
  images: imageList,
  keypairs: keypairList,
  usage: usagePage,
};

const main = document.getElementById("main");
const ctx = { userId: "", projectId: "", userName: "" };
let leave = () => {};

function route() {
  leave();
  leave = () => {};
  const parts = window.location.hash.replace(/^#\/?/, "").split("/").filter(Boolean);
  const name = parts[0] || "servers";
  for (const link of document.querySelectorAll("#nav a")) {
    link.classList.toggle("current", link.dataset.route === name);
  }
  if (name === "servers" && parts[1]) {
    leave = serverDetail(main, ctx, decodeURIComponent(parts[1]));
  } else if (ROUTES[name]) {
    leave = ROUTES[name](main, ctx);
  } else {
    window.location.hash = "#/servers";
  }
}

function loggedOutPage(text) {
  replace(main, h("section", { class: "panel narrow", id: "logged-out" },
    h("h1", {}, "Welcome"),
    h("p", {}, text),
    h("p", {}, h("a", { class: "button primary", id: "login", href: loginUrl() }, "Log in")),
    h("p", { class: "muted" }, "You log in at the cloud's account service, which sends you back here.")));
}

function expired() {
  forgetToken();
  leave();
  leave = () => {};
  document.getElementById("nav").hidden = true;
  document.getElementById("account").hidden = true;
  loggedOutPage("Your session has ended. Log in again to continue.");
}

async function start() {
  const token = adoptToken();
  if (!token) {
    goToLogin();
    return;
  }
  let me;
  try {
    me = await whoAmI();
  } catch (exc) {
    if (exc.status === 401 || exc.status === 404) {
      expired();
    } else {
      replace(main, h("p", { class: "error" }, "The identity service cannot be reached: ", exc.message));
    }
    return;
  }
  ctx.userId = me.user.id;
  ctx.userName = me.user.name;
  ctx.projectId = (me.project && me.project.id) || me.user.id;
  setProject(ctx.projectId);
  onUnauthorized(expired);
  document.getElementById("user-name").textContent = ctx.userName;
  document.getElementById("nav").hidden = false;
  document.getElementById("account").hidden = false;
  window.addEventListener("hashchange", () => { clearAlerts(); route(); });
  route();
}

// Log out: revoke the token, forget it, and offer to end the account session at Astakos
// too (its logout is a form there, protected against cross-site requests).
document.getElementById("logout").addEventListener("click", async () => {
  leave();
  leave = () => {};
  await logOut();
  window.location.assign(logoutUrl());
});

start().catch((exc) => showError(exc));
