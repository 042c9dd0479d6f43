// Servers: the list (refreshed while something changes), create, actions, the detail page.

import { compute, enc, image, network } from "./api.js";
import {
  actionButton, confirmAction, field, formDialog, h, replace, select, showError,
  showInfo, statusBadge, table, when,
} from "./dom.js";

// Statuses that change by themselves: while one is shown, poll often.
const MOVING = new Set(["BUILD", "REBOOT", "HARD_REBOOT", "RESIZE", "MIGRATING"]);
const FAST_POLL_MS = 2000;
const SLOW_POLL_MS = 15000;

// Polls `load` (which answers whether something is changing); a hidden tab does not
// poll at all and refreshes once when it is shown again.
function poller(load) {
  let timer = null;
  let stopped = false;
  let missed = false;
  const tick = async () => {
    timer = null;
    if (document.hidden) {
      missed = true;
      return;
    }
    let fast = false;
    try {
      fast = await load();
    } catch (exc) {
      if (exc.status !== 401) showError(exc, "Refreshing");
    }
    if (!stopped) timer = setTimeout(tick, fast ? FAST_POLL_MS : SLOW_POLL_MS);
  };
  const onVisible = () => {
    if (!document.hidden && missed && !stopped) {
      missed = false;
      tick();
    }
  };
  document.addEventListener("visibilitychange", onVisible);
  tick();
  return {
    now() { if (timer) clearTimeout(timer); if (!stopped) tick(); },
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    },
  };
}

function busy(server) {
  return MOVING.has(server.status) || Boolean(server["SNF:task_state"]) ||
    Boolean(server["OS-EXT-STS:task_state"]);
}

function ipv4List(server) {
  const found = [];
  for (const entries of Object.values(server.addresses || {})) {
    for (const entry of entries) if (entry.version === 4) found.push(entry.addr);
  }
  return found;
}

async function runAction(server, action, refresh) {
  const bodies = {
    start: { "os-start": null },
    stop: { "os-stop": null },
    reboot: { reboot: { type: "SOFT" } },
  };
  const questions = {
    stop: `Stop server “${server.name}”? Its operating system is shut down.`,
    reboot: `Reboot server “${server.name}”?`,
    delete: `Delete server “${server.name}”? Its disks are destroyed; this cannot be undone.`,
  };
  if (questions[action]) {
    const labels = { stop: "Stop", reboot: "Reboot", delete: "Delete" };
    if (!(await confirmAction(questions[action], labels[action]))) return;
  }
  try {
    if (action === "delete") await compute("DELETE", `/servers/${enc(server.id)}`);
    else await compute("POST", `/servers/${enc(server.id)}/action`, bodies[action]);
    showInfo(`${action[0].toUpperCase()}${action.slice(1)} of “${server.name}” requested.`);
  } catch (exc) {
    showError(exc, `Cannot ${action} “${server.name}”`);
  }
  refresh();
}

function actionsFor(server, refresh) {
  const moving = busy(server);
  const act = (action) => () => runAction(server, action, refresh);
  return [
    actionButton("Start", "start", act("start"), { disabled: moving || server.status !== "SHUTOFF" }),
    actionButton("Stop", "stop", act("stop"), { disabled: moving || server.status !== "ACTIVE" }),
    actionButton("Reboot", "reboot", act("reboot"), { disabled: moving || server.status !== "ACTIVE" }),
    actionButton("Delete", "delete", act("delete"), { danger: true }),
  ];
}

// --- list -----------------------------------------------------------------------------

export function serverList(main, ctx) {
  const body = h("div", { id: "servers-body" });
  replace(main, h("section", {},
    h("div", { class: "section-head" }, h("h1", {}, "Servers"),
      h("button", { type: "button", class: "primary", id: "create-server",
                    onclick: () => createServer(ctx).then((made) => made && poll.now()) },
        "Create server")),
    body));
  const flavorNames = new Map();
  const poll = poller(async () => {
    const [servers, flavors] = await Promise.all([
      compute("GET", "/servers/detail").then((d) => d.servers),
      flavorNames.size ? null : compute("GET", "/flavors/detail").then((d) => d.flavors),
    ]);
    for (const flavor of flavors || []) flavorNames.set(String(flavor.id), flavor.name);
    const rows = servers.map((server) => h("tr", { dataset: { serverId: server.id } },
      h("td", {}, h("a", { href: `#/servers/${enc(server.id)}`, class: "server-name" }, server.name)),
      h("td", {}, statusBadge(server.status,
        server.status === "BUILD" && server.progress ? `${server.progress}%` : "")),
      h("td", {}, flavorNames.get(String(server.flavor && server.flavor.id)) ||
                  (server.flavor && server.flavor.id) || "-"),
      h("td", { class: "mono" }, ipv4List(server).join(", ") || "-"),
      h("td", {}, when(server.created)),
      h("td", { class: "actions" }, actionsFor(server, () => poll.now()))));
    replace(body, table(["Name", "Status", "Flavor", "IPv4", "Created", ""], rows,
      { id: "servers-table", empty: "You have no servers. Create one to start." }));
    return servers.some(busy);
  });
  return () => poll.stop();
}

async function createServer(ctx) {
  let flavors, images, networks, keypairs;
  try {
    [flavors, images, networks, keypairs] = await Promise.all([
      compute("GET", "/flavors/detail").then((d) => d.flavors),
      image("GET", "/images").then((d) => d.images),
      network("GET", "/networks").then((d) => d.networks),
      compute("GET", "/os-keypairs").then((d) => d.keypairs.map((k) => k.keypair)),
    ]);
  } catch (exc) {
    showError(exc, "Cannot prepare the form");
    return undefined;
  }
  const usable = images.filter((img) => ["active", "ACTIVE"].includes(img.status));
  const privateNets = networks.filter((net) => !net["router:external"] && net.user_id === ctx.userId);
  const fields = [
    field("Name", h("input", { id: "create-name", name: "name", required: true, maxlength: 255,
                               autocomplete: "off" })),
    field("Flavor", select("create-flavor", flavors.map((f) =>
      [f.id, `${f.name} — ${f.vcpus} CPU, ${f.ram} MiB RAM, ${f.disk} GiB disk`]), { required: true })),
    field("Image", select("create-image", usable.map((img) =>
      [img.id, `${img.name}${img.visibility === "public" ? "" : " (yours)"}`]), { required: true })),
    field("Private network", select("create-network", privateNets.map((net) =>
      [net.id, net.name || net.id]), { empty: "None (public network only)" })),
    field("Key pair", select("create-keypair", keypairs.map((k) => [k.name, k.name]),
      { empty: "None" }), "Its public key is installed for root."),
  ];
  const made = await formDialog({
    title: "Create server", submitLabel: "Create", fields,
    submit: async (form) => {
      const server = { name: form.querySelector("#create-name").value.trim(),
                       flavorRef: form.querySelector("#create-flavor").value,
                       imageRef: form.querySelector("#create-image").value };
      const net = form.querySelector("#create-network").value;
      if (net) server.networks = [{ uuid: net }];
      const key = form.querySelector("#create-keypair").value;
      if (key) server.key_name = key;
      return { name: server.name, ...(await compute("POST", "/servers", { server })).server };
    },
  });
  if (made) {
    showInfo(`Server “${made.name || ""}” is being built.` +
             (made.adminPass ? ` Its root password is ${made.adminPass} (shown only now).` : ""));
  }
  return made;
}

// --- detail ---------------------------------------------------------------------------

export function serverDetail(main, ctx, serverId) {
  const head = h("div", { class: "section-head" });
  const facts = h("div", { id: "server-facts" });
  const consoleBox = h("div", { id: "console-box" });
  replace(main, h("section", {}, h("p", {}, h("a", { href: "#/servers" }, "← Servers")),
    head, facts, consoleBox));
  let flavor = null;
  let imageName = null;
  const poll = poller(async () => {
    let server;
    try {
      server = (await compute("GET", `/servers/${enc(serverId)}`)).server;
    } catch (exc) {
      if (exc.status === 404) {
        replace(facts, h("p", { class: "muted", id: "server-gone" }, "This server does not exist (any more)."));
        replace(head, h("h1", {}, "Server"));
        poll.stop();
        return false;
      }
      throw exc;
    }
    if (!flavor) {
      flavor = await compute("GET", `/flavors/${enc(server.flavor.id)}`).then((d) => d.flavor, () => ({}));
      imageName = await image("GET", `/images/${enc(server.image.id)}`).then((d) => d.name, () => server.image.id);
    }
    const goneRefresh = () => poll.now();
    replace(head, h("h1", { id: "server-title" }, server.name), h("div", { class: "actions" },
      actionsFor(server, goneRefresh),
      actionButton("Console", "console", () => showConsole(server, consoleBox),
                   { disabled: server.status !== "ACTIVE" })));
    const addressRows = [];
    for (const [net, entries] of Object.entries(server.addresses || {})) {
      for (const entry of entries) {
        addressRows.push(h("tr", {}, h("td", {}, net), h("td", {}, `IPv${entry.version}`),
          h("td", { class: "mono" }, entry.addr), h("td", { class: "mono" }, entry["OS-EXT-IPS-MAC:mac_addr"] || "")));
      }
    }
    const volumes = server["os-extended-volumes:volumes_attached"] || [];
    replace(facts,
      h("dl", { class: "facts" },
        h("dt", {}, "Status"), h("dd", {}, statusBadge(server.status,
          server.status === "BUILD" && server.progress ? `${server.progress}%` : "")),
        h("dt", {}, "ID"), h("dd", { class: "mono" }, server.id),
        h("dt", {}, "Flavor"), h("dd", {}, flavor.name ?
          `${flavor.name} (${flavor.vcpus} CPU, ${flavor.ram} MiB, ${flavor.disk} GiB)` : server.flavor.id),
        h("dt", {}, "Image"), h("dd", {}, imageName),
        h("dt", {}, "Key pair"), h("dd", {}, server.key_name || "-"),
        h("dt", {}, "Host name"), h("dd", { class: "mono" }, server["SNF:fqdn"] || "-"),
        h("dt", {}, "Created"), h("dd", {}, when(server.created)),
        server.fault ? [h("dt", {}, "Error"), h("dd", { class: "error" }, server.fault.message)] : null),
      h("h2", {}, "Addresses"),
      table(["Network", "Version", "Address", "MAC"], addressRows,
            { id: "server-addresses", empty: "No addresses yet." }),
      h("h2", {}, "Volumes"),
      table(["Volume", "Deleted with the server"], volumes.map((v) => h("tr", {},
        h("td", { class: "mono" }, h("a", { href: "#/volumes" }, v.id)),
        h("td", {}, v.delete_on_termination ? "yes" : "no"))),
        { id: "server-volumes", empty: "No volumes attached." }));
    return busy(server);
  });
  return () => poll.stop();
}

async function showConsole(server, box) {
  try {
    const data = await compute("POST", `/servers/${enc(server.id)}/action`,
                               { console: { type: "vnc" } });
    const c = data.console;
    replace(box, h("div", { class: "panel", id: "console-details" },
      h("h2", {}, "VNC console"),
      h("dl", { class: "facts" },
        h("dt", {}, "Host"), h("dd", { class: "mono", id: "console-host" }, c.host),
        h("dt", {}, "Port"), h("dd", { class: "mono", id: "console-port" }, String(c.port)),
        h("dt", {}, "Password"), h("dd", { class: "mono", id: "console-password" }, c.password)),
      h("p", { class: "muted" }, "Connect a VNC client (e.g. ",
        h("code", {}, `vncviewer ${c.host}::${c.port}`),
        ") within 30 seconds; the password works for one connection.")));
  } catch (exc) {
    showError(exc, "Cannot open a console");
  }
}

