/* Bulletin compose page: reorder without reloading (focus stays on the moved item's button,
   the result is announced once), and follow a build's progress. Forms work without it. */
(function () {
  "use strict";
  var doc = document, status = doc.getElementById("thong-bao");
  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function json(resp) {
    return resp.json().then(function (d) { return { ok: resp.ok, data: d }; });
  }
  function refresh() {
    return fetch(window.location.pathname, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        ["muc-ban-tin", "trang-thai", "xem-truoc", "duyet"].forEach(function (id) {
          var old = doc.getElementById(id), neu = fresh.getElementById(id);
          if (id === "xem-truoc" || id === "duyet") {
            old = old && old.closest("section");
            neu = neu && neu.closest("section");
          }
          if (old && neu) old.replaceWith(doc.importNode(neu, true));
        });
      });
  }
  doc.addEventListener("submit", function (ev) {
    var form = ev.target, move = form.getAttribute("data-move");
    if (!move) return;
    ev.preventDefault();
    var art = form.getAttribute("data-article");
    fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                         headers: { Accept: "application/json" } })
      .then(json)
      .then(function (res) {
        return refresh().then(function () {
          var mine = 'form[data-article="' + art + '"]', target;
          if (move !== "bo") {
            target = doc.querySelector(mine + '[data-move="' + move + '"] button:not([disabled])') ||
              doc.querySelector(mine + " button:not([disabled])");
          }
          (target || doc.getElementById("danh-sach")).focus();
          say(res.data.message || "Đã có lỗi, vui lòng tải lại trang");
        });
      })
      .catch(function () { say("Không gửi được, vui lòng thử lại"); });
  });
  var info = doc.getElementById("tien-do-dung");
  var url = info && info.getAttribute("data-poll");
  if (!url) return;
  function poll() {
    fetch(url, { credentials: "same-origin" }).then(json).then(function (res) {
      if (!res.ok) return;
      info.textContent = res.data.text;
      if (res.data.busy) { window.setTimeout(poll, 2000); return; }
      doc.getElementById("da-dung").hidden = res.data.status !== "done";
      say(res.data.text);  /* the editor asked for this build: tell them once it ends */
    });
  }
  window.setTimeout(poll, 1500);
})();
