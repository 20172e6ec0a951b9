/* Loaded in <head> so it runs before the first paint: the listener's text size and contrast
   apply at once (no jump after the page appears), and the display buttons work even when the
   player script has not arrived yet on a slow link. */
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  var SIZES = [75, 87.5, 100, 112.5, 125, 150, 175, 200, 250];
  function get(k) { try { return window.localStorage.getItem(k); } catch (e) { return null; } }
  function put(k, v) { try { window.localStorage.setItem(k, v); } catch (e) { /* private */ } }
  function size() { var v = parseFloat(get("cochu")); return SIZES.indexOf(v) >= 0 ? v : 100; }
  function apply(p) { root.style.fontSize = p === 100 ? "" : p + "%"; }
  function say(text) {
    var status = doc.getElementById("thong-bao");
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  root.className += " js";
  apply(size());
  if (get("tuongphan") === "1") root.className += " hc";
  /* A saved position makes room for the "Tiếp tục từ …" note before the first paint. */
  var slug = /^\/bai\/([^/]+)$/.exec(window.location.pathname);
  try { if (slug && parseFloat(get("vitri:" + decodeURIComponent(slug[1]))) > 3) root.className += " resume"; }
  catch (e) { /* a malformed address */ }
  doc.addEventListener("DOMContentLoaded", function () {
    var hc = doc.querySelector("[data-contrast]");
    if (hc) hc.setAttribute("aria-pressed", root.classList.contains("hc") ? "true" : "false");
  });
  /* The custom player shows from the first paint; if its script never arrives (a dropped
     link), the native player comes back once the page has loaded. A Play pressed before the
     script is there is kept and honoured when it arrives. */
  window.addEventListener("load", function () {
    if (!root.classList.contains("ready")) root.className += " fallback";
  });
  doc.addEventListener("click", function (ev) {
    var q = ev.target.closest && ev.target.closest("#trinh-phat [data-act=play]");
    if (q && !root.classList.contains("ready")) { root.setAttribute("data-play", "1"); return; }
    var c = ev.target.closest && ev.target.closest("[data-copy]");
    if (c) {
      var field = doc.getElementById(c.getAttribute("data-copy"));
      field.select();
      var done = function () { say("Đã sao chép địa chỉ"); };
      if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () {
        say("Hãy bấm giữ vào ô địa chỉ để sao chép");
      });
      else { try { doc.execCommand("copy"); done(); } catch (e) { /* selected: copy by hand */ } }
      return;
    }
    var b = ev.target.closest && ev.target.closest(".display button");
    if (!b) return;
    if (b.hasAttribute("data-contrast")) {
      var on = root.classList.toggle("hc");
      b.setAttribute("aria-pressed", on ? "true" : "false");
      put("tuongphan", on ? "1" : "0");
      return;
    }
    var i = SIZES.indexOf(size()), act = b.getAttribute("data-font");
    if (act === "up") i = Math.min(SIZES.length - 1, i + 1);
    else if (act === "down") i = Math.max(0, i - 1);
    else i = SIZES.indexOf(100);
    apply(SIZES[i]);
    put("cochu", String(SIZES[i]));
    say("Cỡ chữ " + String(SIZES[i]).replace(".", ",") + "%");
  });
})();
