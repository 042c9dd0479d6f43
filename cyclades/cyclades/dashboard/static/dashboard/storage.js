// Volumes (Block Storage v3 and Nova's os-volume_attachments) and images (Image v2).

import { compute, enc, image, volume } from "./api.js";
import {
  actionButton, bytes, confirmAction, field, formDialog, h, replace, select, showError,
  showInfo, statusBadge, table, when,
} from "./dom.js";

const MOVING = new Set(["creating", "attaching", "detaching", "deleting", "extending"]);

export function volumeList(main) {
  const body = h("div", { id: "volumes-body" });
  let timer = null;
  let stopped = false;
  const load = async () => {
    if (timer) clearTimeout(timer);
    timer = null;
    let moving = false;
    try {
      const [volumes, servers] = await Promise.all([
        volume("GET", "/volumes/detail").then((d) => d.volumes),
        compute("GET", "/servers").then((d) => d.servers),
      ]);
      const names = new Map(servers.map((s) => [s.id, s.name]));
      moving = volumes.some((v) => MOVING.has(v.status));
      const rows = volumes.map((vol) => {
        const attachment = (vol.attachments || [])[0];
        return h("tr", { dataset: { volumeId: vol.id } },
          h("td", {}, vol.name || h("span", { class: "muted" }, vol.id)),
          h("td", {}, statusBadge(vol.status)),
          h("td", {}, `${vol.size} GiB`),
          h("td", {}, vol.volume_type || "-"),
          h("td", {}, attachment ? h("a", { href: `#/servers/${enc(attachment.server_id)}` },
            names.get(attachment.server_id) || attachment.server_id) : h("span", { class: "muted" }, "-")),
          h("td", { class: "actions" }, vol.status === "in-use" && attachment
            ? actionButton("Detach", "detach", () => detachVolume(vol, attachment, load),
                           { disabled: vol.bootable === "true" && attachment.device === "/dev/vda" })
            : vol.status === "available" ? [
              actionButton("Attach", "attach", () => attachVolume(vol, servers).then((ok) => ok && load())),
              actionButton("Delete", "delete", () => deleteVolume(vol, load), { danger: true }),
            ] : null));
      });
      replace(body, table(["Name", "Status", "Size", "Type", "Server", ""], rows,
        { id: "volumes-table", empty: "You have no volumes." }));
    } catch (exc) {
      showError(exc, "Cannot list volumes");
    }
    if (moving && !stopped) timer = setTimeout(load, 2000);
  };
  replace(main, h("section", {},
    h("div", { class: "section-head" }, h("h1", {}, "Volumes"),
      h("button", { type: "button", class: "primary", id: "create-volume",
                    onclick: () => createVolume().then((ok) => ok && load()) }, "Create volume")),
    body));
  load();
  return () => { stopped = true; if (timer) clearTimeout(timer); };
}

async function createVolume() {
  let types;
  try {
    types = (await volume("GET", "/types")).volume_types;
  } catch (exc) {
    showError(exc, "Cannot list volume types");
    return undefined;
  }
  return formDialog({
    title: "Create volume",
    fields: [
      field("Name", h("input", { id: "volume-name", required: true, maxlength: 255 })),
      field("Size (GiB)", h("input", { id: "volume-size", type: "number", min: 1, value: 1, required: true })),
      field("Type", select("volume-type", types.map((t) => [t.name, t.name]), { empty: "Default" })),
    ],
    submit: async (form) => {
      const body = { name: form.querySelector("#volume-name").value.trim(),
                     size: Number(form.querySelector("#volume-size").value) };
      const type = form.querySelector("#volume-type").value;
      if (type) body.volume_type = type;
      const made = (await volume("POST", "/volumes", { volume: body })).volume;
      showInfo(`Volume “${body.name}” is being created.`);
      return made;
    },
  });
}

async function attachVolume(vol, servers) {
  if (!servers.length) {
    showError("You have no server to attach it to.");
    return undefined;
  }
  return formDialog({
    title: `Attach “${vol.name || vol.id}”`, submitLabel: "Attach",
    fields: [field("Server", select("volume-server", servers.map((s) => [s.id, s.name]), { required: true }))],
    submit: async (form) => {
      const serverId = form.querySelector("#volume-server").value;
      return (await compute("POST", `/servers/${enc(serverId)}/os-volume_attachments`,
                            { volumeAttachment: { volumeId: vol.id } })).volumeAttachment;
    },
  });
}

async function detachVolume(vol, attachment, reload) {
  if (!(await confirmAction(`Detach “${vol.name || vol.id}” from its server?`, "Detach"))) return;
  try {
    await compute("DELETE", `/servers/${enc(attachment.server_id)}/os-volume_attachments/${enc(vol.id)}`);
  } catch (exc) {
    showError(exc, `Cannot detach “${vol.name || vol.id}”`);
  }
  reload();
}

async function deleteVolume(vol, reload) {
  if (!(await confirmAction(`Delete volume “${vol.name || vol.id}”? Its data is lost.`, "Delete"))) return;
  try {
    await volume("DELETE", `/volumes/${enc(vol.id)}`);
  } catch (exc) {
    showError(exc, `Cannot delete “${vol.name || vol.id}”`);
  }
  reload();
}

export function imageList(main, ctx) {
  const body = h("div", { id: "images-body" });
  replace(main, h("section", {}, h("div", { class: "section-head" }, h("h1", {}, "Images")), body));
  image("GET", "/images").then((data) => {
    const rows = data.images.map((img) => h("tr", { dataset: { imageId: img.id } },
      h("td", {}, img.name || img.id),
      h("td", {}, statusBadge(img.status)),
      h("td", {}, img.owner === ctx.userId ? "yours" : img.visibility),
      h("td", {}, img.disk_format || "-"),
      h("td", {}, bytes(img.size)),
      h("td", {}, when(img.created_at))));
    replace(body, table(["Name", "Status", "Visibility", "Format", "Size", "Created"], rows,
      { id: "images-table", empty: "No images are available." }));
  }, (exc) => showError(exc, "Cannot list images"));
  return () => {};
}
