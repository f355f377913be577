// Start a meeting from the page: what to record, headphones, and the consent reminder.

import { el, getJSON, post, navigate } from "/static/app.js";

export async function showNew(main) {
  const info = await getJSON("/api/live/new");
  main.textContent = "";
  main.append(el("h1", { text: "New meeting" }));
  if (info.running) {
    main.append(el("p", {}, "A meeting is running. ", el("a", { href: "/live", "data-nav": true, text: "Go to it" })));
    return;
  }
  const outputs = info.sources.filter((s) => s.kind === "output");
  const apps = info.sources.filter((s) => s.kind === "app");
  const mics = info.sources.filter((s) => s.kind === "input");
  const system = el("select", { id: "system", name: "system" },
    el("option", { value: "default", text: "Everything this computer plays (default output)" }),
    ...outputs.filter((o) => !o.default).map((o) => el("option", { value: `source:${o.monitor || o.id}`, text: `Output: ${o.name}` })),
    ...apps.map((a) => el("option", { value: `app:${a.pid ?? a.id}`, text: `App: ${a.name}${a.binary ? ` (${a.binary})` : ""}` })),
    el("option", { value: "none", text: "Nothing (only my microphone)" }));
  const mic = el("select", { id: "mic", name: "mic" },
    el("option", { value: "default", text: "Default microphone" }),
    ...mics.filter((m) => !m.default).map((m) => el("option", { value: m.id, text: m.name })),
    el("option", { value: "none", text: "No microphone" }));
  const headphones = el("input", { type: "checkbox", id: "headphones", checked: info.headphones });
  const title = el("input", { id: "title", placeholder: "Title (optional)", autocomplete: "off" });
  const consent = el("input", { type: "checkbox", id: "consent", required: true });
  const copy = el("button", { type: "button", class: "small", id: "copy-disclosure", text: "Copy the disclosure line" });
  copy.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(info.disclosure);
      copy.textContent = "Copied";
    } catch (e) {
      copy.textContent = "Select the line above and copy it";
    }
  });
  const error = el("p", { class: "error", id: "start-error", role: "alert" });
  if (info.error) error.textContent = `Cannot list the audio sources: ${info.error}`;
  const start = el("button", { id: "start", class: "primary", text: "● Start recording" });
  const form = el("form", { class: "new-meeting" },
    el("label", {}, "Record the meeting from ", system),
    el("p", { class: "muted small", text: apps.length ? "" : "No app is playing audio right now; start the call first to pick it alone." }),
    el("label", {}, "My voice from ", mic),
    el("label", { class: "check" }, headphones, " I wear headphones (the microphone does not hear the meeting)"),
    el("label", {}, title),
    el("div", { class: "consent-box" },
      el("pre", { class: "reminder", id: "reminder", text: info.consent }),
      copy,
      el("label", { class: "check" }, consent, " I have told the participants that this meeting is recorded and transcribed")),
    error, start);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    if (!consent.checked) { consent.reportValidity(); return; }
    start.disabled = true;
    error.textContent = "";
    try {
      await post("/api/live/start", {
        system: system.value, mic: mic.value, headphones: headphones.checked,
        title: title.value, consent: consent.checked,
      });
      navigate("/live");
    } catch (e) {
      error.textContent = e.message;
      start.disabled = false;
    }
  });
  main.append(form);
}
