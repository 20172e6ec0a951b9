/* bantin-audio: the news in a row. One player plays the listed articles one after another,
   with headset and lock-screen controls (Media Session: next/previous track). Without this
   script the page keeps the native player and a plain MP3 link per article. */
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var audio = doc.getElementById("ds-am-thanh"), ui = doc.getElementById("ds-trinh-phat");
  var status = doc.getElementById("thong-bao");
  if (!audio || !ui || !audio.canPlayType) return;
  var items = Array.prototype.slice.call(doc.querySelectorAll("#danh-sach li[data-src]"));
  var playBtn = ui.querySelector("[data-act=play]"), now = doc.getElementById("dang-phat");
  var clock = doc.getElementById("thoi-gian"), at = 0;
  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function title(i) { return items[i].querySelector("h2").textContent; }
  function clockText(s) {
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h ? h + ":" + ("0" + m).slice(-2) : m) + ":" + ("0" + (s % 60)).slice(-2);
  }
  function renderTime() {
    clock.textContent = clockText(Math.floor(audio.currentTime)) + " / " +
      clockText(+items[at].getAttribute("data-ms") / 1000);
  }
  function metadata() {
    if (!("mediaSession" in navigator) || !window.MediaMetadata) return;
    navigator.mediaSession.metadata = new window.MediaMetadata({
      title: title(at), artist: items[at].getAttribute("data-artist"), album: "Bản tin nghe",
      artwork: [{ src: "/static/podcast.png", sizes: "1400x1400", type: "image/png" }]
    });
  }
  /* Take article i into the player; the list marks it, the lock screen names it. */
  function load(i, play) {
    items[at].removeAttribute("aria-current"); items[at].classList.remove("now");
    at = i;
    items[at].setAttribute("aria-current", "true"); items[at].classList.add("now");
    audio.src = items[at].getAttribute("data-src");
    audio.setAttribute("aria-label", "Âm thanh bài " + (at + 1) + ": " + title(at));
    now.textContent = "Bài " + (at + 1) + "/" + items.length + ": " + title(at);
    renderTime(); metadata();
    if (play) start();
  }
  function start() {
    var p = audio.play();
    if (p && p.catch) p.catch(function (e) {
      if (e && e.name === "NotAllowedError") say("Bấm Phát để nghe");
      else if (!e || e.name !== "AbortError") say("Không phát được âm thanh");
    });
  }
  function toggle() { if (audio.paused) start(); else audio.pause(); }
  function jump(s) {
    var d = +items[at].getAttribute("data-ms") / 1000;
    audio.currentTime = Math.max(0, Math.min(s, Math.max(0, d - 0.25))); renderTime();
  }
  /* Previous: back to the start of this article when it has played a while, as players do. */
  function move(dir, told) {
    if (dir < 0 && audio.currentTime > 3) { jump(0); if (told) say("Về đầu bài " + (at + 1)); return; }
    var i = at + dir;
    if (i < 0 || i >= items.length) { if (told) say(dir > 0 ? "Đây là bài cuối" : "Đây là bài đầu"); return; }
    load(i, !audio.paused);
    if (told) say("Bài " + (i + 1) + ": " + title(i));
  }
  function act(a) {
    if (a === "play") { var was = !audio.paused; toggle(); say(was ? "Đã tạm dừng" : "Đang phát"); }
    else if (a === "back" || a === "fwd") {
      jump(audio.currentTime + (a === "back" ? -10 : 10));
      say("Vị trí " + clockText(audio.currentTime));
    } else if (a === "prev") move(-1, true);
    else if (a === "next") move(1, true);
  }

  audio.removeAttribute("controls");
  root.classList.remove("fallback");
  root.classList.add("ready");
  load(0, false);
  ui.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (b && b.getAttribute("data-act")) act(b.getAttribute("data-act"));
  });
  doc.getElementById("danh-sach").addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-item]");
    if (!b) return;
    load(+b.getAttribute("data-item"), true);
    say("Bài " + (at + 1) + ": " + title(at));
  });
  doc.addEventListener("keydown", function (ev) {
    var t = ev.target, keys = { k: "play", j: "back", l: "fwd", p: "prev", n: "next" };
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.shiftKey || ev.defaultPrevented) return;
    if (t.isContentEditable || /^(TEXTAREA|SELECT)$/.test(t.tagName) ||
        (t.tagName === "INPUT" && !/^(range|checkbox|radio|button|submit|reset)$/.test(t.type))) return;
    var a = keys[ev.key.toLowerCase()];
    if (a) { act(a); ev.preventDefault(); }
  });
  audio.addEventListener("play", function () { playBtn.textContent = "Tạm dừng"; });
  audio.addEventListener("pause", function () { playBtn.textContent = "Phát"; });
  audio.addEventListener("timeupdate", renderTime);
  /* One article ends, the next one begins; the listener asked for the row by pressing Play. */
  audio.addEventListener("ended", function () {
    if (at + 1 < items.length) load(at + 1, true);
    else { playBtn.textContent = "Phát"; say("Đã nghe hết danh sách"); }
  });
  audio.addEventListener("error", function () { if (audio.src) say("Không tải được âm thanh"); });
  if ("mediaSession" in navigator) {
    var ms = navigator.mediaSession, handlers = {
      play: start, pause: function () { audio.pause(); },
      previoustrack: function () { move(-1, false); }, nexttrack: function () { move(1, false); },
      seekbackward: function () { jump(audio.currentTime - 10); },
      seekforward: function () { jump(audio.currentTime + 10); },
      seekto: function (d) { jump(d.seekTime); }
    };
    Object.keys(handlers).forEach(function (k) {
      try { ms.setActionHandler(k, handlers[k]); } catch (e) { /* an action this browser lacks */ }
    });
  }
})();
