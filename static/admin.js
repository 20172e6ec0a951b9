/* Admin page: refresh job progress while jobs run (no announcements: the listener did not ask). */
(function () {
  "use strict";
  var LABELS = { queued: "Đang chờ", running: "Đang tạo âm thanh", done: "Hoàn tất", failed: "Lỗi" };
  var rows = document.querySelectorAll("tr[data-job]");
  if (!rows.length) return;
  function poll() {
    var x = new XMLHttpRequest();
    x.open("GET", "/quan-tri/cong-viec.json");
    x.responseType = "json";
    x.onload = function () {
      if (x.status !== 200 || !x.response) return;
      var busy = false;
      x.response.jobs.forEach(function (j) {
        var row = document.querySelector('tr[data-job="' + j.id + '"]');
        if (!row) return;
        var label = j.stage === "fetch" && j.status === "running" ? "Đang tải và làm sạch bài" : LABELS[j.status];
        row.querySelector(".status").textContent = label + (j.error ? ": " + j.error : "");
        row.querySelector(".done").textContent = j.done + "/" + j.total + " đoạn";
        if (j.status === "queued" || j.status === "running") busy = true;
      });
      if (busy) window.setTimeout(poll, 3000);
    };
    x.send();
  }
  window.setTimeout(poll, 2000);
})();
