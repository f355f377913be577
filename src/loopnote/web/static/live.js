// The live meeting page, drawn from the session's events (server-sent, in order).
// Levels and partial text are superseded ones: the page draws them at most once a frame.

import { BlockList } from "/static/lines.js";
import { el, clock, who, timeCell, post, getJSON, confirmDialog, fitToWindow, WHO } from "/static/app.js";

const HEALTH = {
  capturing: "",
  silent: "no sound",
  reconnecting: "reconnecting…",
  "lost-frames": "lost audio",
};
const MAX_MOMENTS = 30;
const ASKER_SLACK = 0.5;  // s: a name heard in partial text may end just past its line's last word
const STEP_LABELS = { speakers: "Telling the speakers apart" };  // as events.STEP_LABELS
const RESHAPING = new Set(["settled", "relabel", "speaker"]);  // events that change lines in place

let current = null;

export function stopLive() {
  if (current) current.close();
  current = null;
}

export async function showLive(main) {
  const state = await getJSON("/api/live");
  main.textContent = "";
  if (!state.active) {
    main.append(el("h1", { text: "No live meeting" }),
      state.can_start
        ? el("p", {}, el("a", { href: "/new", "data-nav": true, text: "Start a meeting" }))
        : el("p", { class: "muted", text: "Start one with `loopnote record --ui`; it shows here." }));
    return;
  }
  current = new LivePage(main);
}

// Statistics the benchmark reads: event time to the frame that shows it (ms).
window.loopnoteStats = window.loopnoteStats || { lags: [] };

class LivePage {
  constructor(main) {
    this.started = null;
    this.paused = false;
    this.ended = false;
    this.follow = true;
    this.levels = {};
    this.partials = {};
    this.sections = new Map();
    this.lineIndex = new Map();  // utterance id -> its index in this.lines
    this.moments = new Map();
    this.pending = [];
    this.frame = 0;
    this.build(main);
    this.source = new EventSource("/api/live/events");
    this.source.onmessage = (m) => this.receive(JSON.parse(m.data));
    this.timer = setInterval(() => this.tick(), 1000);
  }

  close() {
    this.source.close();
    clearInterval(this.timer);
    if (this.frame) cancelAnimationFrame(this.frame);
  }

  build(main) {
    this.rec = el("span", { class: "rec", id: "rec", text: "● REC" });
    this.elapsed = el("span", { class: "elapsed", id: "elapsed", text: "00:00:00" });
    this.consent = el("p", { class: "consent", id: "consent" });
    this.meters = el("div", { class: "meters", id: "meters" });
    this.pauseBtn = el("button", { id: "pause", text: "Pause", onclick: () => this.togglePause() });
    this.markBtn = el("button", { id: "bookmark", text: "Bookmark", onclick: () => this.bookmark() });
    this.endBtn = el("button", { id: "end", class: "danger", text: "End meeting", onclick: () => this.end() });
    this.notifyBtn = el("button", { id: "notify", class: "small", text: "Notify me when my name is said", onclick: () => this.askNotify() });
    if (!("Notification" in window) || Notification.permission !== "default") this.notifyBtn.hidden = true;
    this.warnings = el("ul", { class: "warnings", id: "warnings", role: "status" });
    this.banner = el("div", { class: "alert-banner", id: "alert", role: "alert", hidden: true });
    this.endNote = el("p", { class: "flash", id: "ended", hidden: true });
    const bar = el("div", { class: "live-bar" },
      el("div", { class: "rec-box" }, this.rec, this.elapsed),
      this.meters,
      el("div", { class: "controls" }, this.pauseBtn, this.markBtn, this.endBtn, this.notifyBtn));
    this.scroller = el("div", { class: "transcript live", id: "transcript", tabindex: "0" });
    this.partialBox = el("div", { class: "partials", id: "partials" });
    this.scroller.append(this.partialBox);
    this.jump = el("button", { class: "jump", id: "jump", hidden: true, text: "↓ Back to live", onclick: () => this.toBottom(true) });
    this.meetingSummary = el("p", { class: "summary-meeting", id: "summary-meeting", text: "The summary appears after the first minutes." });
    this.sectionList = el("div", { id: "summary-sections" });
    this.momentList = el("ul", { class: "moments", id: "summary-moments" });
    const side = el("section", { class: "side" },
      el("h2", { text: "Meeting so far" }), this.meetingSummary,
      el("h2", { text: "Sections" }), this.sectionList,
      el("h2", { text: "Moments" }), this.momentList);
    const center = el("section", { class: "main-col" }, el("h2", { text: "Transcript" }), this.scroller, this.jump);
    main.append(bar, this.consent, this.warnings, this.banner, this.endNote, el("div", { class: "columns" }, center, side));
    // a line the settled transcript dropped stays in the list as an empty, hidden row (the
    // indexes of the others do not move)
    this.lines = new BlockList(this.scroller, (u) => {
      if (u.dropped) return el("div", { class: "dropped", "data-id": u.id, hidden: true });
      // a named speaker ("Speaker 2", "Priya") needs the wider column the meeting page uses
      if (u.speaker) this.scroller.classList.add("with-speakers");
      return el("div", { class: `line src-${u.source}${u.settled ? " settled" : ""}`, "data-id": u.id },
        timeCell(u),
        el("span", { class: "who", text: who(u), title: who(u) }),
        el("span", { class: "text", text: u.text }));
    });
    this.fit = fitToWindow(this.scroller);
    this.scroller.addEventListener("scroll", () => {
      this.follow = this.atBottom();
      this.jump.hidden = this.follow;
    }, { passive: true });
  }

  atBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 40;
  }

  toBottom(force) {
    if (force) this.follow = true;
    if (this.follow) this.scroller.scrollTop = this.scroller.scrollHeight;
    this.jump.hidden = this.follow;
  }

  receive(ev) {
    this.pending.push(ev);
    if (!this.frame) this.frame = requestAnimationFrame(() => this.flush());
  }

  flush() {
    this.frame = 0;
    const batch = this.pending;
    this.pending = [];
    const follow = this.follow;
    const top = this.scroller.getBoundingClientRect().top;
    // reading back: lines changed above the view must not move the text on screen
    const anchors = !follow && batch.some((ev) => RESHAPING.has(ev.type)) ? this.onScreen() : null;
    for (const ev of batch) this.apply(ev);
    if (anchors) this.keepInPlace(anchors);
    if (this.scroller.getBoundingClientRect().top !== top) this.fit();  // a banner moved it
    this.drawPartials();
    this.drawMeters();
    if (follow) this.toBottom(false);
    const now = Date.now();
    const lags = window.loopnoteStats.lags;
    for (const ev of batch) {
      if (ev.type === "utterance" || ev.type === "partial" || ev.type === "summary" || ev.type === "alert") {
        // from the session's event (what the user waits) and from the hand-over to the server
        lags.push({ type: ev.type, ms: now - ev.wall * 1000, web_ms: now - (ev.published ?? ev.wall) * 1000 });
      }
    }
  }

  apply(ev) {
    switch (ev.type) {
      case "session":
        this.started = ev.wall;
        this.meetingId = ev.meeting_id;
        // the consent line: the disclosure participants were given (the reminder's last part)
        this.consent.textContent = ev.consent ? `Consent: ${ev.consent.split("Disclosure line for the meeting chat:").pop().trim()}` : "";
        this.consent.title = ev.consent || "";
        for (const s of ev.sources) this.levels[s] = this.levels[s] || { dbfs: -120, health: "capturing" };
        break;
      case "partial":
        this.partials[ev.source] = ev.text;
        break;
      case "utterance":
        this.partials[ev.source] = "";
        // a "them" line shows its speaker's name once known; "you" stays You
        this.lineIndex.set(ev.id, this.lines.push({ ...ev, speaker_id: ev.speaker, speaker: ev.source === "system" ? ev.speaker_name : null }));
        this.redrawAsker();
        break;
      case "relabel":
        this.relabel((u) => u.id === ev.utterance_id, ev.speaker, ev.speaker_name);
        this.redrawAsker();
        break;
      case "split": {  // the voice changed inside a line: its parts, one speaker each, take its place
        const i = this.lineIndex.get(ev.utterance_id);
        if (i === undefined) break;
        const line = this.lines.items[i];  // a settled or dropped line's parts stay so
        const items = this.lines.items.slice();
        items.splice(i, 1, ...ev.parts.map((p) => ({ ...p, speaker_id: p.speaker, speaker: p.speaker_name, settled: line.settled, dropped: line.dropped })));
        this.lines.setItems(items);  // rare: a rebuild keeps the blocks' fixed size
        // the lines after it moved down: the id -> index map is rebuilt
        this.lineIndex = new Map(items.map((x, k) => [x.id, k]));
        this.redrawAsker();
        break;
      }
      case "speaker":
        this.relabel((u) => u.speaker_id === ev.id, ev.id, ev.name || speakerLabel(ev.id));
        this.redrawAsker();
        break;
      case "settled":  // the stretch decoded again: its lines as the meeting keeps them
        for (const u of ev.utterances) this.settle(u, u.replaces || [u.id]);
        this.redrawAsker();
        if (ev.total && !this.ended) {  // the pass at the meeting's end: the notes wait for it
          this.endNote.hidden = false;
          this.endNote.textContent = `Settling the transcript: ${ev.done}/${ev.total}`;
        }
        break;
      case "progress":  // a step at the meeting's end that the notes wait for
        if (!this.ended) {
          this.endNote.hidden = false;
          this.endNote.textContent = `${STEP_LABELS[ev.step] || ev.step}: ${ev.done}/${ev.total}`;
        }
        break;
      case "summary":
        this.summary(ev);
        break;
      case "alert":
        this.alert(ev);
        break;
      case "alert-card":  // the card of the alert shown, now complete: redraw it, quietly
        if (this.shown && this.shown.t === ev.t && !this.banner.hidden) this.alert(ev, true);
        break;
      case "warning":
        this.warnings.prepend(el("li", { class: "warning", text: `${ev.source ? `${WHO[ev.source]}: ` : ""}${ev.message}` }));
        while (this.warnings.children.length > 4) this.warnings.lastChild.remove();
        break;
      case "level":
        this.levels[ev.source] = { dbfs: ev.dbfs, health: ev.health };
        break;
      case "source":
        this.warnings.prepend(el("li", { class: "info", text: `${WHO[ev.source]} now from ${ev.device}` }));
        break;
      case "bookmark":
        this.lines.push({ id: `b${ev.t}`, source: "bookmark", start: ev.t, text: ev.note || "Bookmark", speaker: "★" });
        break;
      case "state":
        this.paused = ev.paused;
        this.drawState();
        break;
      case "end":
        this.ended = true;
        this.elapsed.textContent = clock(ev.duration);
        this.drawState();
        this.source.close();
        this.endNote.hidden = false;
        this.endNote.textContent = "The meeting has ended. ";
        if (this.meetingId) this.endNote.append(el("a", { href: `/meetings/${encodeURIComponent(this.meetingId)}`, "data-nav": true, id: "open-notes", text: "Open its notes →" }));
        document.getElementById("live-link").hidden = true;
        break;
    }
  }

  // The live lines a settled utterance replaces: the first shows its text, marked settled
  // (keeping its id and speaker, so later labels and names still apply); the others, or all
  // of them when the settled text is empty, leave the page as they leave the meeting's
  // transcript.
  settle(u, replaces) {
    const text = (u.text || "").trim();
    const at = replaces.map((id) => this.lineIndex.get(id)).filter((i) => i !== undefined).sort((a, b) => a - b);
    at.forEach((i, n) => {
      const live = this.lines.items[i];
      this.lines.replace(i, n === 0 && text
        ? { ...live, text, start: u.start, end: u.end, settled: true, dropped: false }
        : { ...live, dropped: true });
    });
  }

  // The lines in view with their position (a screenful of rows at most).
  onScreen() {
    const box = this.scroller.getBoundingClientRect();
    const out = [];
    for (const row of this.scroller.querySelectorAll(".blocks .line[data-index]")) {
      const r = row.getBoundingClientRect();
      if (r.bottom <= box.top) continue;
      if (r.top >= box.bottom) break;
      out.push({ index: Number(row.dataset.index), top: r.top });
    }
    return out;
  }

  // Scroll by as much as the first line still shown moved (lines above it changed height).
  keepInPlace(anchors) {
    for (const a of anchors) {
      const row = this.lines.element(a.index);
      if (!row || row.hidden) continue;
      const moved = row.getBoundingClientRect().top - a.top;
      if (moved) this.scroller.scrollTop += moved;
      return;
    }
  }

  // Lines whose speaker became known or changed name (the slow worker labels "them" lines).
  relabel(match, speakerId, name) {
    let changed = false;
    for (const u of this.lines.items) {
      if (u.source !== "system" || !match(u)) continue;
      u.speaker_id = speakerId;
      u.speaker = name || speakerLabel(speakerId);
      changed = true;
    }
    if (changed) this.lines.redraw();
  }

  summary(n) {
    if (n.level === "meeting") {
      this.meetingSummary.textContent = n.text;
    } else if (n.level === "section") {
      let p = this.sections.get(n.node_id);
      if (!p) {
        p = el("p", { class: "summary-section" });
        this.sections.set(n.node_id, p);
        this.sectionList.prepend(p);
      }
      p.textContent = "";
      p.append(el("span", { class: "time", text: clock(n.start) }), ` ${n.text}`);
    } else {
      let li = this.moments.get(n.node_id);
      if (!li) {
        li = el("li");
        this.moments.set(n.node_id, li);
        this.momentList.prepend(li);
        while (this.momentList.children.length > MAX_MOMENTS) {
          const last = this.momentList.lastChild;
          for (const [k, v] of this.moments) if (v === last) this.moments.delete(k);
          last.remove();
        }
      }
      li.textContent = "";
      li.append(el("span", { class: "time", text: clock(n.start) }), ` ${n.text}`);
    }
  }

  // Who asked: the label of the "them" line that said the user's name (the alert's line, or
  // the line whose time holds the name), as the page shows it now; else the card's own.
  askerOf(a) {
    const line = this.lines.items.findLast((u) => u.source === "system" &&
      (a.utterance_id ? u.id === a.utterance_id : u.start <= a.t && a.t <= u.end + ASKER_SLACK));
    return (line && line.speaker) || (a.card && a.card.asker) || "";
  }

  // The card on screen follows its asker's label as it arrives or changes, quietly.
  redrawAsker() {
    if (this.shown && !this.banner.hidden && this.askerOf(this.shown) !== this.shownAsker) this.alert(this.shown, true);
  }

  alert(a, update = false) {
    this.shown = a;
    this.banner.hidden = false;
    this.banner.textContent = "";
    const card = { ...(a.card || {}), asker: this.askerOf(a) };
    this.shownAsker = card.asker;
    const dismiss = el("button", { class: "small", text: "Dismiss", onclick: () => { this.banner.hidden = true; this.fit(); } });
    this.banner.append(
      el("div", { class: "alert-head" }, el("strong", { text: `Your name was said (${clock(a.t)}): ` }), `“${a.heard}”`, dismiss),
      el("div", { class: "card", id: "card" },
        card.addressed ? el("p", {}, el("strong", { text: card.asker ? `${card.asker} asked you: ` : "Asked: " }), card.addressed) : null,
        card.last_verbatim ? el("p", {}, el("strong", { text: "Last 30 s: " }), card.last_verbatim) : null,
        card.recent_brief ? el("p", {}, el("strong", { text: "Recently: " }), card.recent_brief) : null,
        card.meeting_so_far ? el("p", {}, el("strong", { text: "So far: " }), card.meeting_so_far) : null));
    if (!update && "Notification" in window && Notification.permission === "granted") {
      try {
        new Notification("loopnote: your name was said", { body: card.addressed || a.heard, tag: "loopnote-alert" });
      } catch (e) { /* some browsers only notify from a service worker */ }
    }
  }

  drawPartials() {
    this.partialBox.textContent = "";
    for (const [source, text] of Object.entries(this.partials)) {
      if (text) this.partialBox.append(el("div", { class: `line partial src-${source}` }, el("span", { class: "time", text: "" }), el("span", { class: "who", text: WHO[source] }), el("span", { class: "text", text })));
    }
  }

  drawMeters() {
    for (const [source, lv] of Object.entries(this.levels)) {
      let box = this.meters.querySelector(`[data-source="${source}"]`);
      if (!box) {
        box = el("div", { class: "meter", "data-source": source, id: `meter-${source}` },
          el("span", { class: "meter-label", text: WHO[source] }),
          el("span", { class: "meter-bar" }, el("span", { class: "meter-fill" })),
          el("span", { class: "meter-health" }));
        this.meters.append(box);
      }
      const frac = Math.max(0, Math.min(1, (lv.dbfs + 60) / 60));
      box.querySelector(".meter-fill").style.width = `${Math.round(frac * 100)}%`;
      box.querySelector(".meter-health").textContent = HEALTH[lv.health] ?? lv.health;
      box.dataset.health = lv.health;
    }
  }

  drawState() {
    if (this.ended) {
      this.rec.textContent = "■ Ended";
      this.rec.className = "rec ended";
      for (const b of [this.pauseBtn, this.markBtn, this.endBtn]) b.disabled = true;
    } else {
      this.rec.textContent = this.paused ? "❚❚ Paused" : "● REC";
      this.rec.className = this.paused ? "rec paused" : "rec";
      this.pauseBtn.textContent = this.paused ? "Resume" : "Pause";
    }
  }

  tick() {
    if (this.started && !this.ended) this.elapsed.textContent = clock(Date.now() / 1000 - this.started);
  }

  async togglePause() {
    await post(this.paused ? "/api/live/resume" : "/api/live/pause");
  }

  async bookmark() {
    await post("/api/live/bookmark", { note: "" });
  }

  async end() {
    if (!(await confirmDialog("End the meeting? Capture stops and the notes are written.", "End meeting"))) return;
    await post("/api/live/end");
  }

  async askNotify() {
    const p = await Notification.requestPermission();
    this.notifyBtn.hidden = p !== "default";
  }
}

function speakerLabel(id) {
  const m = /^s(\d+)$/.exec(id || "");
  return m ? `Speaker ${m[1]}` : id;
}
