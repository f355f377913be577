// loopnote in the browser: the library, a meeting's page, search, and the live meeting.
// Every text from a meeting goes into the page with textContent, never as markup.

import { BlockList } from "/static/lines.js";
import { showLive, stopLive } from "/static/live.js";
import { showNew } from "/static/new.js";

const CSRF = document.querySelector('meta[name="loopnote-csrf"]').content;
export const WHO = { system: "Them", mic: "You" };
const main = document.getElementById("main");

// ----- small helpers ----------------------------------------------------------------

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

export function clock(t) {
  const s = Math.max(0, Math.floor(t));
  const pad = (n) => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

// "Marcus, Speaker 2 + You" once the voices were told apart, else "Them + You"
function speakersOf(m) {
  const them = m.speakers && m.speakers.length ? m.speakers.join(", ") : WHO.system;
  return m.sources.map((s) => (s === "system" ? them : WHO[s])).join(" + ");
}

export function who(u) {
  return u.speaker || WHO[u.source] || u.source;
}

// A line's time, with a quiet mark when its text is the settled transcript's (the stretch
// decoded again with the audio that followed it), on the live page and the meeting page alike.
export function timeCell(u) {
  return el("span", { class: "time", text: clock(u.start) },
    u.settled ? el("span", { class: "settled-mark", title: "Settled: decoded again with the audio that followed", "aria-label": "settled", text: "✓" }) : null);
}

function duration(s) {
  if (s === null || s === undefined) return "?";
  s = Math.round(s);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
}

function localDate(wall) {
  return new Date(wall * 1000).toLocaleString(undefined, {
    year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit",
  });
}

export async function getJSON(url) {
  const r = await fetch(url, { credentials: "same-origin" });
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(body.error || r.statusText), { status: r.status });
  return body;
}

export async function post(url, body = {}) {
  const r = await fetch(url, {
    method: "POST",
    credentials: "same-origin",
    headers: { "content-type": "application/json", "x-loopnote-csrf": CSRF },
    body: JSON.stringify(body),
  });
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw Object.assign(new Error(data.error || r.statusText), { status: r.status });
  return data;
}

// A transcript box as tall as the window leaves room for, so its end is always on screen.
export function fitToWindow(box) {
  const fit = () => {
    if (!box.isConnected) { window.removeEventListener("resize", fit); return; }
    const top = box.getBoundingClientRect().top + window.scrollY;
    box.style.height = `${Math.max(240, window.innerHeight - top - 16)}px`;
  };
  window.addEventListener("resize", fit);
  fit();
  return fit;
}

export function navigate(url) {
  history.pushState({}, "", url);
  route();
}

function confirmDialog(text, ok = "Delete") {
  const dlg = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  document.getElementById("confirm-ok").textContent = ok;
  dlg.returnValue = "";
  dlg.showModal();
  return new Promise((resolve) => {
    dlg.addEventListener("close", () => resolve(dlg.returnValue === "ok"), { once: true });
  });
}
export { confirmDialog };

let flashText = "";
function flash(text) { flashText = text; }

// ----- markdown the notes use: headings, bullets, quotes, **bold** ----------------------

export function renderNotes(markdown) {
  const out = el("div", { class: "notes" });
  let list = null;
  for (const raw of markdown.split("\n")) {
    const line = raw.trimEnd();
    if (!line.trim()) { list = null; continue; }
    let m;
    if ((m = line.match(/^(#{1,4})\s+(.*)$/))) {
      list = null;
      out.append(inline(el(`h${Math.min(6, m[1].length + 1)}`), m[2]));
    } else if ((m = line.match(/^\s*(?:[-*]|\d+\.)\s+(.*)$/))) {
      if (!list) { list = el("ul"); out.append(list); }
      list.append(inline(el("li"), m[1]));
    } else if ((m = line.match(/^>\s?(.*)$/))) {
      list = null;
      out.append(inline(el("blockquote"), m[1]));
    } else {
      list = null;
      out.append(inline(el("p"), line));
    }
  }
  return out;
}

function inline(node, text) {
  text.split(/(\*\*[^*]+\*\*|\b_[^_]+_\b)/).forEach((part) => {
    if (part.startsWith("**") && part.endsWith("**") && part.length > 4) {
      node.append(el("strong", { text: part.slice(2, -2) }));
    } else if (part.startsWith("_") && part.endsWith("_") && part.length > 2) {
      node.append(el("em", { text: part.slice(1, -1) }));
    } else if (part) node.append(part);
  });
  return node;
}

// ----- library ---------------------------------------------------------------------

async function showLibrary() {
  const { meetings, skipped } = await getJSON("/api/meetings");
  main.textContent = "";
  if (flashText) { main.append(el("p", { class: "flash", role: "status", text: flashText })); flashText = ""; }
  main.append(el("h1", { text: "Meetings" }));
  if (!meetings.length) {
    main.append(el("p", { class: "muted", text: "No meetings yet. Record one with `loopnote record`, or replay a file with `loopnote transcribe`." }));
  } else {
    const rows = meetings.map((m) =>
      el("tr", { class: "meeting-row" },
        el("td", {}, el("a", { href: `/meetings/${encodeURIComponent(m.id)}`, "data-nav": true, class: "title", text: m.title || `Meeting of ${localDate(m.started_wall)}` }),
          m.status !== "complete" ? el("span", { class: "badge", text: m.status }) : null),
        el("td", { text: localDate(m.started_wall) }),
        el("td", { text: duration(m.duration) }),
        el("td", { class: "speakers-heard", text: speakersOf(m) })));
    main.append(el("table", { class: "meetings" },
      el("thead", {}, el("tr", {}, el("th", { text: "Title" }), el("th", { text: "Date" }), el("th", { text: "Duration" }), el("th", { text: "Speakers" }))),
      el("tbody", {}, ...rows)));
  }
  for (const reason of skipped) main.append(el("p", { class: "muted", text: `Skipped: ${reason}` }));
}

async function showSearch(q) {
  document.getElementById("q").value = q;
  const { hits } = await getJSON(`/api/search?q=${encodeURIComponent(q)}`);
  main.textContent = "";
  main.append(el("h1", { text: `Search: ${q}` }));
  if (!hits.length) { main.append(el("p", { class: "muted", text: "Nothing found." })); return; }
  const list = el("ol", { class: "hits" });
  for (const h of hits) {
    const snippet = el("span", { class: "snippet" });
    for (const [text, hit] of h.pieces) snippet.append(hit ? el("mark", { text }) : text);
    const params = new URLSearchParams();
    if (h.t !== null) params.set("t", String(h.t));
    if (h.ref && h.kind === "transcript") params.set("line", h.ref);
    const href = `/meetings/${encodeURIComponent(h.meeting_id)}${params.size ? `?${params}` : ""}`;
    list.append(el("li", { class: "hit" },
      el("a", { href, "data-nav": true, class: "hit-link" },
        el("span", { class: "hit-title", text: h.title || h.meeting_id }),
        el("span", { class: "hit-meta", text: ` ${h.kind}${h.t !== null ? ` · ${clock(h.t)}` : ""}${h.source ? ` · ${WHO[h.source]}` : ""}` })),
      el("div", {}, snippet)));
  }
  main.append(list);
}

// ----- one meeting -----------------------------------------------------------------

async function showMeeting(id, params) {
  let data;
  try {
    data = await getJSON(`/api/meetings/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status === 404) return showNotFound(`There is no meeting “${id}” in the library.`);
    throw e;
  }
  const m = data.meeting;
  main.textContent = "";
  const title = el("h1", { class: "meeting-title", text: m.display_title });
  const renameBtn = el("button", { class: "small", id: "rename", text: "Rename" });
  renameBtn.addEventListener("click", () => startRename(m, title, renameBtn));
  const exports = el("span", { class: "exports" }, "Export: ",
    ...["md", "json", "srt", "vtt", "txt"].map((f) =>
      el("a", { href: `/api/meetings/${encodeURIComponent(m.id)}/export/${f}`, download: `${m.id}.${f}`, class: "export", text: f })));
  const del = el("button", { class: "small danger", id: "delete", text: "Delete…" });
  del.addEventListener("click", async () => {
    if (!(await confirmDialog(`Delete “${m.display_title}” (${localDate(m.started_wall)}) with its transcript, notes and audio? This cannot be undone.`))) return;
    await post(`/api/meetings/${encodeURIComponent(m.id)}/delete`);
    flash(`Deleted “${m.display_title}”.`);
    navigate("/");
  });
  const sub = `${localDate(m.started_wall)} · ${duration(m.duration)} · ${speakersOf({ ...m, speakers: data.speakers.map((s) => s.label) })}${m.status !== "complete" ? ` · ${m.status}` : ""}`;
  main.append(el("div", { class: "meeting-head" }, title, renameBtn),
    el("p", { class: "muted" }, sub), el("div", { class: "actions" }, exports, del));

  const left = el("section", { class: "side" });
  const notes = stripHead(data.notes || "");
  if (notes.body.trim()) left.append(el("h2", { text: "Notes" }), renderNotes(notes.body));
  const meetingSummary = data.summaries.filter((n) => n.level === "meeting").pop();
  const sections = data.summaries.filter((n) => n.level === "section");
  if (meetingSummary && !/^## Summary$/m.test(notes.body)) {
    left.append(el("h2", { text: "Summary" }), el("p", { class: "summary-meeting", text: meetingSummary.text }));
  }
  if (sections.length) {
    left.append(el("h2", { text: "Sections" }));
    for (const s of sections) {
      left.append(el("p", { class: "summary-section" },
        el("a", { href: `?t=${s.start}`, class: "time", "data-seek": s.start, text: clock(s.start) }), " ", s.text));
    }
  }
  if (data.bookmarks.length) {
    left.append(el("h2", { text: "Bookmarks" }));
    for (const b of data.bookmarks) left.append(el("p", {}, el("a", { href: `?t=${b.t}`, class: "time", "data-seek": b.t, text: clock(b.t) }), ` ${b.note || "bookmark"}`));
  }
  const speakersBox = el("div", { id: "speakers" });
  left.append(speakersBox);
  if (notes.consent) left.append(el("p", { class: "muted consent", text: notes.consent }));
  const kept = Object.values(data.audio).some(Boolean);
  const player = el("audio", { id: "player", preload: "none", controls: true, hidden: true });
  const scroller = el("div", { class: `transcript${data.speakers.length ? " with-speakers" : ""}`, id: "transcript", tabindex: "0" });
  const right = el("section", { class: "main-col" },
    el("h2", { text: "Transcript" }),
    el("p", { class: "muted hint", text: kept ? "Click a line to hear it." : "The audio of this meeting was not kept." }),
    player, scroller);
  main.append(el("div", { class: "columns" }, left, right));

  let playing = null;
  const lines = new BlockList(scroller, (u) => {
    const row = el("div", { class: `line src-${u.source}${data.audio[u.source] ? " playable" : ""}`, "data-id": u.id, "data-start": u.start },
      timeCell(u),
      el("span", { class: "who", text: who(u) }),
      el("span", { class: "text", text: u.text }));
    if (data.audio[u.source]) {
      row.title = "Play this line";
      row.tabIndex = 0;
      row.setAttribute("role", "button");
      const play = () => {
        if (playing) playing.classList.remove("playing");
        playing = row;
        row.classList.add("playing");
        player.hidden = false;
        player.src = `/api/meetings/${encodeURIComponent(m.id)}/audio?source=${u.source}&start=${u.start}&end=${u.end}`;
        player.play().catch(() => {});
      };
      row.addEventListener("click", play);
      row.addEventListener("keydown", (ev) => {
        if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); play(); }
      });
    }
    return row;
  });
  fitToWindow(scroller);
  lines.setItems(data.utterances);
  showSpeakers(speakersBox, m, data, () => lines.redraw());
  player.addEventListener("ended", () => playing && playing.classList.remove("playing"));

  const seek = (t, lineId) => {
    let i = lineId ? data.utterances.findIndex((u) => u.id === lineId) : -1;
    if (i < 0) {
      i = 0;
      while (i + 1 < data.utterances.length && data.utterances[i + 1].start <= t + 0.01) i++;
    }
    const row = lines.reveal(i);
    if (row) {
      document.querySelectorAll(".line.found").forEach((r) => r.classList.remove("found"));
      row.classList.add("found");
    }
  };
  main.querySelectorAll("[data-seek]").forEach((a) => a.addEventListener("click", (ev) => {
    ev.preventDefault();
    seek(Number(a.dataset.seek));
  }));
  if (params.has("t") || params.has("line")) requestAnimationFrame(() => seek(Number(params.get("t") || 0), params.get("line")));
  window.loopnoteLines = lines;
}

// ----- the meeting's speakers: names the user gives -----------------------------------

const HOW = { conversation: "named from the conversation", voiceprint: "known by voice" };

function showSpeakers(box, m, data, redraw) {
  box.textContent = "";
  const them = data.utterances.some((u) => u.source === "system");
  if (!data.speakers.length) {
    if (them) box.append(el("h2", { text: "Speakers" }), el("p", { class: "muted small-print", text: `To tell the voices apart: loopnote speakers ${m.id}` }));
    return;
  }
  const list = el("ul", { class: "speakers" });
  for (const s of data.speakers) {
    const label = el("span", { class: "speaker-label", text: s.label });
    const how = s.name && HOW[s.how] ? el("span", { class: "muted speaker-how", text: ` ${HOW[s.how]}` }) : null;
    const btn = el("button", { class: "small", text: "Rename", "aria-label": `Rename ${s.label}` });
    const row = el("li", { class: "speaker", "data-speaker": s.id }, label, how, " ", btn);
    btn.addEventListener("click", () => renameSpeaker(row, s, m, data, () => showSpeakers(box, m, data, redraw), redraw));
    list.append(row);
  }
  box.append(el("h2", { text: "Speakers" }), list);
}

function renameSpeaker(row, s, m, data, redrawBlock, redrawLines) {
  const input = el("input", { class: "speaker-input", value: s.name || "", placeholder: s.label, "aria-label": `New name for ${s.label}`, maxlength: "100" });
  const problem = el("p", { class: "error speaker-error", role: "alert", hidden: true });
  const form = el("form", { class: "speaker-rename" }, input, el("button", { text: "Save" }),
    el("button", { type: "button", text: "Cancel", onclick: redrawBlock }), problem);
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await post(`/api/meetings/${encodeURIComponent(m.id)}/speakers`, { speaker: s.id, name: input.value });
      data.speakers = r.speakers.filter((x) => x.id !== "you");
      const label = (r.speakers.find((x) => x.id === r.id) || {}).label || r.name;
      for (const u of data.utterances) if (u.speaker_id === r.id) u.speaker = label;
      redrawLines();
      redrawBlock();
    } catch (e) {
      problem.textContent = e.message;
      problem.hidden = false;
      input.focus();
    }
  });
  row.replaceChildren(form);
  input.focus();
  input.select();
}

function stripHead(notes) {
  // the title and the date line are in the page header already; the consent line moves below
  const lines = notes.split("\n");
  const out = [];
  let consent = "";
  for (const [i, l] of lines.entries()) {
    if (i === 0 && l.startsWith("# ")) continue;
    if (!consent && l.startsWith("> Recorded with loopnote")) { consent = l; continue; }
    if (out.every((x) => !x.trim()) && /^\d{4}-\d\d-\d\d .* · /.test(l)) continue;
    out.push(l);
  }
  return { body: out.join("\n"), consent: consent.replace(/^>\s*/, "") };
}

function startRename(m, title, button) {
  const input = el("input", { id: "rename-input", value: m.title || m.display_title, "aria-label": "New title" });
  const form = el("form", { class: "rename" }, input, el("button", { text: "Save" }), el("button", { type: "button", text: "Cancel", onclick: () => form.replaceWith(title, button) }));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      const r = await post(`/api/meetings/${encodeURIComponent(m.id)}/rename`, { title: input.value });
      m.title = m.display_title = r.title;
      title.textContent = r.title;
      form.replaceWith(title, button);
    } catch (e) {
      input.setCustomValidity(e.message);
      input.reportValidity();
    }
  });
  title.replaceWith(form);
  button.remove();
  input.focus();
  input.select();
}

function showNotFound(text) {
  main.textContent = "";
  main.append(el("h1", { text: "Not found" }), el("p", { text }), el("p", {}, el("a", { href: "/", "data-nav": true, text: "All meetings" })));
}

// ----- routing ---------------------------------------------------------------------

async function route() {
  stopLive();
  const url = new URL(location.href);
  const path = url.pathname;
  try {
    if (path === "/" && url.searchParams.get("q")) await showSearch(url.searchParams.get("q"));
    else if (path === "/") await showLibrary();
    else if (path === "/live") await showLive(main);
    else if (path === "/new") await showNew(main);
    else if (path.startsWith("/meetings/")) await showMeeting(decodeURIComponent(path.slice(10)), url.searchParams);
    else showNotFound("There is no such page.");
  } catch (e) {
    main.textContent = "";
    main.append(el("p", { class: "error", role: "alert", text: `Could not load this page: ${e.message}` }));
  }
  checkLive();
  document.body.dataset.ready = path;
  window.loopnoteReadyAt = performance.now();
}

document.addEventListener("click", (ev) => {
  const a = ev.target.closest("a[data-nav]");
  if (!a || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.button !== 0) return;
  ev.preventDefault();
  navigate(a.getAttribute("href"));
});
window.addEventListener("popstate", route);
document.getElementById("search-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = document.getElementById("q").value.trim();
  navigate(q ? `/?q=${encodeURIComponent(q)}` : "/");
});

async function checkLive() {
  try {
    const s = await getJSON("/api/live");
    document.getElementById("live-link").hidden = !s.running;
    document.getElementById("new-link").hidden = !(s.can_start && !s.running);
  } catch (e) { /* the link stays hidden */ }
}

route();
