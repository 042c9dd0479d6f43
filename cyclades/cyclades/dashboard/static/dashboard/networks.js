// Networks with their subnets, and floating IPs (Network API v2.0).

import { compute, enc, network } from "./api.js";
import {
  actionButton, confirmAction, field, formDialog, h, replace, select, showError, showInfo,
  statusBadge, table,
} from "./dom.js";

// --- networks -------------------------------------------------------------------------

export function networkList(main, ctx) {
  const body = h("div", { id: "networks-body" });
  const load = async () => {
    try {
      const [networks, subnets] = await Promise.all([
        network("GET", "/networks").then((d) => d.networks),
        network("GET", "/subnets").then((d) => d.subnets),
      ]);
      const byNetwork = new Map();
      for (const subnet of subnets) {
        if (!byNetwork.has(subnet.network_id)) byNetwork.set(subnet.network_id, []);
        byNetwork.get(subnet.network_id).push(subnet);
      }
      const rows = networks.map((net) => {
        const mine = net.user_id === ctx.userId;
        const own = byNetwork.get(net.id) || [];
        return h("tr", { dataset: { networkId: net.id } },
          h("td", {}, net.name || h("span", { class: "muted" }, "(no name)")),
          h("td", {}, statusBadge(net.status)),
          h("td", {}, net["router:external"] ? "public" : (mine ? "private" : "shared")),
          h("td", {}, own.length ? own.map((s) => h("div", { class: "subnet", dataset: { subnetId: s.id } },
            h("span", { class: "mono" }, s.cidr), s.gateway_ip ? ` gw ${s.gateway_ip}` : "",
            mine ? actionButton("×", "delete-subnet", () => deleteSubnet(s, load), { danger: true }) : null))
            : h("span", { class: "muted" }, "none")),
          h("td", { class: "actions" }, mine ? [
            actionButton("Add subnet", "add-subnet", () => addSubnet(net).then((ok) => ok && load()),
                         { disabled: own.some((s) => s.ip_version === 4) }),
            actionButton("Delete", "delete", () => deleteNetwork(net, load), { danger: true }),
          ] : null));
      });
      replace(body, table(["Name", "Status", "Kind", "Subnets", ""], rows, { id: "networks-table" }));
    } catch (exc) {
      showError(exc, "Cannot list networks");
    }
  };
  replace(main, h("section", {},
    h("div", { class: "section-head" }, h("h1", {}, "Networks"),
      h("button", { type: "button", class: "primary", id: "create-network",
                    onclick: () => createNetwork().then((ok) => ok && load()) }, "Create network")),
    h("p", { class: "muted" }, "Private networks connect your servers to each other. " +
      "A network needs an IPv4 subnet before servers get addresses on it."),
    body));
  load();
  return () => {};
}

async function createNetwork() {
  return formDialog({
    title: "Create private network",
    fields: [
      field("Name", h("input", { id: "network-name", required: true, maxlength: 128 })),
      field("IPv4 subnet (CIDR)", h("input", { id: "network-cidr", placeholder: "192.168.1.0/24" }),
            "Optional: leave empty to add one later."),
    ],
    submit: async (form) => {
      const name = form.querySelector("#network-name").value.trim();
      const cidr = form.querySelector("#network-cidr").value.trim();
      const made = (await network("POST", "/networks", { network: { name } })).network;
      if (cidr) {
        try {
          await network("POST", "/subnets", { subnet: { network_id: made.id, cidr, ip_version: 4 } });
        } catch (exc) {
          showError(exc, `Network “${name}” was created, but not its subnet`);
        }
      }
      showInfo(`Network “${name}” created.`);
      return made;
    },
  });
}

async function addSubnet(net) {
  return formDialog({
    title: `Add a subnet to “${net.name || net.id}”`,
    fields: [
      field("CIDR", h("input", { id: "subnet-cidr", required: true, placeholder: "192.168.1.0/24" })),
      field("Gateway", h("input", { id: "subnet-gateway", placeholder: "default: the first address" })),
      field("DHCP", h("input", { id: "subnet-dhcp", type: "checkbox", checked: true })),
    ],
    submitLabel: "Add",
    submit: async (form) => {
      const subnet = { network_id: net.id, ip_version: 4,
                       cidr: form.querySelector("#subnet-cidr").value.trim(),
                       enable_dhcp: form.querySelector("#subnet-dhcp").checked };
      const gateway = form.querySelector("#subnet-gateway").value.trim();
      if (gateway) subnet.gateway_ip = gateway;
      return (await network("POST", "/subnets", { subnet })).subnet;
    },
  });
}

async function deleteSubnet(subnet, reload) {
  if (!(await confirmAction(`Delete subnet ${subnet.cidr}?`, "Delete"))) return;
  try {
    await network("DELETE", `/subnets/${enc(subnet.id)}`);
  } catch (exc) {
    showError(exc, `Cannot delete subnet ${subnet.cidr}`);
  }
  reload();
}

async function deleteNetwork(net, reload) {
  if (!(await confirmAction(`Delete network “${net.name || net.id}”?`, "Delete"))) return;
  try {
    await network("DELETE", `/networks/${enc(net.id)}`);
    showInfo(`Network “${net.name || net.id}” deleted.`);
  } catch (exc) {
    showError(exc, `Cannot delete network “${net.name || net.id}”`);
  }
  reload();
}

// --- floating IPs ---------------------------------------------------------------------

export function floatingIpList(main) {
  const body = h("div", { id: "floating-ips-body" });
  const load = async () => {
    try {
      const [ips, servers] = await Promise.all([
        network("GET", "/floatingips").then((d) => d.floatingips),
        compute("GET", "/servers").then((d) => d.servers),
      ]);
      const names = new Map(servers.map((s) => [s.id, s.name]));
      const rows = ips.map((ip) => h("tr", { dataset: { floatingIpId: ip.id } },
        h("td", { class: "mono" }, ip.floating_ip_address),
        h("td", {}, statusBadge(ip.status)),
        h("td", {}, ip.instance_id ? h("a", { href: `#/servers/${enc(ip.instance_id)}` },
          names.get(ip.instance_id) || ip.instance_id) : h("span", { class: "muted" }, "not attached")),
        h("td", { class: "actions" }, ip.port_id
          ? actionButton("Detach", "detach", () => detachIp(ip, load))
          : [actionButton("Attach", "attach", () => attachIp(ip, servers).then((ok) => ok && load())),
             actionButton("Release", "release", () => releaseIp(ip, load), { danger: true })])));
      replace(body, table(["Address", "Status", "Server", ""], rows,
        { id: "floating-ips-table", empty: "You hold no floating IPs." }));
    } catch (exc) {
      showError(exc, "Cannot list floating IPs");
    }
  };
  replace(main, h("section", {},
    h("div", { class: "section-head" }, h("h1", {}, "Floating IPs"),
      h("button", { type: "button", class: "primary", id: "allocate-ip",
                    onclick: () => allocateIp().then((ok) => ok && load()) }, "Allocate IP")),
    h("p", { class: "muted" }, "A floating IP is a public address you keep and move between servers."),
    body));
  load();
  return () => {};
}

async function allocateIp() {
  let pools;
  try {
    pools = (await network("GET", "/networks?router:external=true")).networks
      .filter((net) => net["SNF:floating_ip_pool"]);
  } catch (exc) {
    showError(exc, "Cannot list the address pools");
    return undefined;
  }
  if (!pools.length) {
    showError("This cloud has no floating IP pool; ask the operator.");
    return undefined;
  }
  return formDialog({
    title: "Allocate a floating IP", submitLabel: "Allocate",
    fields: [field("Pool", select("ip-pool", pools.map((n) => [n.id, n.name || n.id]), { required: true }))],
    submit: async (form) => {
      const made = (await network("POST", "/floatingips",
        { floatingip: { floating_network_id: form.querySelector("#ip-pool").value } })).floatingip;
      showInfo(`Allocated ${made.floating_ip_address}.`);
      return made;
    },
  });
}

async function attachIp(ip, servers) {
  if (!servers.length) {
    showError("You have no server to attach it to.");
    return undefined;
  }
  return formDialog({
    title: `Attach ${ip.floating_ip_address}`, submitLabel: "Attach",
    fields: [field("Server", select("ip-server", servers.map((s) => [s.id, s.name]), { required: true }))],
    submit: async (form) => {
      const serverId = form.querySelector("#ip-server").value;
      const ports = (await network("GET", `/ports?device_id=${enc(serverId)}`)).ports
        .filter((p) => p.device_owner !== "network:floatingip");
      if (!ports.length) throw new Error("That server has no network port to attach the address to.");
      return (await network("PUT", `/floatingips/${enc(ip.id)}`,
                            { floatingip: { port_id: ports[0].id } })).floatingip;
    },
  });
}

async function detachIp(ip, reload) {
  if (!(await confirmAction(`Detach ${ip.floating_ip_address} from its server?`, "Detach"))) return;
  try {
    await network("PUT", `/floatingips/${enc(ip.id)}`, { floatingip: { port_id: null } });
  } catch (exc) {
    showError(exc, `Cannot detach ${ip.floating_ip_address}`);
  }
  reload();
}

async function releaseIp(ip, reload) {
  if (!(await confirmAction(`Release ${ip.floating_ip_address}? You may not get it back.`, "Release"))) return;
  try {
    await network("DELETE", `/floatingips/${enc(ip.id)}`);
  } catch (exc) {
    showError(exc, `Cannot release ${ip.floating_ip_address}`);
  }
  reload();
}
