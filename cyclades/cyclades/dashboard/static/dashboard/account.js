// Key pairs (Compute API) and the user's quota usage (Astakos Account API, cross-origin).

import { account, compute, enc } from "./api.js";
import {
  actionButton, bytes, confirmAction, field, formDialog, h, replace, showError, showInfo, table,
} from "./dom.js";

export function keypairList(main) {
  const body = h("div", { id: "keypairs-body" });
  const load = async () => {
    try {
      const keys = (await compute("GET", "/os-keypairs")).keypairs.map((k) => k.keypair);
      const rows = keys.map((key) => h("tr", { dataset: { keypair: key.name } },
        h("td", {}, key.name), h("td", { class: "mono" }, key.fingerprint),
        h("td", { class: "actions" },
          actionButton("Delete", "delete", () => deleteKey(key, load), { danger: true }))));
      replace(body, table(["Name", "Fingerprint", ""], rows,
        { id: "keypairs-table", empty: "You have no key pairs." }));
    } catch (exc) {
      showError(exc, "Cannot list key pairs");
    }
  };
  replace(main, h("section", {},
    h("div", { class: "section-head" }, h("h1", {}, "Key pairs"),
      h("button", { type: "button", class: "primary", id: "add-keypair",
                    onclick: () => addKey(body).then((ok) => ok && load()) }, "Add key pair")),
    h("p", { class: "muted" }, "A server created with a key pair lets you in with that key as root."),
    body));
  load();
  return () => {};
}

async function addKey() {
  const made = await formDialog({
    title: "Add key pair", submitLabel: "Add",
    fields: [
      field("Name", h("input", { id: "keypair-name", required: true, maxlength: 255 })),
      field("Public key", h("textarea", { id: "keypair-public", rows: 4, placeholder: "ssh-ed25519 AAAA…" }),
            "Paste your public key, or leave empty to have one generated."),
    ],
    submit: async (form) => {
      const keypair = { name: form.querySelector("#keypair-name").value.trim() };
      const publicKey = form.querySelector("#keypair-public").value.trim();
      if (publicKey) keypair.public_key = publicKey;
      return (await compute("POST", "/os-keypairs", { keypair })).keypair;
    },
  });
  if (made && made.private_key) {
    // Shown once: offer it as a file from memory, nothing is sent anywhere.
    const url = URL.createObjectURL(new Blob([made.private_key], { type: "application/x-pem-file" }));
    const link = h("a", { href: url, download: `${made.name}.pem`, id: "keypair-download" },
                   `Download ${made.name}.pem`);
    const box = document.getElementById("alerts");
    box.append(h("div", { class: "alert info" }, "Your private key is shown only now: ", link,
      h("button", { type: "button", class: "link", onclick: (e) => {
        URL.revokeObjectURL(url); e.target.parentElement.remove();
      } }, "×")));
  } else if (made) {
    showInfo(`Key pair “${made.name}” imported.`);
  }
  return made;
}

async function deleteKey(key, reload) {
  if (!(await confirmAction(`Delete key pair “${key.name}”? Servers keep the key they have.`, "Delete"))) return;
  try {
    await compute("DELETE", `/os-keypairs/${enc(key.name)}`);
  } catch (exc) {
    showError(exc, `Cannot delete “${key.name}”`);
  }
  reload();
}

function amount(value, unit) {
  return unit === "bytes" ? bytes(value) : String(value);
}

export function usagePage(main, ctx) {
  const body = h("div", { id: "usage-body" });
  replace(main, h("section", {}, h("div", { class: "section-head" }, h("h1", {}, "Usage")), body));
  Promise.all([account("GET", "/quotas"), account("GET", "/resources")]).then(([quotas, resources]) => {
    const sections = Object.entries(quotas).map(([project, holdings]) => {
      const rows = Object.entries(holdings)
        .filter(([name]) => !resources[name] || resources[name].ui_visible !== false)
        .map(([name, q]) => {
          const unit = resources[name] && resources[name].unit;
          const used = q.usage + (q.pending || 0);
          const share = q.limit > 0 ? Math.min(100, Math.round((100 * used) / q.limit)) : 0;
          return h("tr", { dataset: { resource: name } },
            h("td", {}, (resources[name] && resources[name].description) || name,
              h("div", { class: "muted small mono" }, name)),
            h("td", { class: "usage" }, amount(used, unit)),
            h("td", {}, amount(q.limit, unit)),
            h("td", {}, h("div", { class: `bar${share >= 90 ? " full" : ""}` },
              h("div", { class: "bar-fill", style: { width: `${share}%` } }))));
        });
      const title = project === ctx.userId ? "Your base quota" : `Project ${project}`;
      return h("div", { class: "panel" }, h("h2", {}, title),
        table(["Resource", "Used", "Limit", ""], rows, { empty: "No resources." }));
    });
    replace(body, sections.length ? sections : h("p", { class: "muted" }, "No quotas."));
  }, (exc) => showError(exc, "Cannot read your quotas"));
  return () => {};
}
