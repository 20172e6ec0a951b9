/* bantin-audio embed: a "Nghe bài viết" player on a portal's own page.
   Shadow DOM (the page's styles stay out, ours stay in), no cookies, no third-party requests,
   nothing stored but the listening position. No autoplay, ever. */
(function () {
  "use strict";
  var d = document, me = d.currentScript;
  if (!me || !window.fetch || !d.head.attachShadow) return;
  var base = me.src.replace(/\/(static\/)?nhung\.js(\?.*)?$/, "");
  var CSS = ":host{all:initial;display:block;font-size:inherit}" +
    ".w{box-sizing:border-box;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1b1b1b;background:#fff;border:.125rem solid #6b6b6b;border-radius:.5rem;padding:.5em .75em;margin:.5em 0;line-height:1.5;max-width:40em;letter-spacing:normal;word-spacing:normal;text-transform:none;text-align:left;text-indent:0;font-style:normal;white-space:normal}" +
    "p{margin:.25em 0}.h{font-weight:700}a{color:#0645ad;display:inline-block;min-height:1.5rem}" +
    ".c,.s{display:flex;flex-wrap:wrap;gap:.375em;align-items:center;margin:.375em 0}" +
    "button,select{font:inherit;color:#1b1b1b;background:#f2f2f2;min-height:2.75rem;min-width:2.75rem;padding:.25em .75em;border:.125rem solid #6b6b6b;border-radius:.375rem;cursor:pointer}" +
    ".p{min-width:6.5em;font-weight:700}input{flex:1 1 9em;min-height:2.75rem;margin:0;accent-color:#0b5394}" +
    ".t{font-variant-numeric:tabular-nums}.v{font-size:.9em;color:#4a4a4a}label{font-weight:600}" +
    ":focus-visible{outline:.1875rem solid #0b5394;outline-offset:.125rem}[hidden]{display:none!important}" +
    ".sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}" +
    "@media (forced-colors:active){.w,button,select{border-color:CanvasText}}";
  var BTN = ":host{all:initial;display:inline}button{font:inherit;font-size:.85em;color:#1b1b1b;background:#f2f2f2;min-height:2rem;min-width:2.75rem;margin:0 .25em;padding:.125em .5em;border:.125rem solid #6b6b6b;border-radius:.375rem;cursor:pointer}:focus-visible{outline:.1875rem solid #0b5394;outline-offset:.125rem}";

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"]/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c];
    });
  }
  function style(root, css) {
    try { var sh = new CSSStyleSheet(); sh.replaceSync(css); root.adoptedStyleSheets = [sh]; }
    catch (e) { var el = d.createElement("style"); el.textContent = css; root.appendChild(el); }
  }
  function words(s) {
    s = Math.max(0, Math.round(s));
    var m = Math.floor(s / 60), r = s % 60, out = [];
    if (m) out.push(m + " phút");
    if (r || !m) out.push(r + " giây");
    return out.join(" ");
  }
  function clock(s) { s = Math.max(0, Math.floor(s)); return Math.floor(s / 60) + ":" + ("0" + s % 60).slice(-2); }
  function norm(s) {
    return (s || "").normalize("NFC").replace(/\s+/g, " ").replace(/[\s./]+$/, "").trim().toLowerCase();
  }
  function get(k) { try { return localStorage.getItem(k); } catch (e) { return null; } }
  function put(k, v) { try { localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  function ask(q, fresh) {
    // A poll while the audio is being made skips the browser cache (busy answers may be cached 1 s).
    return fetch(base + "/api/lookup?" + q, { credentials: "omit", mode: "cors", cache: fresh ? "no-store" : "default" }).then(function (r) {
      return r.status === 200 || r.status === 202 ? r.json() : null;
    });
  }
  function bodyOf() {
    return d.querySelector("[itemprop=articleBody],.bantin-noidung,.ms-rtestate-field,article,.bantin-chitiet");
  }

  function player(host, data, opts) {
    var root = host.shadowRoot || host.attachShadow({ mode: "open" });
    style(root, CSS);
    root.innerHTML = '<section class="w" aria-label="Nghe bài viết' + (data.headline ? ": " + esc(data.headline) : "") + '">' +
      '<p class="h">Nghe bài viết <span class="f"></span></p><p class="g" hidden></p>' +
      '<div class="c"><button type="button" class="p" data-a="play" disabled>Phát</button>' +
      '<button type="button" data-a="back">Lùi 10 giây</button><button type="button" data-a="fwd">Tới 10 giây</button>' +
      '<button type="button" data-a="prev">Đoạn trước</button><button type="button" data-a="next">Đoạn sau</button>' +
      '<label>Tốc độ <select>' + [0.75, 1, 1.25, 1.5, 1.75, 2].map(function (v) {
        return "<option value=" + v + (v === 1 ? " selected" : "") + ">" + String(v).replace(".", ",") + "×</option>";
      }).join("") + "</select></label></div>" +
      '<div class="s"><input type="range" min="0" max="0" value="0" step="1" aria-label="Vị trí"><span class="t">0:00 / 0:00</span></div>' +
      '<p class="v"></p><p class="sr" role="status"></p></section>';
    var q = function (s) { return root.querySelector(s); };
    var audio = d.createElement("audio"), btn = q(".p"), seek = q("input"), speed = q("select");
    var status = q(".sr"), gauge = q(".g"), facts = q(".f"), posKey = "bantin:vitri:" + data.id;
    var timings = [], pending = null, marked = null, marks = {};
    audio.preload = "none";
    root.appendChild(audio);

    function say(t) { status.textContent = ""; setTimeout(function () { status.textContent = t; }, 50); }
    function dur() { var x = audio.duration; return isFinite(x) && x > 0 ? x : (data.dur || 0); }
    function show(force) {
      var t = audio.currentTime, x = dur();
      q(".t").textContent = clock(t) + " / " + clock(x);
      if (force !== true && root.activeElement === seek && !audio.paused) return;
      seek.max = String(Math.ceil(x));
      seek.value = String(Math.floor(t));
      seek.setAttribute("aria-valuetext", words(t) + " trên " + words(x));
    }
    function starts() {
      return timings.filter(function (t) { return t.kind !== "title"; }).map(function (t) { return t.start_ms / 1000; });
    }
    function jump(to) { audio.currentTime = Math.max(0, Math.min(to, Math.max(0, dur() - 0.25))); show(true); mark(); }
    function para(dir) {
      var t = audio.currentTime, list = starts(), i, to = null;
      if (dir > 0) { for (i = 0; i < list.length; i++) if (list[i] > t + 0.5) { to = list[i]; break; } }
      else { for (i = list.length - 1; i >= 0; i--) if (list[i] < t - 2) { to = list[i]; break; } }
      jump(to === null ? (dir > 0 ? t : 0) : to);
    }
    function toggle() {
      if (!audio.src) return;
      if (audio.paused) { var p = audio.play(); if (p && p.catch) p.catch(function (e) { if (!e || e.name !== "AbortError") say("Không phát được âm thanh"); }); }
      else audio.pause();
    }
    function mark() {
      var ms = audio.currentTime * 1000, hit = null;
      timings.forEach(function (t) { if (marks[t.index] && ms >= t.start_ms && ms < t.end_ms + 400) hit = marks[t.index]; });
      if (hit === marked) return;
      if (marked) { marked.removeAttribute("aria-current"); marked.style.outline = ""; }
      if (hit) { hit.setAttribute("aria-current", "true"); hit.style.outline = ".1875rem solid #0b5394"; hit.style.outlineOffset = ".125rem"; }
      marked = hit;
    }
    function fromHere() {
      var sel = opts.paragraphs, box = null;
      if (sel == null) return;
      try { box = sel && d.querySelector(sel); } catch (e) { box = null; }
      box = box || opts.body || bodyOf();
      if (!box) return;
      var ours = {};
      timings.forEach(function (t) { if (t.kind !== "title") ours[norm(t.text)] = t; });
      Array.prototype.forEach.call(box.querySelectorAll("p"), function (p) {
        var t = ours[norm(p.textContent)];
        if (!t || marks[t.index]) return;
        marks[t.index] = p;
        var span = d.createElement("span"), r = span.attachShadow({ mode: "open" });
        style(r, BTN);
        r.innerHTML = '<button type="button">Nghe từ đoạn này</button>';
        r.querySelector("button").addEventListener("click", function () { jump(t.start_ms / 1000); if (audio.paused) toggle(); });
        p.appendChild(span);
      });
    }
    var polls = 0;
    function update(x) {
      data = x;
      posKey = "bantin:vitri:" + x.id;
      if (x.headline) q(".w").setAttribute("aria-label", "Nghe bài viết: " + x.headline);
      var mp3 = null;
      (x.renditions || []).forEach(function (r) { if (r.kind === "mp3") mp3 = r; });
      timings = x.timings || [];
      var done = x.progress ? x.progress.done : 0, total = x.progress ? x.progress.total : 0;
      var busy = x.status === "queued" || x.status === "running";
      gauge.hidden = !busy;
      gauge.textContent = busy ? "Đang chuẩn bị âm thanh: " + done + "/" + total + " đoạn" : "";
      if (mp3) {
        data.dur = mp3.duration_s;
        facts.textContent = "· " + (x.duration_text || words(mp3.duration_s)) + " · ";
        var a = d.createElement("a");
        a.href = mp3.url + (mp3.url.indexOf("?") < 0 ? "?" : "&") + "tai=1";
        a.textContent = "Tải MP3 (" + (x.size_text || "") + ")";
        a.setAttribute("download", "");
        facts.appendChild(a);
        if (!audio.src) audio.src = mp3.url;
        else if (audio.src !== mp3.url) pending = mp3.url;
        btn.disabled = false;
        if (!opts.resumed) {
          opts.resumed = 1;
          var at = parseFloat(get(posKey));
          if (at > 3) audio.currentTime = at;
        }
      }
      q(".v").innerHTML = (x.voice && x.voice.length ? "Giọng đọc máy: " + esc(x.voice.join(", ")) + ". " : "Giọng đọc máy. ") +
        '<a href="' + esc(x.page_url) + '">Đọc bài trên Bản tin nghe</a>';
      show(); fromHere();
      // Until the first paragraph plays, ask often (for 10 s at most); then once a second.
      if (busy || (mp3 && !mp3.complete)) setTimeout(function () {
        ask(x.id ? "id=" + x.id : "url=" + encodeURIComponent(opts.url), 1).then(function (y) { if (y) update(y); else host.hidden = true; });
      }, mp3 || ++polls > 40 ? 1000 : 250);
    }

    root.querySelector(".c").addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (!b) return;
      var a = b.getAttribute("data-a");
      if (a === "play") toggle();
      else if (a === "back") jump(audio.currentTime - 10);
      else if (a === "fwd") jump(audio.currentTime + 10);
      else if (a === "prev") para(-1);
      else if (a === "next") para(1);
    });
    q(".w").addEventListener("keydown", function (ev) {
      if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.target === speed) return;
      var k = ev.key.toLowerCase(), done = true;
      if (k === "k") { var was = !audio.paused; toggle(); if (was) say("Đã tạm dừng"); }
      else if (k === "j") jump(audio.currentTime - 10);
      else if (k === "l") jump(audio.currentTime + 10);
      else done = false;
      if (done) ev.preventDefault();
    });
    seek.addEventListener("input", function () { jump(+seek.value); });
    speed.addEventListener("change", function () {
      audio.playbackRate = audio.defaultPlaybackRate = +speed.value;
      say("Tốc độ " + speed.value.replace(".", ",") + "×");
    });
    var saved = 0;
    audio.addEventListener("timeupdate", function () {
      show(); mark();
      if (Date.now() - saved > 3000) { saved = Date.now(); put(posKey, String(audio.currentTime)); }
    });
    audio.addEventListener("durationchange", show);
    audio.addEventListener("play", function () { btn.textContent = "Tạm dừng"; });
    audio.addEventListener("pause", function () { btn.textContent = "Phát"; put(posKey, String(audio.currentTime)); show(true); });
    audio.addEventListener("ended", function () {
      if (pending) { var t = audio.currentTime; audio.src = pending; pending = null; audio.currentTime = t; toggle(); }
      else put(posKey, "0");
    });
    update(data);
  }

  function start(el, data, opts) {
    if (el.shadowRoot) return;
    if (data) { player(el, data, opts); return; }
    var canon = d.querySelector("link[rel=canonical]");
    var url = el.getAttribute("data-bantin-url") || (canon && canon.href) || location.href.split("#")[0];
    opts.url = url;
    if (opts.reserve) { el.style.display = "block"; el.style.minHeight = "10em"; }
    ask("url=" + encodeURIComponent(url)).then(function (x) {
      el.style.minHeight = "";
      if (!x) { el.hidden = true; return; }
      if (!el.parentNode) opts.body.parentNode.insertBefore(el, opts.body);
      player(el, x, opts);
    }, function () { el.style.minHeight = ""; el.hidden = true; });
  }

  function attr(el) { return el.hasAttribute("data-bantin-doan") ? el.getAttribute("data-bantin-doan") : null; }
  function run() {
    var els = d.querySelectorAll("[data-bantin]"), inline = d.getElementById("bantin-du-lieu");
    if (!els.length) {
      var body = bodyOf();
      if (body) start(d.createElement("div"), null, { body: body, paragraphs: attr(me) });
      return;
    }
    Array.prototype.forEach.call(els, function (el) {
      var data = inline && el.hasAttribute("data-bantin-id") ? JSON.parse(inline.textContent) : null;
      start(el, data, { reserve: !data, paragraphs: attr(el) });
    });
  }
  if (d.readyState === "loading") d.addEventListener("DOMContentLoaded", run); else run();
})();
