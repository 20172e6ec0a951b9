/* bantin-audio: "Lưu để nghe khi không có mạng". On the listener's request only, an article's
   page, its audio (the one this browser plays) and the page's own files go into a cache of
   their own, answered by /sw.js when the network is gone; /da-luu lists them with sizes and a
   delete button. Nothing is saved ahead of time; the storage quota is checked first. */
(function () {
  "use strict";
  var doc = document, PREFIX = "bantin-luu-", status = doc.getElementById("thong-bao");
  var able = "serviceWorker" in navigator && !!window.caches && window.isSecureContext;
  function say(text) {
    status.textContent = "";
    window.setTimeout(function () { status.textContent = text; }, 50);
  }
  function mb(n) { return Math.max(0.1, n / 1e6).toFixed(1).replace(".", ",") + " MB"; }
  function bytes(cache) {
    return cache.keys().then(function (reqs) {
      return Promise.all(reqs.map(function (r) {
        return cache.match(r).then(function (res) { return res.blob(); })
          .then(function (b) { return b.size; });
      }));
    }).then(function (sizes) { return sizes.reduce(function (a, b) { return a + b; }, 0); });
  }
  function meta(slug) { return "/da-luu/bai/" + encodeURIComponent(slug) + ".json"; }

  /* ---- the article page ---- */
  var box = doc.getElementById("luu");
  if (box && !able) box.hidden = true;
  if (box && able) {
    var btn = box.querySelector("button"), info = doc.getElementById("luu-tt"), busy = false;
    var slug = btn.getAttribute("data-slug"), name = PREFIX + slug, label = btn.textContent;
    var show = function (n) {
      btn.textContent = n ? "Bỏ bản đã lưu" : label;
      info.textContent = n ? "Đã lưu (" + mb(n) + "), nghe được khi không có mạng." : "";
    };
    caches.has(name).then(function (has) {
      if (has) caches.open(name).then(bytes).then(show);
    });
    var audioUrl = function () {
      var a = doc.getElementById("am-thanh");
      if (a.currentSrc) return a.currentSrc;
      var s = Array.prototype.filter.call(a.querySelectorAll("source"), function (x) {
        return a.canPlayType(x.type);
      })[0];
      return s ? s.getAttribute("src") : a.getAttribute("src");
    };
    var save = function () {
      var need = +btn.getAttribute("data-bytes") + 100000;
      var est = navigator.storage && navigator.storage.estimate ? navigator.storage.estimate()
        : Promise.resolve(null);
      return est.then(function (e) {
        if (e && e.quota - e.usage < need) {
          say("Máy không còn đủ chỗ để lưu bài này: cần " + mb(need) + ", còn " +
              mb(e.quota - e.usage) + ". Hãy bỏ bớt bài đã lưu.");
          return;
        }
        info.textContent = "Đang lưu…";
        var files = Array.prototype.map.call(
          doc.querySelectorAll("link[rel=stylesheet], link[rel=icon], script[src]"),
          function (el) { return el.getAttribute("href") || el.getAttribute("src"); });
        /* The worker is registered once the files are stored: a save that fails leaves
           nothing behind. */
        return caches.open(name).then(function (cache) {
          return cache.addAll([location.pathname, audioUrl(), "/da-luu"].concat(files))
            .then(function () {
              return cache.put(meta(slug), new Response(JSON.stringify({
                title: btn.getAttribute("data-title"), url: location.pathname, at: Date.now()
              }), { headers: { "Content-Type": "application/json" } }));
            }).then(function () { return navigator.serviceWorker.register("/sw.js"); })
            .then(function () { return bytes(cache); });
        }).then(function (n) {
          show(n); say("Đã lưu bài để nghe khi không có mạng");
          if (navigator.storage && navigator.storage.persist) navigator.storage.persist();
        }).catch(function (err) {
          return caches.delete(name).then(function () {
            show(0);
            say(err && err.name === "QuotaExceededError"
              ? "Máy không còn đủ chỗ để lưu bài này. Hãy bỏ bớt bài đã lưu."
              : "Chưa lưu được bài này. Hãy thử lại khi có mạng.");
          });
        });
      });
    };
    btn.addEventListener("click", function () {
      if (busy) return;
      busy = true;
      caches.has(name).then(function (has) {
        if (!has) return save();
        return caches.delete(name).then(function () { show(0); say("Đã bỏ bản đã lưu"); });
      }).then(function () { busy = false; }, function () { busy = false; });
    });
  }

  /* ---- the list of saved articles ---- */
  var list = doc.getElementById("da-luu");
  if (!list) return;
  var none = doc.getElementById("chua-luu"), use = doc.getElementById("dung-luong");
  if (!able) { doc.getElementById("khong-luu-duoc").hidden = false; return; }
  function quota() {
    if (!navigator.storage || !navigator.storage.estimate) return;
    navigator.storage.estimate().then(function (e) {
      use.textContent = "Trang này đang dùng " + mb(e.usage) + " trên " + mb(e.quota) +
        " trình duyệt cho phép.";
    });
  }
  function item(cacheName) {
    return caches.open(cacheName).then(function (cache) {
      var slug = decodeURIComponent(cacheName.slice(PREFIX.length));
      return Promise.all([cache.match(meta(slug)), bytes(cache)]).then(function (r) {
        return r[0] ? r[0].json().then(function (m) { return [cacheName, m, r[1]]; }) : null;
      });
    });
  }
  function render() {
    return caches.keys().then(function (names) {
      return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0; }).map(item));
    }).then(function (rows) {
      rows = rows.filter(Boolean).sort(function (a, b) { return b[1].at - a[1].at; });
      list.textContent = "";
      rows.forEach(function (r) {
        var li = doc.createElement("li"), a = doc.createElement("a"), b = doc.createElement("button");
        var sr = doc.createElement("span");
        a.href = r[1].url; a.textContent = r[1].title;
        b.type = "button"; b.textContent = "Xóa"; b.setAttribute("data-cache", r[0]);
        sr.className = "sr-only"; sr.textContent = " bài " + r[1].title; b.appendChild(sr);
        li.appendChild(a); li.appendChild(doc.createTextNode(" (" + mb(r[2]) + ") ")); li.appendChild(b);
        list.appendChild(li);
      });
      none.hidden = rows.length > 0;
      quota();
    });
  }
  list.addEventListener("click", function (ev) {
    var b = ev.target.closest("button[data-cache]");
    if (!b) return;
    var title = b.parentNode.querySelector("a").textContent;
    caches.delete(b.getAttribute("data-cache")).then(render).then(function () {
      say("Đã xóa bài “" + title + "” khỏi máy");
      (list.querySelector("button") || doc.getElementById("noi-dung")).focus();
    });
  });
  render();
})();
