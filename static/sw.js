/* bantin-audio: offline listening. Registered only when a listener saves an article; nothing is
   cached ahead of time. Only what was saved (caches named "bantin-luu-...") is ever answered
   from here; every other request goes to the network untouched. */
"use strict";
var PREFIX = "bantin-luu-";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (ev) { ev.waitUntil(self.clients.claim()); });

function saved(request) {
  return caches.keys().then(function (names) {
    names = names.filter(function (n) { return n.indexOf(PREFIX) === 0; });
    return names.reduce(function (found, name) {
      return found.then(function (hit) {
        return hit || caches.open(name).then(function (c) {
          return c.match(request);
        });
      });
    }, Promise.resolve(undefined));
  });
}

/* A saved MP3 answers range requests (seeking) from the stored bytes, as the server would. */
function ranged(request, response) {
  var range = /^bytes=(\d*)-(\d*)$/.exec(request.headers.get("range") || "");
  if (!range) return response;
  return response.blob().then(function (blob) {
    var size = blob.size, start = range[1] ? +range[1] : Math.max(0, size - +range[2]);
    var end = range[1] && range[2] ? Math.min(+range[2], size - 1) : size - 1;
    if (start >= size || start > end) {
      return new Response(null, { status: 416, headers: { "Content-Range": "bytes */" + size } });
    }
    return new Response(blob.slice(start, end + 1), {
      status: 206,
      headers: { "Content-Type": response.headers.get("Content-Type") || "audio/mpeg",
                 "Content-Range": "bytes " + start + "-" + end + "/" + size,
                 "Content-Length": String(end - start + 1), "Accept-Ranges": "bytes" }
    });
  });
}

self.addEventListener("fetch", function (ev) {
  var request = ev.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    /* Pages: the network first (the news may have changed), the saved copy when offline. */
    ev.respondWith(fetch(request).catch(function (err) {
      return saved(new Request(url.pathname)).then(function (hit) { if (hit) return hit; throw err; });
    }));
    return;
  }
  /* Audio and versioned assets never change under their address: the saved copy first. */
  if (!/^\/(am-thanh|static)\//.test(url.pathname)) return;
  ev.respondWith(saved(new Request(url.pathname + url.search)).then(function (hit) {
    return hit ? ranged(request, hit) : fetch(request);
  }));
});
