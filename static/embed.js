/* bantin-audio embed: a "Nghe bài viết" player on a portal's own page, the player core
   (player.js) in a Shadow DOM shell (the page's styles stay out, ours stay in). No cookies, no
   third-party requests, nothing stored but the listening position, speed and auto-scroll.
   When the portal asks for it (data-bantin-doan), the reading is followed on its page: title,
   date and paragraphs it shows are matched to the timing map and marked as they are read,
   phrase by phrase. No autoplay, ever. */
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
    ".k input{flex:none;min-height:0;width:1.5rem;height:1.5rem;vertical-align:middle}" +
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
  function norm(s) {
    return (s || "").normalize("NFC").replace(/\s+/g, " ").replace(/[\s./]+$/, "").trim().toLowerCase();
  }
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
      '<p class="k" hidden><input type="checkbox" id="c"> <label for="c">Tự cuộn theo chỗ đang đọc</label></p>' +
      '<p class="v"></p><p class="sr" role="status"></p></section>';
    var q = function (s) { return root.querySelector(s); };
    var audio = d.createElement("audio"), btn = q(".p"), seek = q(".s input"), speed = q("select");
    var status = q(".sr"), gauge = q(".g"), facts = q(".f"), posKey = "bantin:vitri:" + data.id;
    var timings = [], pending = null, marks = {}, seen = [];
    audio.preload = "none";
    root.appendChild(audio);

    function say(t) { status.textContent = ""; setTimeout(function () { status.textContent = t; }, 50); }
    var P = bantinPlayer({
      audio: audio, seek: seek, clock: q(".t"), speed: speed, say: say, keys: q(".w"),
      follow: q(".k input"), pre: "bantin:", sayRate: 1, box: function (el) { return el; },
      cls: ["bantin-cum", "bantin-doan", "bantin-dang"],
      segs: function () { return seen; },
      focused: function () { return root.activeElement; },
      posKey: function () { return posKey; },
      label: function (t) { btn.textContent = t; },
      /* The portal's page keeps its own styles: the marks are set on the marked elements. */
      paint: function (el, phrase, on) {
        var st = el.style;
        if (phrase) {
          st.background = on ? "#ffe98a" : ""; st.color = on ? "#1b1b1b" : "";
          st.textDecoration = on ? "underline .125rem" : ""; st.textUnderlineOffset = on ? ".2em" : "";
        } else { st.outline = on ? ".1875rem solid #0b5394" : ""; st.outlineOffset = on ? ".125rem" : ""; }
      }
    });
    /* The portal's element showing a timing map entry: its title, date, lead, a paragraph. */
    function find(t, box) {
      var all = function (sel, from) { return Array.prototype.slice.call((from || d).querySelectorAll(sel)); };
      if (t.kind === "title") {
        return all("h1,h2,[itemprop=headline]").filter(function (e) { return norm(e.textContent) === norm(t.text); })[0];
      }
      if (t.kind === "date") {
        var m = /(\d{1,2})\/(\d{1,2})\/(\d{4})/.exec(t.text), re, el;
        if (!m) return null;
        re = new RegExp("(^|\\D)0?" + m[1] + "[/.-]0?" + m[2] + "[/.-]" + m[3] + "(\\D|$)");
        el = all("time,[itemprop=datePublished],span,p,div").filter(function (e) {
          return e.textContent.length < 80 && re.test(e.textContent);
        })[0];
        while (el) {
          var c = Array.prototype.filter.call(el.children, function (x) { return re.test(x.textContent); })[0];
          if (!c) break;
          el = c;
        }
        return el;
      }
      var same = function (e) { return norm(e.textContent) === norm(t.text); };
      if (t.kind !== "lead") return all("p", box).filter(same)[0];
      var lead = all("p,div,strong,b,em,span").filter(same)[0];  /* the lead, as shown */
      while (lead && lead.children.length === 1 && same(lead.children[0])) lead = lead.children[0];
      return lead;
    }
    function follow() {
      var sel = opts.paragraphs, box = null;
      if (sel == null) return;
      try { box = sel && d.querySelector(sel); } catch (e) { box = null; }
      box = box || opts.body || bodyOf();
      if (!box) return;
      timings.forEach(function (t) {
        if (marks[t.index]) return;
        var el = find(t, box), at = el ? el.textContent.indexOf(t.text) : -1;
        if (!el) return;
        marks[t.index] = el;
        el.setAttribute("data-start", t.start_ms); el.setAttribute("data-end", t.end_ms);
        if (at >= 0 && t.phrases && t.phrases.length > 1) {
          el.setAttribute("data-ph", t.phrases.map(function (p) { return [p.start_ms, p.end_ms, p.from + at, p.to + at].join(","); }).join(";"));
          P.wrap(el);
        }
        seen.push(el);
        if (t.kind === "title" || t.kind === "date") return;
        var span = d.createElement("span"), r = span.attachShadow({ mode: "open" });
        style(r, BTN);
        r.innerHTML = '<button type="button">Nghe từ đoạn này</button>';
        r.querySelector("button").addEventListener("click", function () { P.jump(t.start_ms / 1000); if (audio.paused) P.toggle(); });
        el.appendChild(span);
      });
      seen.sort(function (a, b) { return a.getAttribute("data-start") - b.getAttribute("data-start"); });
      q(".k").hidden = !seen.length;
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
        P.known = mp3.duration_s;
        facts.textContent = "· " + (x.duration_text || P.words(mp3.duration_s)) + " · ";
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
          var at = parseFloat(P.get(posKey));
          if (at > 3) audio.currentTime = at;
        }
      }
      q(".v").innerHTML = (x.voice && x.voice.length ? "Giọng đọc máy: " + esc(x.voice.join(", ")) + ". " : "Giọng đọc máy. ") +
        '<a href="' + esc(x.page_url) + '">Đọc bài trên Bản tin nghe</a>';
      P.renderTime(); follow(); P.highlight();
      // Until the first paragraph plays, ask often (for 10 s at most); then once a second.
      if (busy || (mp3 && !mp3.complete)) setTimeout(function () {
        ask(x.id ? "id=" + x.id : "url=" + encodeURIComponent(opts.url), 1).then(function (y) { if (y) update(y); else host.hidden = true; });
      }, mp3 || ++polls > 40 ? 1000 : 250);
    }

    q(".c").addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (b) P.act(b.getAttribute("data-a"));
    });
    audio.addEventListener("ended", function () {
      if (pending) { var t = audio.currentTime; audio.src = pending; pending = null; audio.currentTime = t; P.toggle(); }
      else P.put(posKey, "0");
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
