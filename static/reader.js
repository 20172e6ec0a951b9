/* bantin-audio reader: the synchronized player (text size and contrast are in early.js).
   Enhances server-rendered HTML; everything works without it. No autoplay, ever. */
(function () {
  "use strict";
  var doc = document, status = doc.getElementById("thong-bao");
  function say(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }

  /* ---- player: the core (player.js) in the reader page's shell ---- */
  var audio = doc.getElementById("am-thanh"), ui = doc.getElementById("trinh-phat");
  if (!audio || !ui || !audio.canPlayType) return;
  var playBtn = ui.querySelector("[data-act=play]"), seek = doc.getElementById("vi-tri");
  var bar = doc.getElementById("thanh-nho"), dismissed = false, mainSeen = true;
  var speed = doc.getElementById("toc-do"), clock = doc.getElementById("thoi-gian");
  var slug = audio.getAttribute("data-slug"), posKey = "vitri:" + slug;
  var complete = audio.getAttribute("data-complete") === "1", pendingSrc = null;

  /* The segments with audio (title and date included), in reading order; rebuilt when the
     timing map changes. */
  var list = null;
  function segs() {
    if (!list) list = Array.prototype.slice.call(doc.querySelectorAll("[data-start]"));
    return list;
  }
  var root = doc.documentElement;
  var P = bantinPlayer({
    audio: audio, seek: seek, clock: clock, speed: speed, say: say, segs: segs, keys: doc,
    follow: doc.getElementById("tu-cuon"), posKey: function () { return posKey; },
    focused: function () { return doc.activeElement; },
    off: function () { return ui.hidden; },
    below: function () { return bar && !bar.hidden ? bar.offsetHeight : 0; },
    label: function (t) { playLabel(t); },
    speedShown: function (v) {
      if (bar) bar.querySelector("[data-act=speed]").textContent = "Tốc độ " + num(v) + "×";
    },
    told: function () { lastTold = Date.now(); },
    moved: function (found) {
      if (!bar) return;
      var n = found ? P.label(+found.getAttribute("data-start") / 1000) : "";
      doc.getElementById("doan-nho").textContent = n ? "Đang đọc " + n : "";
      var rep = doc.getElementById("bao-nho");  /* "Báo đọc sai" for what is being read */
      rep.hidden = !found;
      if (found) rep.href = rep.href.replace(/doan=\d+/, "doan=" + found.getAttribute("data-i"));
    }
  });
  var words = P.words, renderTime = P.renderTime, highlight = P.highlight, jump = P.jump;
  var toggle = P.toggle, setSpeed = P.setSpeed, tell = P.tell, wrap = P.wrap;
  var get = P.get, put = P.put, num = P.num;
  P.known = (+audio.getAttribute("data-duration") || 0) / 1000;

  /* Take over whatever the native player was doing (when early.js did not run, the listener
     may have started it): playing, position and speed stay as they were, labels tell the truth. */
  var used = !audio.paused || audio.currentTime > 0;
  var nativeRate = audio.playbackRate;
  audio.removeAttribute("controls");
  root.classList.remove("fallback");
  root.classList.add("js", "ready");  /* now the custom player replaces the native one */
  var savedSpeed = parseFloat(get("tocdo"));
  if (nativeRate !== 1 && nativeRate >= 0.75 && nativeRate <= 2) setSpeed(nativeRate, false);
  else if (savedSpeed >= 0.75 && savedSpeed <= 2) setSpeed(savedSpeed, false);
  var resumeAt = parseFloat(get(posKey));
  if (!used && resumeAt > 3) {
    audio.currentTime = resumeAt; P.known = Math.max(P.known, resumeAt);
    var note = "Tiếp tục từ " + words(resumeAt) + ".";
    doc.getElementById("tiep-tuc-chu").textContent = note;
    root.classList.add("resume");
    tell(note);
  } else root.classList.remove("resume");
  if (!audio.paused) playLabel("Tạm dừng");
  segs().forEach(wrap);
  renderTime(); highlight();
  if (root.getAttribute("data-play") && audio.paused) { root.removeAttribute("data-play"); toggle(); }

  function restart() {
    root.classList.remove("resume"); put(posKey, "0");
    jump(0); playBtn.focus();
    if (audio.paused) toggle();
    say("Nghe từ đầu");
  }
  /* The core's actions, and the page's own: start over, close the compact bar. */
  function act(a) {
    if (P.act(a)) return;
    if (a === "restart") restart();
    else if (a === "close") {
      var f = P.current && P.current.querySelector(".from-here");
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
  /* "Bỏ qua, đến trình phát" lands on the Play button itself. */
  doc.addEventListener("click", function (ev) {
    var a = ev.target.closest && ev.target.closest("a[href='#nghe-bai']");
    if (!a || ui.hidden) return;
    ev.preventDefault();
    playBtn.focus();
  });
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

  audio.addEventListener("play", function () {
    showBar();
    if (audio.currentTime > 0.5 && doc.activeElement !== ui.querySelector("[data-act=restart]")) {
      root.classList.remove("resume");  /* resumed: the note has served */
    }
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
      ms.setActionHandler("previoustrack", function () { P.paragraph(-1); });
      ms.setActionHandler("nexttrack", function () { P.paragraph(1); });
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
  function applyTimings(rows) {
    rows.forEach(function (t) {
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
          P.known = d.duration_ms / 1000;
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
