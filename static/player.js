/* bantin-audio player core, one player for two shells: the reader page (reader.js, served as
   site.js) and the portal embed (embed.js, served as nhung.js) are each served as this file
   followed by the shell, in one function scope. The core plays, pauses, seeks, sets the speed,
   answers the keys, says briefly what each action did, holds back news while audio plays,
   and follows the reading with the timing map: the segment being read (title and date
   included) carries aria-current, the phrase being read inside it is marked, and when the
   listener asked for it the reading is kept in view. No autoplay, ever.

   o: audio, seek (range input), clock (text of the time), speed (select), say(text),
   segs() (the elements read, each with data-start, data-end and, when its phrases are known,
   data-ph "start,end,from,to;..." over the text of box(el)), focused() (the focused element),
   optional follow (checkbox), paint(el, phrase, on) (marks beyond the classes), moved(seg, phrase),
   label(text) (the play buttons' text), posKey() (where the position is kept), pre (a prefix
   of the settings' storage keys), cls (the class names of phrase, segment and phrase read). */
function bantinPlayer(o) {
  "use strict";
  var doc = document, audio = o.audio, P = { known: 0, current: null, phrase: null, held: null };
  var pre = o.pre || "", cls = o.cls || ["ph", "now", "on"], PH = "." + cls[0];
  function get(k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } }
  function put(k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* private mode */ } }
  function num(n) { return String(n).replace(".", ","); }
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
  /* News the listener did not ask for waits while audio plays, so it never talks over the
     article; it is said once a pause has lasted. */
  function tell(text) { if (!audio.paused) P.held = text; else o.say(text); }
  var box = o.box || function (el) { return el.tagName === "DIV" ? el.querySelector("p") : el; };
  /* Wraps each phrase of a segment in a span from its data-ph map; a map that does not fit
     the words leaves the segment followed as a whole. Only plain text is wrapped. */
  function wrap(el) {
    var b = box(el), data = el.getAttribute("data-ph");
    if (!b || !data || b.children.length) return;
    var text = b.textContent, at = 0, out = doc.createDocumentFragment();
    var parts = data.split(";").map(function (p) { return p.split(",").map(Number); });
    var ok = parts.every(function (p) {
      var good = p.length === 4 && p[2] >= at && p[3] > p[2] && p[3] <= text.length;
      at = p[3]; return good;
    });
    if (!ok) return;
    at = 0;
    parts.forEach(function (p) {
      if (p[2] > at) out.appendChild(doc.createTextNode(text.slice(at, p[2])));
      var sp = doc.createElement("span");
      sp.className = cls[0]; sp.setAttribute("data-s", p[0]); sp.setAttribute("data-e", p[1]);
      sp.textContent = text.slice(p[2], p[3]); out.appendChild(sp); at = p[3];
    });
    if (at < text.length) out.appendChild(doc.createTextNode(text.slice(at)));
    b.textContent = ""; b.appendChild(out);
  }
  /* The timing map's duration is the one the page states; the decoder's own figure (which
     can differ by a frame) only stands in while the map is not known. */
  function duration() {
    if (P.known > 0) return P.known;
    var d = audio.duration;
    return isFinite(d) && d > 0 ? d : 0;
  }
  function renderTime(force) {
    var t = audio.currentTime, d = duration(), seek = o.seek;
    o.clock.textContent = clockText(Math.floor(t)) + " / " + clockText(d);
    /* A focused slider whose value moves is read aloud by screen readers every second:
       while it has focus during playback, only the listener's own moves update it. */
    if (force !== true && o.focused() === seek && !audio.paused) return;
    seek.max = String(Math.round(d));
    if (!seek.matches(":active")) seek.value = String(Math.floor(t));
    seek.setAttribute("aria-valuetext", words(t) + " trên " + words(d));
  }
  function mark(el, c, on) {
    if (on) el.classList.add(c); else el.classList.remove(c);
    if (o.paint) o.paint(el, c === cls[2], on);
  }
  /* The segment being read carries aria-current and an outline; inside it, the phrase being
     read is marked. Moves of the reading never move focus and are never announced. */
  function highlight() {
    var ms = audio.currentTime * 1000, found = null, ph = null;
    if (!ms && audio.paused) ms = -1;  /* nothing is being read before listening starts */
    o.segs().forEach(function (el) {
      if (ms >= +el.getAttribute("data-start") && ms < +el.getAttribute("data-end") + 400) found = el;
    });
    if (found) Array.prototype.forEach.call(found.querySelectorAll(PH), function (p) {
      if (ms >= +p.getAttribute("data-s") - 30) ph = p;
    });
    var moved = false;
    if (ph !== P.phrase) {
      if (P.phrase) mark(P.phrase, cls[2], false);
      if (ph) mark(ph, cls[2], true);
      P.phrase = ph; moved = true;
      if (ph) scrollTo(ph);
    }
    if (found !== P.current) {
      if (P.current) { mark(P.current, cls[1], false); P.current.removeAttribute("aria-current"); }
      if (found) { mark(found, cls[1], true); found.setAttribute("aria-current", "true"); if (!ph) scrollTo(found); }
      P.current = found; moved = true;
    }
    if (moved && o.moved) o.moved(found, ph);
  }
  /* Auto-scroll, when the listener turned it on: what is being read is kept in view. */
  var follow = o.follow;
  function scrollTo(el) {
    if (!follow || !follow.checked || audio.paused) return;
    var r = el.getBoundingClientRect(), h = window.innerHeight - (o.below ? o.below() : 0);
    if (r.top >= 8 && r.bottom <= h - 8) return;
    el.scrollIntoView({ block: "center", behavior: matchMedia("(prefers-reduced-motion: reduce)").matches ? "auto" : "smooth" });
  }
  function byHand() {
    if (!follow || !follow.checked || audio.paused) return;
    follow.checked = false; o.say("Đã tắt tự cuộn");
  }
  if (follow) {
    follow.checked = get(pre + "tucuon") === "1";
    follow.addEventListener("change", function () {
      put(pre + "tucuon", follow.checked ? "1" : "0");
      if (follow.checked && (P.phrase || P.current)) scrollTo(P.phrase || P.current);
    });
    window.addEventListener("wheel", byHand, { passive: true });
    window.addEventListener("touchmove", byHand, { passive: true });
    doc.addEventListener("keydown", function (ev) {
      if (/^(PageUp|PageDown|Home|End|ArrowUp|ArrowDown| )$/.test(ev.key) && !ev.composedPath()[0].closest("button,input,select,textarea,summary,audio")) byHand();
    });
    doc.addEventListener("mousedown", function (ev) {
      var root = doc.documentElement;
      if (ev.target === root && ev.clientX >= root.clientWidth) byHand();  /* the scroll bar */
    });
  }
  var ticking = false;
  function tick() {
    highlight();
    if (audio.paused) ticking = false; else window.requestAnimationFrame(tick);
  }
  function startsList() {
    return o.segs().map(function (el) { return +el.getAttribute("data-start") / 1000; })
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
    if (!audio.currentSrc && !audio.src && !audio.querySelector("source")) return;
    if (audio.paused) {
      var p = audio.play();
      if (p && p.catch) p.catch(function (e) {
        if (e && e.name === "NotAllowedError") o.say("Bấm Phát để nghe bài này");  /* no autoplay */
        else if (!e || e.name !== "AbortError") o.say("Không phát được âm thanh");  /* not a pause */
      });
    } else { audio.pause(); }
  }
  function setSpeed(v, announce) {
    v = Math.min(2, Math.max(0.75, v));
    audio.playbackRate = v; audio.defaultPlaybackRate = v;
    o.speed.value = String(v); put(pre + "tocdo", String(v));
    if (o.speedShown) o.speedShown(v);
    if (announce) o.say("Tốc độ " + num(v) + "×");
  }
  function step(dir) {
    var opts = Array.prototype.map.call(o.speed.options, function (x) { return +x.value; });
    var i = opts.indexOf(+o.speed.value) + dir;
    if (i >= 0 && i < opts.length) setSpeed(opts[i], true);
  }
  /* The name of the segment starting at t: its hidden label, else its data-name. */
  function label(t) {
    var el = o.segs().filter(function (e) { return Math.abs(e.getAttribute("data-start") / 1000 - t) < 0.05; })[0];
    var name = el && el.querySelector(".sr-only");
    return name ? name.textContent.replace(/[()]/g, "").trim() : (el && el.getAttribute("data-name")) || "";
  }
  /* Buttons and keys share these actions; each says its result in a few words. */
  function act(a) {
    if (a === "play") { var was = !audio.paused; toggle(); o.say(was ? "Đã tạm dừng" : "Đang phát"); }
    else if (a === "back" || a === "fwd") {
      jump(audio.currentTime + (a === "back" ? -10 : 10));
      o.say("Vị trí " + words(audio.currentTime));
    } else if (a === "prev" || a === "next") {
      paragraph(a === "prev" ? -1 : 1);
      var n = label(audio.currentTime);
      o.say(n ? n.charAt(0).toUpperCase() + n.slice(1) : "Vị trí " + words(audio.currentTime));
    } else if (a === "speed") { if (+o.speed.value >= 2) setSpeed(0.75, true); else step(1); }
    else return false;
    return true;
  }
  /* The shortcuts (K, J, L, P, N, [ and ]) work wherever `keys` listens, except while typing
     (a text field, a list box) or with a modifier held, so browser and screen-reader keys
     stay theirs. */
  function typing(t) {
    if (!t || !t.tagName) return false;
    if (t.isContentEditable || t.tagName === "TEXTAREA" || t.tagName === "SELECT") return true;
    return t.tagName === "INPUT" && !/^(range|checkbox|radio|button|submit|reset)$/.test(t.type);
  }
  o.keys.addEventListener("keydown", function (ev) {
    if (ev.ctrlKey || ev.altKey || ev.metaKey || ev.shiftKey || ev.defaultPrevented) return;
    if (typing(ev.composedPath()[0]) || (o.off && o.off())) return;
    var k = ev.key.toLowerCase(), done = true, keys = { k: "play", j: "back", l: "fwd", p: "prev", n: "next" };
    if (keys[k]) act(keys[k]);
    else if (k === "[") step(-1);
    else if (k === "]") step(1);
    else done = false;
    if (done) ev.preventDefault();
  });
  o.seek.addEventListener("input", function () { jump(+o.seek.value); });
  o.speed.addEventListener("change", function () { setSpeed(+o.speed.value, !!o.sayRate); });
  var lastSave = 0;
  audio.addEventListener("timeupdate", function () {
    renderTime(); highlight();
    var now = Date.now();
    if (now - lastSave > 3000) { lastSave = now; put(o.posKey(), String(audio.currentTime)); }
  });
  audio.addEventListener("loadedmetadata", function () { renderTime(); });
  audio.addEventListener("durationchange", function () { renderTime(); });
  audio.addEventListener("play", function () {
    o.label("Tạm dừng");
    if (!ticking) { ticking = true; window.requestAnimationFrame(tick); }
  });
  audio.addEventListener("pause", function () {
    o.label("Phát"); put(o.posKey(), String(audio.currentTime)); renderTime(true);
    /* What waited is said once the pause has been confirmed, unless playback resumed. */
    if (P.held) window.setTimeout(function () { if (P.held && audio.paused) { o.say(P.held); P.held = null; if (o.told) o.told(); } }, 1500);
  });
  P.get = get; P.put = put; P.num = num; P.words = words; P.tell = tell; P.wrap = wrap;
  P.duration = duration; P.renderTime = renderTime; P.highlight = highlight; P.jump = jump;
  P.paragraph = paragraph; P.toggle = toggle; P.setSpeed = setSpeed; P.step = step;
  P.label = label; P.act = act;
  return P;
}
