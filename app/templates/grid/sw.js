/* The service worker of the grid worker's report page (served by grid.service_worker, registered by
   grid-report.js). It keeps the report page and its static files so that the page opens without a network,
   and nothing else: never another page, never a list or an order. Pages are asked of the network first (a
   kept copy is only for when there is none). Whatever it kept is forgotten as soon as somebody logs in or out
   on this phone, so the next user never sees the last one's page. */
"use strict";

var VERSION = {{ version|tojson }};
var CACHE = "linli-grid-" + VERSION;
var PREFIX = "linli-grid-";
var REPORT = {{ report_url|tojson }};
var ASSETS = {{ assets|tojson }};
var FORGET = {{ forget|tojson }};

function forget() {
  return caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0;
    }).map(function (name) {
      return caches.delete(name);
    }));
  });
}

// the report page as the logged-in worker sees it; a redirect (to the login page) is not it
function keepPage(response) {
  if (response.ok && !response.redirected && response.type === "basic") {
    var copy = response.clone();
    return caches.open(CACHE).then(function (cache) {
      return cache.put(REPORT, copy);
    });
  }
  if (response.redirected || response.type === "opaqueredirect") {
    return forget();  // logged out meanwhile: nothing of the last session is kept
  }
  return Promise.resolve();
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(ASSETS).then(function () {
      return fetch(REPORT, {credentials: "same-origin"}).then(keepPage, function () {});
    });
  }).then(function () {
    return self.skipWaiting();
  }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf(PREFIX) === 0 && name !== CACHE;
    }).map(function (name) {
      return caches.delete(name);
    }));
  }).then(function () {
    return self.clients.claim();
  }));
});

self.addEventListener("message", function (event) {
  if (event.data === "forget") {
    event.waitUntil(forget());
  }
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    return;
  }
  if (FORGET.indexOf(url.pathname) >= 0) {
    event.waitUntil(forget());  // a login or a logout: the network answers as usual
    return;
  }
  if (request.method !== "GET") {
    return;
  }
  if (url.pathname === REPORT && !url.search) {
    event.respondWith(fetch(request).then(function (response) {
      event.waitUntil(keepPage(response));
      return response;
    }, function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(REPORT, {ignoreVary: true});
      }).then(function (kept) {
        return kept || Response.error();
      });
    }));
    return;
  }
  if (ASSETS.indexOf(url.pathname) >= 0) {
    event.respondWith(fetch(request).catch(function () {
      return caches.open(CACHE).then(function (cache) {
        return cache.match(url.pathname, {ignoreVary: true});
      }).then(function (kept) {
        return kept || Response.error();
      });
    }));
  }
});
