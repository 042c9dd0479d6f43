// DOM building blocks: elements from data (never HTML strings), alerts, dialogs, formats.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style") Object.assign(el.style, value);  // CSSOM: allowed by the CSP
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(target, ...children) {
  target.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined));
}

// --- alerts -------------------------------------------------------------------------

export function showError(error, context) {
  const text = error && error.message ? error.message : String(error);
  alertBox("error", context ? `${context}: ${text}` : text);
}

export function showInfo(text) {
  alertBox("info", text);
}

function alertBox(kind, text) {
  const box = document.getElementById("alerts");
  const item = h("div", { class: `alert ${kind}` }, h("span", { class: "alert-text" }, text),
    h("button", { type: "button", class: "link", "aria-label": "Dismiss",
                  onclick: () => item.remove() }, "×"));
  box.append(item);
  if (kind === "info") setTimeout(() => item.remove(), 8000);
  while (box.children.length > 4) box.firstChild.remove();
}

export function clearAlerts() {
  document.getElementById("alerts").replaceChildren();
}

// --- dialogs ------------------------------------------------------------------------

// Ask before a destructive action; resolves true when the user confirmed.
export function confirmAction(text, okLabel = "Confirm") {
  const dialog = document.getElementById("confirm-dialog");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = okLabel;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

// A form in a modal dialog. `fields` are elements (use field()); `submit(form)` runs the
// API call and may throw: its message is shown in the dialog, which stays open.
export function formDialog({ title, fields, submitLabel = "Create", submit }) {
  const dialog = document.getElementById("form-dialog");
  const form = document.getElementById("form-dialog-form");
  const error = document.getElementById("form-dialog-error");
  const button = document.getElementById("form-dialog-submit");
  document.getElementById("form-dialog-title").textContent = title;
  replace(document.getElementById("form-dialog-fields"), fields);
  button.textContent = submitLabel;
  button.disabled = false;
  error.hidden = true;
  return new Promise((resolve) => {
    const onSubmit = async (event) => {
      event.preventDefault();
      button.disabled = true;
      error.hidden = true;
      try {
        const result = await submit(form);
        done(result);
      } catch (exc) {
        error.textContent = exc.message || String(exc);
        error.hidden = false;
        button.disabled = false;
      }
    };
    const onCancel = () => done(undefined);
    const cancelButton = document.getElementById("form-dialog-cancel");
    const done = (result) => {
      form.removeEventListener("submit", onSubmit);
      cancelButton.removeEventListener("click", onCancel);
      dialog.removeEventListener("cancel", onCancel);
      if (dialog.open) dialog.close();
      resolve(result);
    };
    form.addEventListener("submit", onSubmit);
    cancelButton.addEventListener("click", onCancel);
    dialog.addEventListener("cancel", onCancel);
    dialog.showModal();
    const first = form.querySelector("input, select, textarea");
    if (first) first.focus();
  });
}

export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", {}, label), control,
    hint ? h("small", { class: "muted" }, hint) : null);
}

export function select(id, options, { required = false, empty } = {}) {
  const el = h("select", { id, name: id, required });
  if (empty !== undefined) el.append(h("option", { value: "" }, empty));
  for (const [value, label] of options) el.append(h("option", { value }, label));
  return el;
}

// --- formats ------------------------------------------------------------------------

export function bytes(value) {
  if (value === null || value === undefined || value === "") return "-";
  let n = Number(value);
  const units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) { n /= 1024; i += 1; }
  return `${n >= 10 || i === 0 ? Math.round(n) : n.toFixed(1)} ${units[i]}`;
}

export function when(value) {
  if (!value) return "-";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}

export function statusBadge(status, extra) {
  const text = String(status || "UNKNOWN");
  return h("span", { class: `status status-${text.toLowerCase().replace(/[^a-z]/g, "-")}`,
                     dataset: { status: text } }, text, extra ? ` ${extra}` : "");
}

export function table(headers, rows, { id, empty = "Nothing here yet." } = {}) {
  if (!rows.length) return h("p", { class: "muted empty", id: id ? `${id}-empty` : null }, empty);
  return h("table", { id, class: "list" },
    h("thead", {}, h("tr", {}, headers.map((title) => h("th", {}, title)))),
    h("tbody", {}, rows));
}

export function actionButton(label, action, onclick, { danger = false, disabled = false } = {}) {
  return h("button", { type: "button", class: danger ? "small danger" : "small",
                       dataset: { action }, disabled, onclick }, label);
}
