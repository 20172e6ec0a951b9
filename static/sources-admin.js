/* Sources admin: copy an embed snippet, and say so once (the editor asked for it). */
(function () {
  "use strict";
  var status = document.getElementById("thong-bao");
  function say(text) {
    if (!status) return;
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  document.addEventListener("click", function (ev) {
    var btn = ev.target.closest ? ev.target.closest("[data-copy]") : null;
    if (!btn) return;
    var box = document.getElementById(btn.getAttribute("data-copy"));
    if (!box) return;
    function fallback() {
      box.focus();
      box.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      say(ok ? "Đã sao chép mã nhúng" : "Chưa sao chép được: hãy chọn mã rồi nhấn Ctrl+C");
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(box.value).then(function () {
        say("Đã sao chép mã nhúng");
      }, fallback);
    } else {
      fallback();
    }
  });
})();
