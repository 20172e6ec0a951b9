/* bantin-audio reader: the synchronized player (text size and contrast are in early.js).
   Enhances server-rendered HTML; everything works without it. No autoplay, ever. */
(function () {
  "use strict";
  var doc = document, store = window.localStorage;
  var status = doc.getElementById("thong-bao");
  function get(k) { try { return store.getItem(k); } catch (e) { return null; } }
  function put(k, v) { try { store.setItem(k, v); } catch (e) { /* private mode */ } }
  function say(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function num(n) { return String(n).replace(".", ","); }
  /* News the listener did not ask for (synthesis progress, audio ready) waits while audio
     plays, so it never talks over the article; it is said when playback pauses. */
  var held = null, audioEl = doc.getElementById("am-thanh");
  function tell(text) {
    if (audioEl && !audioEl.paused) held = text; else say(text);
  }

  /* ---- player ---- */
  var audio = doc.getElementById("am-thanh"), ui = doc.getElementById("trinh-phat");
  if (!audio || !ui || !audio.canPlayType) return;
  var playBtn = ui.querySelector("[data-act=play]"), seek = doc.getElementById("vi-tri");
  var bar = doc.getElementById("thanh-nho"), dismissed = false, mainSeen = true;
  var speed = doc.getElementById("toc-do"), clock = doc.getElementById("thoi-gian");
  var slug = audio.getAttribute("data-slug"), posKey = "vitri:" + slug;
  var complete = audio.getAttribute("data-complete") === "1";
  var knownDuration = (+audio.getAttribute("data-duration") || 0) / 1000, pendingSrc = null, current = null;

  /* The segments with audio (title and date included), in reading order; rebuilt when the
     timing map changes. Each one's phrases are wrapped in spans from its data-ph map. */
  var list = null;
  function segs() {
    if (!list) list = Array.prototype.slice.call(doc.querySelectorAll("[data-start]"));
    return list;
  }
  function wrap(el) {
    var box = el.tagName === "DIV" ? el.querySelector("p") : el, data = el.getAttribute("data-ph");
    if (!box || !data || box.querySelector(".ph")) return;
    var text = box.textContent, at = 0, out = doc.createDocumentFragment();
    var parts = data.split(";").map(function (p) { return p.split(",").map(Number); });
    /* Phrases in order, each with its own words: anything else is followed as a whole. */
    var ok = parts.every(function (p) {
      var good = p.length === 4 && p[2] >= at && p[3] > p[2] && p[3] <= text.length;
      at = p[3]; return good;
    });
    if (!ok) return;
    at = 0;
    parts.forEach(function (p) {
      if (p[2] > at) out.appendChild(doc.createTextNode(text.slice(at, p[2])));
      var sp = doc.createElement("span");
      sp.className = "ph"; sp.setAttribute("data-s", p[0]); sp.setAttribute("data-e", p[1]);
      sp.textContent = text.slice(p[2], p[3]); out.appendChild(sp); at = p[3];
    });
    if (at < text.length) out.appendChild(doc.createTextNode(text.slice(at)));
    box.textContent = ""; box.appendChild(out);
  }
  /* The same words and rounding as the server's format_duration: one duration everywhere. */
  function words(s) {
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60, r = s % 60, out = [];
    if (h) out.push(h + " giờ");
    if (m) out.push(m + " phút");
    if (r || !out.length) out.push(r + " giây");
    return out.join(" ");
  }
  function clockText(s) {
    s = Math.max(0, Math.round(s));
    var h = Math.floor(s / 3600), m = Math.floor(s / 60) % 60;
    return (h ? h + ":" + ("0" + m).slice(-2) : m) + ":" + ("0" + (s % 60)).slice(-2);
  }
  /* The timing map's duration is the one the page states; the decoder's own figure (which
     can differ by a frame) only stands in while the map is not known. */
  function duration() {
    if (knownDuration > 0) return knownDuration;
    var d = audio.duration;
    return isFinite(d) && d > 0 ? d : 0;
  }
  function renderTime(force) {
    var t = audio.currentTime, d = duration();
    clock.textContent = clockText(Math.floor(t)) + " / " + clockText(d);
    /* A focused slider whose value moves is read aloud by screen readers every second:
       while it has focus during playback, only the listener's own moves update it. */
    if (force !== true && doc.activeElement === seek && !audio.paused) return;
    seek.max = String(Math.round(d));
    if (!seek.matches(":active")) seek.value = String(Math.floor(t));
    seek.setAttribute("aria-valuetext", words(t) + " trên " + words(d));
  }
  /* The segment being read carries aria-current and an outline; inside it, the phrase being
     read is marked. Moves of the reading never move focus and are never announced. */
  var phrase = null, follow = doc.getElementById("tu-cuon"), autoKey = "tucuon";
  function highlight() {
    var ms = audio.currentTime * 1000, found = null, ph = null;
    if (!ms && audio.paused) ms = -1;  /* nothing is being read before listening starts */
    segs().forEach(function (el) {
      if (ms >= +el.getAttribute("data-start") && ms < +el.getAttribute("data-end") + 400) found = el;
    });
    if (found) Array.prototype.forEach.call(found.querySelectorAll(".ph"), function (p) {
      if (ms >= +p.getAttribute("data-s") - 30) ph = p;
    });
    if (ph !== phrase) {
      if (phrase) phrase.classList.remove("on");
      if (ph) ph.classList.add("on");
      phrase = ph;
      if (ph) scrollTo(ph);
    }
    if (found === current) return;
    if (current) { current.classList.remove("now"); current.removeAttribute("aria-current"); }
    if (found) { found.classList.add("now"); found.setAttribute("aria-current", "true"); if (!ph) scrollTo(found); }
    current = found;
    if (bar) {
      var n = found ? label(+found.getAttribute("data-start") / 1000) : "";
      doc.getElementById("doan-nho").textContent = n ? "Đang đọc " + n : "";
      var rep = doc.getElementById("bao-nho");  /* "Báo đọc sai" for what is being read */
      rep.hidden = !found;
      if (found) rep.href = rep.href.replace(/doan=\d+/, "doan=" + found.getAttribute("data-i"));
    }
  }
  /* Auto-scroll, when the listener turned it on: what is being read is kept in view. */
  var autoAt = 0;
  function scrollTo(el) {
    if (!follow || !follow.checked || audio.paused) return;
    var r = el.getBoundingClientRect(), h = window.innerHeight - (bar && !bar.hidden ? bar.offsetHeight : 0);
    if (r.top >= 8 && r.bottom <= h - 8) return;
    autoAt = Date.now();
    el.scrollIntoView({ block: "center", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }
  function byHand() {
    if (!follow || !follow.checked || audio.paused) return;
    follow.checked = false; say("Đã tắt tự cuộn");
  }
  if (follow) {
    follow.checked = get(autoKey) === "1";
    follow.addEventListener("change", function () {
      put(autoKey, follow.checked ? "1" : "0");
      if (follow.checked && (phrase || current)) scrollTo(phrase || current);
    });
    window.addEventListener("wheel", byHand, { passive: true });
    window.addEventListener("touchmove", byHand, { passive: true });
    doc.addEventListener("keydown", function (ev) {
      if (/^(PageUp|PageDown|Home|End|ArrowUp|ArrowDown| )$/.test(ev.key) && !ev.target.closest("button,input,select,textarea,summary,audio")) byHand();
    });
    doc.addEventListener("mousedown", function (ev) {
      if (ev.target === root && ev.clientX >= root.clientWidth) byHand();  /* the scroll bar */
    });
  }
  var ticking = false;
  function tick() {
    highlight();
    if (audio.paused) ticking = false; else window.requestAnimationFrame(tick);
  }
  function startsList() {
    return segs().map(function (el) { return +el.getAttribute("data-start") / 1000; })
      .sort(function (a, b) { return a - b; });
  }
  function jump(to) {
    audio.currentTime = Math.max(0, Math.min(to, Math.max(0, duration() - 0.25)));
    renderTime(true); highlight();
  }
  function paragraph(dir) {
    var t = audio.currentTime, list = startsList(), target = null, i;
    if (dir > 0) { for (i = 0; i < list.length; i++) if (list[i] > t + 0.5) { target = list[i]; break; } }
    else { for (i = list.length - 1; i >= 0; i--) if (list[i] < t - 2) { target = list[i]; break; } }
    if (target === null) target = dir > 0 ? t : 0;
    jump(target);
  }
  function toggle() {
    if (audio.paused) {
      var p = audio.play();
      if (p && p.catch) p.catch(function (e) {
        if (e && e.name === "NotAllowedError") say("Bấm Phát để nghe bài này");  /* no autoplay */
        else if (!e || e.name !== "AbortError") say("Không phát được âm thanh");  /* not a pause */
      });
    } else { audio.pause(); }
  }
  function setSpeed(v, announce) {
    v = Math.min(2, Math.max(0.75, v));
    audio.playbackRate = v; audio.defaultPlaybackRate = v;
    speed.value = String(v); put("tocdo", String(v));
    if (bar) bar.querySelector("[data-act=speed]").textContent = "Tốc độ " + num(v) + "×";
    if (announce) say("Tốc độ " + num(v) + "×");
  }
  function step(dir) {
    var opts = Array.prototype.map.call(speed.options, function (o) { return +o.value; });
    var i = opts.indexOf(+speed.value) + dir;
    if (i >= 0 && i < opts.length) setSpeed(opts[i], true);
  }

  /* Take over whatever the native player was doing (when early.js did not run, the listener
     may have started it): playing, position and speed stay as they were, labels tell the truth. */
  var root = doc.documentElement, used = !audio.paused || audio.currentTime > 0;
  var nativeRate = audio.playbackRate;
  audio.removeAttribute("controls");
  root.classList.remove("fallback");
  root.classList.add("js", "ready");  /* now the custom player replaces the native one */
  var savedSpeed = parseFloat(get("tocdo"));
  if (nativeRate !== 1 && nativeRate >= 0.75 && nativeRate <= 2) setSpeed(nativeRate, false);
  else if (savedSpeed >= 0.75 && savedSpeed <= 2) setSpeed(savedSpeed, false);
  var resumeAt = parseFloat(get(posKey));
  if (!used && resumeAt > 3) {
    audio.currentTime = resumeAt; knownDuration = Math.max(knownDuration, resumeAt);
    var note = "Tiếp tục từ " + words(resumeAt) + ".";
    doc.getElementById("tiep-tuc-chu").textContent = note;
    root.classList.add("resume");
    tell(note);
  } else root.classList.remove("resume");
  if (!audio.paused) playLabel("Tạm dừng");
  segs().forEach(wrap);
  renderTime(); highlight();
  if (root.getAttribute("data-play") && audio.paused) { root.removeAttribute("data-play"); toggle(); }

  function label(t) {
    var el = segs().filter(function (e) { return Math.abs(e.getAttribute("data-start") / 1000 - t) < 0.05; })[0];
    var name = el && el.querySelector(".sr-only");
    return name ? name.textContent.replace(/[()]/g, "").trim() : (el && el.getAttribute("data-name")) || "";
  }
  function restart() {
    root.classList.remove("resume"); put(posKey, "0");
    jump(0); playBtn.focus();
    if (audio.paused) toggle();
    say("Nghe từ đầu");
  }
  /* Buttons and keys share these actions; each says its result in a few words. */
  function act(a) {
    if (a === "play") { var was = !audio.paused; toggle(); say(was ? "Đã tạm dừng" : "Đang phát"); }
    else if (a === "back" || a === "fwd") {
      jump(audio.currentTime + (a === "back" ? -10 : 10));
      say("Vị trí " + words(audio.currentTime));
    } else if (a === "prev" || a === "next") {
      paragraph(a === "prev" ? -1 : 1);
      var n = label(audio.currentTime);
      say(n ? n.charAt(0).toUpperCase() + n.slice(1) : "Vị trí " + words(audio.currentTime));
    } else if (a === "restart") restart();
    else if (a === "speed") { if (+speed.value >= 2) setSpeed(0.75, true); else step(1); }
    else if (a === "close") {
      var f = current && current.querySelector(".from-here");
      dismissed = true; (f || playBtn).focus(); showBar(); say("Đã đóng thanh phát thu gọn");
    }
  }
  function playLabel(t) {
    playBtn.textContent = t;
    if (bar) bar.querySelector("[data-act=play]").textContent = t;
  }
  /* The compact bar: at hand once the main player has scrolled away and the listener has
     started listening; gone when the main player is back in view or when dismissed. The page
     keeps room below its content and above the bar, so no focused element hides behind it. */
  function showBar() {
    if (!bar) return;
    var on = !mainSeen && !dismissed && (!audio.paused || audio.currentTime > 0);
    if (on === !bar.hidden) return;
    if (!on && bar.contains(doc.activeElement)) playBtn.focus();
    bar.hidden = !on;
    root.style.setProperty("--bar", on ? bar.offsetHeight + 8 + "px" : "0px");
  }
  if (bar && window.IntersectionObserver) {
    new window.IntersectionObserver(function (list) {
      mainSeen = list[list.length - 1].isIntersecting;
      if (mainSeen) dismissed = false;
      showBar();
    }).observe(ui);
    bar.addEventListener("click", function (ev) {
      var b = ev.target.closest("button");
      if (b && b.getAttribute("data-act")) act(b.getAttribute("data-act"));
    });
    doc.addEventListener("focusin", function (ev) {
      if (bar.hidden || bar.contains(ev.target) || !ev.target.getBoundingClientRect) return;
      var r = ev.target.getBoundingClientRect(), top = bar.getBoundingClientRect().top;
      if (r.bottom > top - 4) window.scrollBy(0, r.bottom - top + 12);
    });
  }
  ui.addEventListener("click", function (ev) {
    var b = ev.target.closest("button");
    if (b && b.getAttribute("data-act")) act(b.getAttribute("data-act"));
  });
  /* The shortcuts work wherever the listener is on the page, except while typing (a text
     field, a list box) or with a modifier held, so browser and screen-reader keys stay theirs. */
  function typing(t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT") return true;
    return t.tagName === "INPUT" && !/^(range|checkbox|radio|button|submit|reset)$/.test(t.type);
  }
  doc.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.shiftKey || ev.defaultPrevented) return;
    if (typing(ev.target) || ui.hidden) return;
    var k = ev.key.toLowerCase(), done = true, keys = { k: "play", j: "back", l: "fwd", p: "prev", n: "next" };
    if (keys[k]) act(keys[k]);
    else if (k === "[") step(-1);
    else if (k === "]") step(1);
    else done = false;
    if (done) ev.preventDefault();
  });
  /* "Bỏ qua, đến trình phát" lands on the Play button itself. */
  doc.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[href='#nghe-bai']");
    if (!a || ui.hidden) return;
    ev.preventDefault();
    playBtn.focus();
  });
  seek.addEventListener("input", function () { jump(+seek.value); });
  speed.addEventListener("change", function () { setSpeed(+speed.value, false); });
  /* A click on a sentence plays from its start (a selection being made is left alone). */
  doc.addEventListener("click", function (ev) {
    var p = ev.target.closest && ev.target.closest(".ph"), sel = window.getSelection();
    if (!p || ui.hidden || (sel && !sel.isCollapsed)) return;
    jump(+p.getAttribute("data-s") / 1000);
    if (audio.paused) toggle();
  });
  doc.addEventListener("click", function (ev) {
    var b = ev.target.closest && ev.target.closest(".from-here");
    if (!b) return;
    var el = doc.getElementById("d" + b.getAttribute("data-from"));
    if (!el || !el.hasAttribute("data-start")) { say("Đoạn này chưa có âm thanh"); return; }
    jump(+el.getAttribute("data-start") / 1000);
    if (audio.paused) toggle();
  });

  var lastSave = 0;
  audio.addEventListener("timeupdate", function () {
    renderTime(); highlight();
    var now = Date.now();
    if (now - lastSave > 3000) { lastSave = now; put(posKey, String(audio.currentTime)); }
  });
  audio.addEventListener("loadedmetadata", function () { renderTime(); });
  audio.addEventListener("durationchange", function () { renderTime(); });
  audio.addEventListener("play", function () {
    playLabel("Tạm dừng"); showBar();
    if (!ticking) { ticking = true; window.requestAnimationFrame(tick); }
    if (audio.currentTime > 0.5 && doc.activeElement !== ui.querySelector("[data-act=restart]")) {
      root.classList.remove("resume");  /* resumed: the note has served */
    }
  });
  audio.addEventListener("pause", function () {
    playLabel("Phát"); put(posKey, String(audio.currentTime)); renderTime(true);
    /* What waited is said once the pause has been confirmed, unless playback resumed. */
    if (held) window.setTimeout(function () { if (held && audio.paused) { say(held); held = null; lastTold = Date.now(); } }, 1500);
  });
  audio.addEventListener("ended", function () {
    if (pendingSrc) { swap(pendingSrc, true); return; }
    playLabel("Phát");
    if (complete) { put(posKey, "0"); onward(); }
  });

  /* "Nghe tiếp": when the listener turned it on, the end of a finished article leads to the
     next one after a few seconds, said aloud and cancellable; the next page starts playing. */
  var onBox = doc.getElementById("nghe-tiep"), nextA = doc.getElementById("bai-tiep");
  var soon = doc.getElementById("sap-chuyen"), leaving = 0;
  function stay(told) {
    if (!leaving) return;
    window.clearTimeout(leaving); leaving = 0; soon.hidden = true;
    if (told) say("Ở lại bài này");
  }
  function onward() {
    if (!onBox || !onBox.checked || !nextA) return;
    var t = "Hết bài. Sau 5 giây sẽ phát bài tiếp theo: " + nextA.textContent;
    doc.getElementById("sap-chuyen-chu").textContent = t; soon.hidden = false; say(t);
    leaving = window.setTimeout(function () {
      try { window.sessionStorage.setItem("nghetiep", "1"); } catch (e) { /* private mode */ }
      window.location.href = nextA.href;
    }, 5000);
  }
  if (onBox) {
    onBox.checked = get("nghetiep") === "1";
    onBox.addEventListener("change", function () {
      put("nghetiep", onBox.checked ? "1" : "0");
      if (!onBox.checked) stay(false);
      say(onBox.checked ? "Đã bật nghe tiếp" : "Đã tắt nghe tiếp");
    });
    soon.querySelector("button").addEventListener("click", function () { stay(true); });
    audio.addEventListener("play", function () { stay(false); });
  }
  try {
    if (window.sessionStorage.getItem("nghetiep")) {
      window.sessionStorage.removeItem("nghetiep");
      if (audio.paused) toggle();
    }
  } catch (e) { /* private mode */ }
  audio.addEventListener("error", function () { say("Không tải được âm thanh"); });

  if ("mediaSession" in navigator) {
    var ms = navigator.mediaSession;
    try {
      ms.metadata = new window.MediaMetadata({
        title: audio.getAttribute("data-title"), artist: audio.getAttribute("data-artist"),
        album: "Bản tin nghe"
      });
      ms.setActionHandler("play", toggle);
      ms.setActionHandler("pause", toggle);
      ms.setActionHandler("seekbackward", function () { jump(audio.currentTime - 10); });
      ms.setActionHandler("seekforward", function () { jump(audio.currentTime + 10); });
      ms.setActionHandler("previoustrack", function () { paragraph(-1); });
      ms.setActionHandler("nexttrack", function () { paragraph(1); });
      ms.setActionHandler("seekto", function (d) { jump(d.seekTime); });
    } catch (e) { /* older browsers lack some actions */ }
  }

  /* ---- while the article is still being synthesized ---- */
  function swap(src, resume) {
    var at = audio.currentTime, wasPlaying = !audio.paused || resume;
    pendingSrc = null;
    while (audio.firstChild) audio.removeChild(audio.firstChild);
    audio.src = src;
    audio.currentTime = at;
    ui.hidden = false;
    if (wasPlaying) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); }
  }
  function applyTimings(list) {
    list.forEach(function (t) {
      var el = doc.getElementById("d" + t.index);
      if (!el) return;
      el.setAttribute("data-start", t.start_ms);
      el.setAttribute("data-end", t.end_ms);
      var ph = (t.phrases || []).map(function (p) { return [p.start_ms, p.end_ms, p.from, p.to].join(","); });
      var box = el.tagName === "DIV" ? el.querySelector("p") : el;
      if (ph.length > 1 && box && box.textContent === t.text && !box.querySelector(".ph")) { el.setAttribute("data-ph", ph.join(";")); wrap(el); }
    });
    list = null;
  }
  function poll() {
    var x = new XMLHttpRequest();
    x.open("GET", audio.getAttribute("data-timings"));
    x.responseType = "json";
    x.onload = function () {
      var d = x.response;
      if (!d || x.status !== 200) return later();
      var info = doc.getElementById("tien-do"), api = new XMLHttpRequest();
      if (d.audio && !heard) { heard = true; if (!hadAudio) tell("Đã có âm thanh, có thể nghe phần đầu"); }
      if (d.audio) {
        var src = "/am-thanh/" + d.audio, have = audio.currentSrc || audio.src || "";
        if (have.indexOf(d.audio) < 0) {
          applyTimings(d.timings);
          knownDuration = d.duration_ms / 1000;
          if (!have || audio.paused) swap(src, false); else pendingSrc = src;
          renderTime();
        }
      }
      api.open("GET", audio.getAttribute("data-api"));
      api.responseType = "json";
      api.onload = function () {
        var a = api.response, j = a && a.job;
        if (info && j) {
          info.textContent = j.status === "failed" ? "Chưa tạo được âm thanh cho bài này. Hệ thống sẽ thử lại; ban biên tập xem chi tiết lỗi trong trang quản trị."
            : (j.status === "done" ? "Đã tạo xong âm thanh."
              : "Đang tạo âm thanh: " + j.done + "/" + j.total + " đoạn. Có thể nghe ngay phần đã xong.");
          var now = Date.now();
          if (j.status === "running" && j.done !== lastDone && now - lastTold >= 8000) {
            lastTold = now; lastDone = j.done;
            tell("Đang tạo âm thanh: " + j.done + " trên " + j.total + " đoạn");
          } else if (j.status === "failed") tell(info.textContent);
        }
        var facts = doc.getElementById("thong-so"), mp3 = a && a.renditions.filter(function (r) {
          return r.kind === "mp3";
        })[0];
        if (facts && mp3) {
          var mb = num(Math.max(0.1, mp3.bytes / 1e6).toFixed(1)) + " MB";
          facts.textContent = mp3.complete ? "Thời lượng " + words(mp3.duration_s) + ", tệp MP3 " + mb + "."
            : "Đã có " + words(mp3.duration_s) + " âm thanh (" + mb + ").";
        }
        var chua = doc.getElementById("chua-co");
        if (chua && d.audio) chua.hidden = true;
        if (j && ((j.status === "done" && d.complete) || j.status === "failed")) {
          complete = !!d.complete;
          if (complete) { downloads(a); tell("Đã tạo xong âm thanh. Tệp tải về đã có bên dưới trình phát"); }
        } else later();
      };
      api.send();
    };
    x.onerror = later;
    x.send();
  }
  function later() { window.setTimeout(poll, 3000); }
  var heard = false, hadAudio = !ui.hidden, lastTold = Date.now(), lastDone = -1;
  /* When synthesis completes, the downloads appear as the server would have listed them. */
  function downloads(a) {
    if (doc.getElementById("tai-ve")) return;
    var list = doc.createElement("ul"), kinds = { mp3: "Tải MP3", broadcast: "Tải bản phát thanh MP3 128 kbps" };
    list.className = "downloads"; list.id = "tai-ve";
    function item(text, href, dl) {
      var li = doc.createElement("li"), link = doc.createElement("a");
      link.href = href; link.textContent = text;
      if (dl) link.setAttribute("download", "");
      li.appendChild(link); list.appendChild(li);
    }
    ["mp3", "broadcast"].forEach(function (k) {
      var r = a.renditions.filter(function (x) { return x.kind === k; })[0];
      if (r) item(kinds[k] + " (" + num(Math.max(0.1, r.bytes / 1e6).toFixed(1)) + " MB)", r.url + "?tai=1", true);
    });
    item("Phụ đề WebVTT", a.captions_url, false);
    var after = doc.getElementById("chua-co") || ui;
    after.parentNode.insertBefore(list, after.nextSibling);
    /* "Lưu để nghe khi không có mạng", as the finished page has it, with its script. */
    var mp3 = a.renditions.filter(function (x) { return x.kind === "mp3"; })[0];
    var js = audio.getAttribute("data-luu");
    if (!mp3 || !js || doc.getElementById("luu")) return;
    var p = doc.createElement("p"), b = doc.createElement("button"), s = doc.createElement("script");
    p.className = "offline player-only"; p.id = "luu";
    b.type = "button"; b.setAttribute("data-slug", slug); b.setAttribute("data-bytes", mp3.bytes);
    b.setAttribute("data-title", audio.getAttribute("data-title"));
    b.textContent = "Lưu để nghe khi không có mạng (" + num(Math.max(0.1, mp3.bytes / 1e6).toFixed(1)) + " MB)";
    p.appendChild(b);
    p.insertAdjacentHTML("beforeend", ' <span id="luu-tt"></span> <a href="/da-luu">Các bài đã lưu</a>');
    list.parentNode.insertBefore(p, list.nextSibling);
    s.src = js; doc.head.appendChild(s);
  }
  if (!complete) later();
})();
